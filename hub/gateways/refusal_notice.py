"""What the requester of a request a system refused may learn of the refusal (``SystemRefusal.told``).

A request dead-lettered because its system refused it in its own words (a SOAP ``Client`` fault, an HTTP 4xx with
the system's ``c:Error``) is answered ``c:Error`` ``dead-lettered`` naming the system, its fault code and the first
line of its text: ``boss refused it: Client.AccountFrozen: account frozen by billing``. The caller can then tell
a refusal it may act on (a frozen account, a locked record) from the hub's own trouble. What the system wrote is
not trusted to be fit for a caller, so the notice keeps its first line only, at most ``MOST_TEXT`` characters,
mobile and fixed-line numbers masked but for their last four digits, and URLs, IP addresses, ``host:port`` pairs,
file paths and an Oracle connect descriptor's ``(HOST=…)``/``(PORT=…)`` replaced by ``[…]``: those stay with the
dead letter and the log, with everything else the reason says.
"""

from __future__ import annotations

import re

from hub.observability.masking import mask_numbers_in

__all__ = ["MOST_TEXT", "refusal_notice"]

MOST_TEXT = 160  # characters of the system's text a requester is told
_HIDDEN = "[…]"
_INTERNAL = re.compile(
    r"[a-z][a-z0-9+.-]*://\S+"                          # a URL
    r"|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"            # an IPv4 address, with its port
    r"|\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){2,7}\b"        # an IPv6 address
    r"|\b[\w-]+(?:\.[\w-]+)*:\d{2,5}\b"                 # host:port
    r"|(?:[a-z]:)?[\\/][\w.-]+[\\/][\w.\\/-]*"          # a file path (/opt/boss/..., C:\\boss\\...)
    r"|\(\s*(?:host|port|address|sid|service_name)\s*=[^)]*\)",  # an Oracle connect descriptor's parts
    re.IGNORECASE,
)
# a fixed-line number as customers and systems write it: 0755-83765432, 020 12345678, 075583765432, 0755-8376-5432,
# (0755)83765432, +86 755 8376 5432, 0086-755-83765432, with an extension (-801, 转801, ext. 801): masked but the
# last four digits of the number itself (an extension is masked too)
_FIXED_LINE = re.compile(
    r"(?<![\w+-])(?:(?:\+|00)86[ -]?\(?[1-9]\d{1,2}\)?|\(0[1-9]\d{1,2}\)|0[1-9]\d{1,2})[ -]?"
    r"(?P<head>\d{3,4})[ -]?(?P<tail>\d{4})"
    r"(?P<extension>(?:-|[ ]?(?:转|分机|ext\.?|x)[ ]?)\d{1,6})?(?![\w-])",
    re.IGNORECASE,
)


def _masked_fixed_line(found: re.Match[str]) -> str:
    extension = found.group("extension") or ""
    return "*" * (found.start("tail") - found.start()) + found.group("tail") + re.sub(r"\d", "*", extension)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return " ".join(line.split())
    return ""


def refusal_notice(system: str, code: str, detail: str, *, what: str = "refused it") -> str:
    """``<system> refused it: <code>: <text>`` (``code``: the fault code or ``HTTP <status>``), fit for a caller;
    ``what``: what the system did (``failed on it``: a SOAP Server fault, an HTTP 500 with its error document)."""
    text = _INTERNAL.sub(_HIDDEN, mask_numbers_in(_first_line(detail)))
    text = _FIXED_LINE.sub(_masked_fixed_line, text)
    if len(text) > MOST_TEXT:
        text = text[:MOST_TEXT - 1].rstrip() + "…"
    said = f"{code}: {text}" if text and text != code else code
    return f"{system} {what}: {said}"
