"""The times of a WS-Security header: a UsernameToken's ``wsu:Created`` and the ``wsu:Timestamp`` (WSS 1.1 §10).

A ``Created`` must lie within the replay window of now (both directions: clocks drift), else the token is refused
with ``wsse:MessageExpired``; a Timestamp's ``Expires``, when it has one, must not have passed by more than that
window. A time that cannot be converted to UTC (``0001-01-01T00:00:00+01:00``) is a malformed token, not a failure
of the hub. Every refusal names the token's username (counted as a failed sign-in of it, but for MessageExpired).
"""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from hub.soap.namespaces import WSU_NS
from hub.soap.wsse.nonces import SecurityTokenRefused

__all__ = ["check_created", "check_timestamp", "utc_seconds"]


def utc_seconds(text: str, what: str = "Created") -> float:
    """``text`` (ISO 8601 with a time zone) in seconds since the epoch; ValueError when it is none, or when it lies
    outside the years 1-9999 once converted to UTC (``0001-01-01T00:00:00+01:00``)."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"{what} has no time zone")
    try:
        return value.astimezone(UTC).timestamp()
    except OverflowError:
        raise ValueError(f"{what} {text.strip()[:40]!r} is out of range in UTC") from None


def check_created(created: str, now: float, window: float, username: str) -> float:
    """The token's ``wsu:Created`` in seconds since the epoch: ``InvalidSecurityToken`` when malformed,
    ``MessageExpired`` when more than ``window`` seconds from ``now``."""
    try:
        created_at = utc_seconds(created)
    except ValueError as exc:
        raise SecurityTokenRefused(f"malformed UsernameToken: {exc}", "InvalidSecurityToken",
                                   username=username) from None
    if abs(now - created_at) > window:
        raise SecurityTokenRefused(
            f"the token was created {created.strip()[:40]}, outside the {window:g} s window", "MessageExpired",
            username=username,
        )
    return created_at


def check_timestamp(security: etree._Element, now: float, skew: float, username: str) -> None:
    """``wsu:Timestamp`` of the Security block: refused (``MessageExpired``) when its ``Expires`` is more than
    ``skew`` seconds past; a malformed one is ``InvalidSecurity``. No Timestamp, or none with Expires: nothing.
    Either refusal names ``username`` (counted as a failed sign-in of it)."""
    timestamp = security.find(f"{{{WSU_NS}}}Timestamp")
    if timestamp is None:
        return
    expires = timestamp.findtext(f"{{{WSU_NS}}}Expires")
    if expires is None:
        return
    try:
        expires_at = utc_seconds(expires, "Expires")
    except ValueError as exc:
        raise SecurityTokenRefused(f"malformed wsu:Timestamp: {exc}", "InvalidSecurity",
                                   username=username) from None
    if now - expires_at > skew:
        raise SecurityTokenRefused(f"the message expired at {expires.strip()[:40]} (wsu:Timestamp)",
                                   "MessageExpired", username=username)
