"""An NSP ``OutageNotice`` as the bulletin keeps it: the fields an agent reads, parsed from the validated document.

Besides what every notice says, the fault report's own fields (``initiator``, ``reply_time``, the handler's result
feedback ``feedback_*``) and the information notice's (``customer_service_feedback``, ``sender_answer``), each
None when the notice leaves it out; ReplyTime and the feedback's At are times read as the others.

The XSD cannot tie ``AdjustmentKind`` to ``Kind`` (schemas/nsp.xsd); this module does: a PLANNED_WORK notice
without it, or a FAULT notice with it, is refused (``InconsistentNotice``, a permanent failure: dead-lettered).
Its times are read as ``xs:dateTime`` (``hub.validation.instants``: ``T24:00:00`` is 00:00 of the next day); a
time no ``datetime`` holds (a year beyond 9999) is refused the same way, with the reason, by every consumer of the
notice (the bulletin, the workflow, the OA and CRM adapters).

``Revision`` is optional in nsp.xsd: a notice without it is revision 1, except a clearance, which clears the
revision kept (``revision_given`` False; the consumer resolves it with ``resolve_revision``).

``sent_at`` is the header's SentAt as written: NSP corrects a notice without a new revision, and when the original
comes back after its correction (a redelivery, a delay tier) only the moment each was sent tells which is newer
(``sent_earlier``). It is no part of what the notice says: the same notice sent again is the same notice.

A clearance ends the notice as NSP sent it: an ACTIVE version NSP sent before the clearance kept, whatever its
revision, is stale (``sent_before_clearance``). NSP may clear without a Revision (the kept revision is cleared), and
its newer revision sent earlier may come last (a redelivery, a delay tier): taken as a newer revision it would
reopen the notice for good. Every consumer (the bulletin, the workflow, the OA adapter) judges it by this function.

A withdrawal (status ``WITHDRAWN``: the notice was issued in error, there was no outage) ends the notice as a
clearance does (``ended``; ``cleared_at`` is when it was withdrawn, ``withdrawal_reason`` why) and is NSP's last
word on it: once a consumer keeps it, every later version of the notice is stale (``after_withdrawal``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from lxml import etree

from hub.validation.instants import InstantUnreadable, read_instant
from hub.validation.namespaces import COMMON_NS, NSP_NS
from hub.workers.errors import PermanentError

__all__ = ["ACTIVE", "CLEARED", "NSP_NS", "REPORT_FIELDS", "WITHDRAWN", "AffectedArea", "InconsistentNotice",
           "OutageNotice", "after_withdrawal", "notice_instant", "parse_outage_notice", "resolve_revision",
           "sent_before_clearance", "sent_earlier"]

_NS = {"nsp": NSP_NS, "c": COMMON_NS}

#: a notice's statuses (nsp:NoticeStatus): on; over (recovered, done); withdrawn (issued in error, no outage)
ACTIVE, CLEARED, WITHDRAWN = "ACTIVE", "CLEARED", "WITHDRAWN"


#: the fault report's and the information notice's own fields of ``OutageNotice`` (all optional)
REPORT_FIELDS = ("initiator", "reply_time", "feedback_result", "feedback_handler", "feedback_phone", "feedback_at",
                 "customer_service_feedback", "sender_answer")


class InconsistentNotice(PermanentError):
    """A schema-valid notice the bulletin refuses (its fields contradict each other)."""


@dataclass(frozen=True, slots=True)
class AffectedArea:
    code: str  # area code, e.g. 0755
    district: str | None = None


@dataclass(frozen=True, slots=True)
class OutageNotice:
    """A fault (``FAULT``) or planned work (``PLANNED_WORK``) notice; the same ``notice_id`` comes again with a
    higher ``revision`` when it changes, with ``status`` ``CLEARED`` when it is over and ``WITHDRAWN`` when it was
    issued in error (no outage; ``cleared_at`` is then when it was withdrawn)."""

    notice_id: str
    revision: int
    kind: str
    title: str
    status: str  # ACTIVE | CLEARED | WITHDRAWN
    areas: tuple[AffectedArea, ...]
    services: tuple[str, ...]
    start: str
    customer_wording: str
    sending_department: str
    contact: str
    contact_phone: str
    adjustment_kind: str | None = None
    expected_end: str | None = None
    cleared_at: str | None = None
    content: str | None = None
    revision_given: bool = True  # False: the document had no Revision (see ``resolve_revision``)
    sent_at: str | None = None  # the header's SentAt as written (None: a document without a header)
    # the fault report's (障碍申报单) own fields: who raised it, when the network department replies, the handler's
    # result feedback (what was done, by whom, the handler's phone, when)
    initiator: str | None = None
    reply_time: str | None = None
    feedback_result: str | None = None
    feedback_handler: str | None = None
    feedback_phone: str | None = None
    feedback_at: str | None = None
    # the information notice's (信息报送单): customer service's feedback and the sending department's answer
    customer_service_feedback: str | None = None
    sender_answer: str | None = None
    withdrawal_reason: str | None = None  # why NSP withdrew it (only a WITHDRAWN notice says)

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    @property
    def withdrawn(self) -> bool:
        return self.status == WITHDRAWN


def after_withdrawal(kept_status: str | None) -> bool:
    """Whether any version of a notice arriving now is stale because the version kept withdrew it: a withdrawal is
    NSP's last word (a later clearance or revision of a notice that never was an outage changes nothing)."""
    return kept_status == WITHDRAWN


