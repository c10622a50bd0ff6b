"""``MailRefused``: an answer mail the hub does not take, with the HTTP status and code of its refusal."""

from __future__ import annotations

__all__ = ["MailRefused"]


class MailRefused(Exception):
    """An answer mail the hub does not take: ``status`` and ``code`` of the HTTP refusal, and why."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
