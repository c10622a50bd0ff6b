"""An answer from the mailbox a dispatch was e-mailed to is taken after ``[mail.offline.<dept>] mailbox`` changed:
its token (a MAC of the work order, the dispatch, the department and that mailbox) proves the sender is the handler
who got the dispatch. The new mailbox cannot answer with the old holder's token, and a sender the hub never mailed
is still ``unknown-sender``."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from hub.config.mail import MailSettings
from hub.ingress.mail.hooks import answered_dispatch
from hub.ingress.mail.reading import InboundMail, MailRefused
from hub.security.mail_tokens import dispatch_token

pytestmark = pytest.mark.unit

KEY = b"a-test-key-of-enough-bytes"
WO = "WO20261123ABCD1234"
OLD, NEW = "billing-desk@example.com", "billing-team@example.com"
NOW = MailSettings(token_key=KEY, offline=MappingProxyType({"BILLING": NEW, "MARKETING": "marketing@example.com"}))
SUBJECT = f"Re: [WO#{WO}] Dispatched to BILLING [ref 1-{dispatch_token(KEY, WO, 1, 'BILLING', OLD)}]"


def _mail(sender: str) -> InboundMail:
    return InboundMail(sender, "<a@example.com>", SUBJECT, "ok", False)


def test_the_holder_the_dispatch_went_to_can_still_answer() -> None:
    answered = answered_dispatch(_mail(OLD.upper()), NOW)
    assert (answered.work_order_id, answered.dispatch, answered.department) == (WO, 1, "BILLING")


@pytest.mark.parametrize(("sender", "code"), [
    (NEW, "token-mismatch"),  # the new mailbox never got this dispatch: the old holder's token is not its own
    ("someone@example.com", "unknown-sender"),  # mailed nothing by the hub
])
def test_no_one_else_answers_with_the_holders_token(sender: str, code: str) -> None:
    with pytest.raises(MailRefused) as refused:
        answered_dispatch(_mail(sender), NOW)
    assert (refused.value.status, refused.value.code) == (403, code)
