"""The hook and token of a dispatch e-mailed to an offline department (docs/offline-mail.md).

Every dispatch mail's subject carries the work order's hook ``[WO#<id>]`` (what ticketing users know from Zammad's
or OTRS's ``[Ticket#123]``) and the dispatch's reference ``[ref <n>-<token>]``: ``n`` the work order's dispatch (1,
then 2 after a dispatch marked invalid ...), ``token`` an HMAC-SHA256 of the work order, ``n``, the department and
the mailbox the mail went to, under the hub's ``[mail] token_key``, cut to 16 hex digits. A reply keeps the subject
(``Re:`` before it), so the hub's mail ingress reads both back and checks them without any stored state: a forged
answer naming only the id, another dispatch's token, or a token answered from another mailbox than the one it went
to is refused. The adapter that sends the mail and the ingress that takes the answer share this module.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

__all__ = ["DispatchReference", "dispatch_subject", "dispatch_token", "read_hook", "read_reference",
           "token_matches"]

TOKEN_HEX = 16
_HOOK = re.compile(r"\[WO#(?P<work_order_id>[^\]\s]{1,40})\]", re.IGNORECASE)
_REFERENCE = re.compile(rf"\[ref (?P<dispatch>[1-9][0-9]{{0,3}})-(?P<token>[0-9a-f]{{{TOKEN_HEX}}})\]", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DispatchReference:
    """What a subject's ``[ref n-token]`` names: the dispatch and its token."""

    dispatch: int
    token: str


def dispatch_token(key: bytes, work_order_id: str, dispatch: int, department: str, mailbox: str) -> str:
    """The token of dispatch ``dispatch`` of ``work_order_id`` to ``department``, e-mailed to ``mailbox`` (compared
    without case)."""
    message = f"{work_order_id}\n{dispatch}\n{department}\n{mailbox.strip().lower()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:TOKEN_HEX]


def token_matches(key: bytes, work_order_id: str, reference: DispatchReference, department: str,
                  mailbox: str) -> bool:
    """Whether ``reference``'s token is the one the hub gave that dispatch to ``department`` sent to ``mailbox``
    (compared in constant time)."""
    expected = dispatch_token(key, work_order_id, reference.dispatch, department, mailbox)
    return hmac.compare_digest(expected, reference.token.lower())


def dispatch_subject(work_order_id: str, dispatch: int, token: str, title: str) -> str:
    """A dispatch mail's subject: ``[WO#<id>] <title> [ref <n>-<token>]``."""
    return f"[WO#{work_order_id}] {title} [ref {dispatch}-{token}]"


def read_hook(subject: str) -> str | None:
    """The work order id of the subject's ``[WO#<id>]`` hook (the first), None without one."""
    found = _HOOK.search(subject)
    return None if found is None else found["work_order_id"]


def read_reference(subject: str) -> DispatchReference | None:
    """The subject's ``[ref <n>-<token>]``, None without one."""
    found = _REFERENCE.search(subject)
    return None if found is None else DispatchReference(int(found["dispatch"]), found["token"].lower())
