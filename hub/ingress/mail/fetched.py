"""A mail fetched from the hub's IMAP inbox, taken through the pipeline of ``POST /mail/inbound`` as the ``MAIL``
caller (no HTTP), and what the poller does with it then (``hub.ingress.mail.inbox``):

* ``taken``: answered (the workflow's answer checked as the webhook checks it, not a ``c:Error``), or the same mail
  taken before (a DUPLICATE: several hubs may poll one mailbox) → ``\\Seen``;
* ``refused``: refused for good (a 4xx: a `MailRefused`, a refusal of the document or by the workflow: its
  ``c:Error``, e.g. a second answer to a REPLIED work order) →
  ``\\Seen \\Flagged``, logged with its code and the sender masked;
* ``left``: a failure that may pass (the broker down, no answer in time, the workflow's ``system-unavailable``
  while its store is down: a 5xx, 408, 429) → left unseen for the next pass.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, Literal

from hub.config.files import ConfigError
from hub.config.mail_inbox import DEFAULT_MAX_MAIL_BYTES
from hub.config.security import CallerConfig
from hub.ingress.mail.endpoint import MailIngress, MailProgress
from hub.ingress.mail.reading import MailRefused
from hub.ingress.outcomes import refusal_for
from hub.observability.masking import mask_mailbox

__all__ = ["MAIL_SYSTEM", "Verdict", "mail_caller", "take_fetched", "taken_on"]

log = logging.getLogger("onepoint.ingress.mail")
MAIL_SYSTEM = "MAIL"
Verdict = Literal["taken", "refused", "left"]
_PASSING = frozenset({408, 429})  # 4xx statuses that say "later", not "never"


def mail_caller(callers: Iterable[CallerConfig]) -> CallerConfig:
    """The ``[[callers]]`` entry of system ``MAIL``: who a fetched mail is taken as."""
    for caller in callers:
        if caller.system == MAIL_SYSTEM:
            return caller
    raise ConfigError("[mail.inbox] is set but no [[callers]] entry has system = \"MAIL\": fetched answers are "
                      "taken as that caller")


async def take_fetched(ingress: MailIngress, caller: CallerConfig, raw: bytes,
                       max_mail_bytes: int = DEFAULT_MAX_MAIL_BYTES) -> Verdict:
    """Take ``raw`` (one fetched mail) and say what became of it; never raises for the mail's own failure.
    ``max_mail_bytes``: the whole mail's cap (``[mail.inbox]``, attachments included); its text part is capped as
    an answer is (``MailIngress.max_bytes``)."""
    progress = MailProgress()
    try:
        if len(raw) > max_mail_bytes:
            raise MailRefused(413, "too-large", f"the mail has {len(raw)} bytes, more than {max_mail_bytes}")
        admitted, ack = await ingress.answer(raw, caller, progress, text_cap=True)
        ingress.passed_on(admitted, ack, progress)  # the workflow's c:Error: refused for good, or left (503/504)
    except MailRefused as refused:
        ingress.refused(refused, progress)
        return "left" if refused.status in _PASSING or refused.status >= 500 else "refused"
    except Exception as exc:
        refusal = refusal_for(exc, system="mail")
        if refusal.status >= 500 or refusal.status in _PASSING:
            log.warning("answer mail left for the next pass", extra={"code": refusal.code, "status": refusal.status})
            return "left"
        log.warning("answer mail refused", extra={
            "code": refusal.code, "status": refusal.status,
            "work_order_id": None if progress.answered is None else progress.answered.work_order_id,
            "sender": None if progress.mail is None else mask_mailbox(progress.mail.sender)})
        return "refused"
    return "taken"


def taken_on(loop: asyncio.AbstractEventLoop, take: Callable[[bytes], Coroutine[Any, Any, Verdict]],
             timeout: float = 600.0) -> Callable[[bytes], Verdict]:
    """``take`` (`take_fetched`'s) for a thread of its own (the poller's): run on ``loop``, the app's, where the
    broker lives; a mail without its outcome in ``timeout`` seconds is left for the next pass."""
    def in_thread(raw: bytes) -> Verdict:
        future = asyncio.run_coroutine_threadsafe(take(raw), loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            log.warning("answer mail left for the next pass: no outcome in time", extra={"seconds": timeout})
            return "left"

    return in_thread
