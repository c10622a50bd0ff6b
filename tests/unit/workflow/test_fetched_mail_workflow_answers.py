"""A mail fetched from the IMAP inbox and the workflow's real answers to it (hub/ingress/mail/fetched.py): the
poller checks the answer as ``POST /mail/inbound`` does (``Acceptance.pass_on``), so a ``c:Error`` is never counted
taken. A second answer to a REPLIED work order (the webhook's 422) is refused (flagged, logged with its code); the
worker's ``system-unavailable`` while the work-order store is down (the webhook's 503) leaves the mail unseen."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from lxml import etree

from hub.config.mail import MailSettings
from hub.config.security import CallerConfig
from hub.config.workflow import WorkflowSettings
from hub.envelope import Envelope
from hub.ingress.acceptance import Acceptance, AckInfo, Admitted
from hub.ingress.mail.endpoint import MailIngress, MailProgress
from hub.ingress.mail.fetched import Verdict, take_fetched
from hub.ingress.mail.hooks import AnsweredDispatch
from hub.ingress.mail.reading import InboundMail
from hub.transport.message import Message
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from hub.workers import WorkerTestClient
from hub.workers.caller_wait import unavailable_answer
from hub.workflow.clock import ManualClock
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from tests.unit.workflow.kit import START
from tests.unit.workflow.test_offline_department_mail import MAILBOX, _answer_mail, _dispatched

pytestmark = pytest.mark.unit

REGISTRY = CommandSetRegistry.installed()


@pytest.fixture
def runtime(tmp_path: Path, migrated_store: Path) -> Iterator[WorkflowRuntime]:
    """The conftest's runtime (its ``client`` runs on this one) with BILLING marked offline."""
    database = tmp_path / "workorders.db"
    shutil.copyfile(migrated_store, database)
    opened = open_runtime(WorkflowSettings(database=f"sqlite:///{database}"), clock=ManualClock(START),
                          offline_mailboxes={"BILLING": MAILBOX})
    yield opened
    opened.close()


class RepliedIngress(MailIngress):
    """`MailIngress` whose `answer` returns what the real one returns for ``envelope``: the Ack with the workflow's
    reply, a ``c:Error`` included (the real one never raises `ReplyRefusal`); the reply is checked by the real
    `MailIngress.passed_on` and `Acceptance.pass_on`."""

    def __init__(self, envelope: Envelope, reply: bytes | None) -> None:
        acceptance = Acceptance(None, DocumentValidator(REGISTRY))  # type: ignore[arg-type]  # pass_on only
        super().__init__(SimpleNamespace(acceptance=acceptance), MailSettings(), 1_000_000)  # type: ignore[arg-type]
        self.envelope, self.reply = envelope, reply

    async def answer(self, body: bytes, caller: CallerConfig, progress: MailProgress,
                     peer: str | None = None, *, text_cap: bool = False) -> tuple[Admitted, AckInfo]:
        progress.mail = InboundMail(MAILBOX, "<m1@example.com>", "Re: x", "Done", False)
        progress.answered = AnsweredDispatch("WO-1", 1, "BILLING")
        admitted = Admitted(REGISTRY.get("mail"), "AnswerMail", self.envelope)
        return admitted, AckInfo(self.envelope.message_id, None, "COMPLETED", datetime.now(UTC), self.reply)


def _taken(envelope: Envelope, reply: bytes | None) -> Verdict:
    return asyncio.run(take_fetched(RepliedIngress(envelope, reply), CallerConfig(system="MAIL", username="mail"),
                                    b"raw"))


def _lines(caplog: pytest.LogCaptureFixture, message: str) -> list[Any]:
    return [r for r in caplog.records if r.getMessage() == message]


def test_the_first_answer_is_taken_a_second_one_refused(client: WorkerTestClient,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "onepoint.ingress.mail")
    work_order_id, _ = _dispatched(client)
    first = _answer_mail(work_order_id)
    assert _taken(first, client.request(first).reply) == "taken"
    assert len(_lines(caplog, "answer mail taken")) == 1
    caplog.clear()
    second = _answer_mail(work_order_id, message="m2")  # another mail: the work order is REPLIED already
    reply = client.request(second).reply
    assert reply is not None and etree.fromstring(reply).tag.endswith("}Error")
    assert _taken(second, reply) == "refused"  # flagged, as the webhook answers it 422
    (line,) = _lines(caplog, "answer mail refused")
    assert (line.status, line.sender) == (422, "b***@example.com")
    assert not _lines(caplog, "answer mail taken")


def test_a_system_unavailable_answer_leaves_the_mail_unseen(client: WorkerTestClient,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "onepoint.ingress.mail")
    work_order_id, _ = _dispatched(client)
    request = _answer_mail(work_order_id)
    message = Message(request.payload, message_id=request.message_id, type=request.command_type)
    reply = unavailable_answer(message, "the work-order store is down (circuit database open)", 30.0)
    assert _taken(request, reply) == "left"  # the webhook: 503, send again later
    assert _lines(caplog, "answer mail left for the next pass")
    assert not _lines(caplog, "answer mail taken")
