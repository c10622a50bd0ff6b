"""An NSP outage notice as the OA adapter reads it: what a manager of an affected area is told of it (``OutageNotice``,
one revision), and NSP's SentAt of the notice message.

Times are read as ``xs:dateTime`` (``hub.validation.instants``); a time no ``datetime`` holds is refused
(``InconsistentNotice``), as the bulletin and the workflow refuse it. Pure functions over lxml elements (no I/O).
"""

from __future__ import annotations

import hashlib
from dataclasses import astuple, dataclass, replace
from datetime import UTC, datetime

from hub.envelope import Envelope
from hub.gateways import command_element
from hub.validation.instants import InstantUnreadable, read_instant
from hub.validation.namespaces import COMMON_NS, NSP_NS

__all__ = ["InconsistentNotice", "OutageNotice", "notice_sent_at", "outage_notice"]


@dataclass(frozen=True, slots=True)
class OutageNotice:
    """What a manager is told of an NSP fault or planned-work notice (one revision of it)."""

    notice_id: str
    revision: int
    kind: str  # FAULT | PLANNED_WORK
    adjustment_kind: str | None
    title: str
    areas: tuple[tuple[str, str | None], ...]  # (area code, district)
    services: tuple[str, ...]
    start: str
    expected_end: str | None
    wording: str
    status: str  # ACTIVE | CLEARED | WITHDRAWN (issued in error: no outage)
    cleared_at: str | None
    revision_given: bool = True  # False: sent without a Revision (``with_revision`` resolves it)

    @property
    def area_codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(code for code, _ in self.areas))

    @property
    def cleared(self) -> bool:
        """Over: cleared, or withdrawn (a withdrawal ends the notice as a clearance does, and comes after ACTIVE at
        one revision; ``cleared_at`` is then when NSP withdrew it)."""
        return self.status in ("CLEARED", "WITHDRAWN")

    @property
    def withdrawn(self) -> bool:
        return self.status == "WITHDRAWN"

    def with_revision(self, kept_revision: int | None) -> OutageNotice:
        """The revision a notice without one stands for: a clearance clears the kept revision, else 1."""
        if self.revision_given:
            return self
        revision = kept_revision if self.cleared and kept_revision is not None else 1
        return replace(self, revision=revision, revision_given=True)

    def fingerprint(self) -> str:
        """What the notice says, hashed: a changed notice that kept its revision has another fingerprint."""
        return hashlib.sha256(repr(astuple(self)).encode()).hexdigest()


class InconsistentNotice(ValueError):
    """A notice XSD 1.0 lets through but the hub refuses: PLANNED_WORK without AdjustmentKind, FAULT with one.

    The ingress refuses it first (``hub.validation.command_rules``); kept here as defence for a message that
    reached the queue another way (a replay of one published before that rule)."""


def outage_notice(envelope: Envelope) -> OutageNotice:
    """The ``nsp.OutageNotice`` of ``envelope``; ``InconsistentNotice`` for the rule XSD 1.0 cannot express."""
    document = command_element(envelope)
    n = f"{{{NSP_NS}}}"

    def text(name: str) -> str | None:
        found: str | None = document.findtext(n + name)
        return found

    kind, adjustment = text("Kind") or "", text("AdjustmentKind")
    if kind == "PLANNED_WORK" and not adjustment:
        raise InconsistentNotice(f"notice {text('NoticeId')}: a PLANNED_WORK notice needs its AdjustmentKind")
    if kind == "FAULT" and adjustment:
        raise InconsistentNotice(f"notice {text('NoticeId')}: a FAULT notice has no AdjustmentKind")
    for name in ("Start", "ExpectedEnd", "ClearedAt"):
        written = text(name)
        if written is not None:
            try:
                read_instant(written)
            except InstantUnreadable as exc:
                raise InconsistentNotice(f"notice {text('NoticeId')}: {name}: {exc}") from None
    areas = tuple((area.findtext(f"{{{COMMON_NS}}}AreaCode") or "", area.findtext(f"{{{COMMON_NS}}}District"))
                  for area in document.iterfind(n + "Area"))
    revision = text("Revision")
    return OutageNotice(
        notice_id=text("NoticeId") or "", revision=int(revision or 1), kind=kind, adjustment_kind=adjustment,
        title=text("Title") or "", areas=areas, services=tuple(s.text or "" for s in document.iterfind(n + "Service")),
        start=text("Start") or "", expected_end=text("ExpectedEnd"), wording=text("CustomerWording") or "",
        status=text("Status") or "ACTIVE", cleared_at=text("ClearedAt"), revision_given=revision is not None,
    )


def notice_sent_at(envelope: Envelope) -> datetime | None:
    """NSP's SentAt of the notice message in UTC: of two variants of one revision, the one sent later is the
    correction (``versions``). None when it is missing or unreadable (the variant is then judged by content)."""
    written = command_element(envelope).findtext(f"{{{NSP_NS}}}Header/{{{COMMON_NS}}}SentAt")
    try:
        return None if written is None else read_instant(written).astimezone(UTC)
    except (ValueError, OverflowError):  # InstantUnreadable, InstantBeyondRange
        return None
