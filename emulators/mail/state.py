"""The mail emulator's state: the mails its SMTP server received (the handlers' mailboxes) and the answers sent.

Each mail received is kept with its SMTP envelope (MAIL FROM, RCPT TO), its raw bytes and what a tester looks for
(subject, Message-ID, the hub's ``X-OnePoint-Work-Order``); each answer a tester had sent with the hub's HTTP answer.
Mail ids (``m1``, ``m2`` ...) never repeat across resets. At most ``max_mails`` are kept, the oldest dropped first.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["MailError", "Mailbox", "ReceivedMail"]


class MailError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(slots=True)
class ReceivedMail:
    mail_id: str
    received_at: float  # the emulator's clock (epoch seconds)
    mail_from: str
    rcpt_to: list[str]
    raw: bytes
    subject: str
    message_id: str
    work_order_id: str | None
    answers: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self, *, raw: bool = False) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "id": self.mail_id, "received_at": datetime.fromtimestamp(self.received_at, UTC).isoformat(),
            "mail_from": self.mail_from,
            "rcpt_to": list(self.rcpt_to), "subject": self.subject, "message_id": self.message_id,
            "work_order_id": self.work_order_id, "answers": list(self.answers)}
        if raw:
            shown["raw"] = self.raw.decode("utf-8", "replace")
        return shown


class Mailbox:
    """The received mails, thread-safe (the SMTP server's thread adds, the HTTP handlers read and answer)."""

    def __init__(self, max_mails: int = 10_000) -> None:
        self.max_mails = max_mails
        self._lock = threading.Lock()
        self._mails: OrderedDict[str, ReceivedMail] = OrderedDict()
        self._ids = itertools.count(1)

    def add(self, mail: ReceivedMail) -> None:
        with self._lock:
            self._mails[mail.mail_id] = mail
            while len(self._mails) > self.max_mails:
                self._mails.popitem(last=False)

    def next_id(self) -> str:
        return f"m{next(self._ids)}"

    def get(self, mail_id: str) -> ReceivedMail:
        with self._lock:
            found = self._mails.get(mail_id)
        if found is None:
            raise MailError(404, "unknown-mail", f"no mail {mail_id!r} was received")
        return found

    def all(self, rcpt: str | None = None) -> list[ReceivedMail]:
        with self._lock:
            mails = list(self._mails.values())
        return [m for m in mails if rcpt is None or rcpt.lower() in (r.lower() for r in m.rcpt_to)]

    def reset(self) -> None:
        with self._lock:
            self._mails.clear()  # ids go on counting: a mail id never names two mails

    def snapshot(self, limit: int = 1_000) -> dict[str, Any]:
        mails = self.all()
        return {"received": len(mails), "mails": [m.to_json() for m in mails[-limit:]]}