def resolve_revision(notice: OutageNotice, kept_revision: int | None) -> OutageNotice:
    """``notice`` with the revision it stands for: a clearance without a Revision clears the revision kept
    (``kept_revision``; 1 for a notice not seen before), anything else without one is revision 1."""
    if notice.revision_given:
        return notice
    revision = kept_revision if not notice.active and kept_revision is not None else 1
    return replace(notice, revision=revision, revision_given=True)


def _moment(sent_at: str | datetime | None) -> datetime | None:
    """A SentAt as written (read as ``xs:dateTime``) or as kept (a ``datetime``; one without an offset is UTC, as
    the stores keep it); None when missing or unreadable."""
    if isinstance(sent_at, datetime):
        return sent_at if sent_at.tzinfo is not None else sent_at.replace(tzinfo=UTC)
    try:
        return None if sent_at is None else read_instant(sent_at)
    except InstantUnreadable:
        return None


def sent_earlier(sent_at: str | datetime | None, than: str | datetime | None) -> bool:
    """Whether ``sent_at`` is a moment before ``than`` (SentAt as written, or as a store keeps it); False when
    either is missing or unreadable: without both moments nothing says which came first."""
    moment, other = _moment(sent_at), _moment(than)
    return moment is not None and other is not None and moment < other


def sent_before_clearance(active: bool, sent_at: str | datetime | None, kept_cleared: bool,
                          kept_sent_at: str | datetime | None) -> bool:
    """Whether an ACTIVE version (``active``) sent at ``sent_at`` is stale against a kept clearance
    (``kept_cleared``) NSP sent later (``kept_sent_at``, the latest at which NSP said it), whatever the revisions:
    NSP's last word on the notice is that it is over. Without both SentAt, the revisions alone decide."""
    return active and kept_cleared and sent_earlier(sent_at, kept_sent_at)


def notice_instant(text: str, name: str = "time") -> datetime:
    """A notice's time read as ``xs:dateTime``; ``InconsistentNotice`` (permanent) names a time no ``datetime``
    holds (a year beyond 9999) or one that is no time at all."""
    try:
        return read_instant(text)
    except InstantUnreadable as exc:
        raise InconsistentNotice(f"OutageNotice {name}: {exc}") from None


def _text(root: etree._Element, path: str) -> str | None:
    found = root.find(path, _NS)
    return None if found is None or found.text is None else found.text.strip()


def _required(root: etree._Element, path: str) -> str:
    value = _text(root, path)
    if value is None:
        raise InconsistentNotice(f"OutageNotice has no {path.split(':')[-1]}")
    return value


def parse_outage_notice(document: bytes | etree._Element) -> OutageNotice:
    """The notice in ``document`` (an ``nsp:OutageNotice`` already valid against nsp.xsd)."""
    root = etree.fromstring(document) if isinstance(document, bytes) else document
    if root.tag != f"{{{NSP_NS}}}OutageNotice":
        raise InconsistentNotice(f"not an nsp:OutageNotice: {root.tag}")
    kind = _required(root, "nsp:Kind")
    adjustment = _text(root, "nsp:AdjustmentKind")
    if kind == "PLANNED_WORK" and adjustment is None:
        raise InconsistentNotice("a PLANNED_WORK notice must say its AdjustmentKind")
    if kind == "FAULT" and adjustment is not None:
        raise InconsistentNotice("a FAULT notice has no AdjustmentKind")
    areas = tuple(
        AffectedArea(_required(area, "c:AreaCode"), _text(area, "c:District"))
        for area in root.iterfind("nsp:Area", _NS)
    )
    revision = _text(root, "nsp:Revision")
    for name in ("Start", "ExpectedEnd", "ClearedAt", "ReplyTime", "ResultFeedback/nsp:At"):
        written = _text(root, f"nsp:{name}")
        if written is not None:
            notice_instant(written, name.replace("/nsp:", "/"))
    return OutageNotice(
        notice_id=_required(root, "nsp:NoticeId"),
        revision=int(revision) if revision is not None else 1,
        kind=kind,
        title=_required(root, "nsp:Title"),
        status=_required(root, "nsp:Status"),
        areas=areas,
        services=tuple(s.text.strip() for s in root.iterfind("nsp:Service", _NS) if s.text),
        start=_required(root, "nsp:Start"),
        customer_wording=_required(root, "nsp:CustomerWording"),
        sending_department=_required(root, "nsp:SendingDepartment"),
        contact=_required(root, "nsp:Contact"),
        contact_phone=_required(root, "nsp:ContactPhone"),
        adjustment_kind=adjustment,
        expected_end=_text(root, "nsp:ExpectedEnd"),
        cleared_at=_text(root, "nsp:ClearedAt"),
        content=_text(root, "nsp:Content"),
        revision_given=revision is not None,
        sent_at=_text(root, "nsp:Header/c:SentAt"),
        initiator=_text(root, "nsp:Initiator"),
        reply_time=_text(root, "nsp:ReplyTime"),
        feedback_result=_text(root, "nsp:ResultFeedback/nsp:Result"),
        feedback_handler=_text(root, "nsp:ResultFeedback/nsp:Handler"),
        feedback_phone=_text(root, "nsp:ResultFeedback/nsp:Phone"),
        feedback_at=_text(root, "nsp:ResultFeedback/nsp:At"),
        customer_service_feedback=_text(root, "nsp:CustomerServiceFeedback"),
        sender_answer=_text(root, "nsp:SenderAnswer"),
        withdrawal_reason=_text(root, "nsp:WithdrawalReason"),
    )
