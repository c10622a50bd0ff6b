"""The DSMP emulator's behaviour: QuerySmsLog with paging and an audit trail, QuerySpComplaintStats per SP.

- Both queries are answered synchronously (Ack COMPLETED). Default page size 50; a page past the end is empty
  and still carries Total. A period that ends before it starts is refused (400 ``invalid-period``); statistics
  periods longer than 366 days too (``period-too-long``).
- Every query that passes the XSD is audited, answered or refused: who (operator account, login IP, source
  system), why (purpose, approval, work order) and what (number masked as 138****8000, period, direction, page),
  with the outcome and the total. The trail (newest ``audit_capacity`` entries) is in the state.
- Every record carries its send status (``SubmitResult``, CMPP 2.0 Submit_Resp result) and, when accepted at
  submit (0), its delivery status (``Status``); one refused at submit has none (:mod:`emulators.dsmp.smslog`).
The data and the audit trail live in :class:`emulators.dsmp.state.DsmpState`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from emulators.dsmp.smslog import SmsRecord
from emulators.dsmp.state import DsmpState
from emulators.toolkit import Clock
from emulators.toolkit.xmlcommand import CST, CommandError, response_root, sub, text_of
from hub.observability.logging import mask_msisdn
from hub.validation import ValidatedCommand
from hub.validation.namespaces import COMMON_NS as C
from hub.validation.namespaces import DSMP_NS

__all__ = ["DEFAULT_PAGE_SIZE", "DSMP_NS", "DsmpService"]

DEFAULT_PAGE_SIZE = 50
MAX_STATS_DAYS = 366


def _period(el: etree._Element) -> tuple[datetime, datetime]:
    period = el.find(f"{{{DSMP_NS}}}Period")
    assert period is not None  # required by the XSD
    try:
        start = datetime.fromisoformat(text_of(period, "From", C) or "")
        end = datetime.fromisoformat(text_of(period, "To", C) or "")
    except ValueError as exc:
        raise CommandError(400, "invalid-period", f"unreadable period: {exc}") from exc
    if end < start:
        raise CommandError(400, "invalid-period", "the period ends before it starts")
    return start, end


def _paging(el: etree._Element) -> tuple[int, int]:
    return int(text_of(el, "PageSize", DSMP_NS) or DEFAULT_PAGE_SIZE), int(text_of(el, "Page", DSMP_NS) or 1)


class DsmpService:
    """The two DSMP queries, answered from (and audited in) a :class:`DsmpState`."""

    def __init__(self, state: DsmpState, clock: Clock) -> None:
        self.state, self.clock = state, clock

    # -- QuerySmsLog --------------------------------------------------------------------------------------------
    def query_sms_log(self, command: ValidatedCommand) -> etree._Element:
        el = command.element
        msisdn = text_of(el, "Msisdn", DSMP_NS) or ""
        direction = text_of(el, "Direction", DSMP_NS)
        size, page = _paging(el)
        period = el.find(f"{{{DSMP_NS}}}Period")
        who = {key: text_of(el, tag, DSMP_NS) for key, tag in (
            ("operator_account", "OperatorAccount"), ("operator_ip", "OperatorIp"), ("purpose", "Purpose"),
            ("approval_id", "ApprovalId"), ("work_order_id", "WorkOrderId"))}
        query = {"msisdn": mask_msisdn(msisdn), "from": text_of(period, "From", C) if period is not None else None,
                 "to": text_of(period, "To", C) if period is not None else None, "direction": direction,
                 "page": page, "page_size": size}
        entry = self.state.open_audit(command, who, query)
        try:
            start, end = _period(el)
        except CommandError:
            self.state.close_audit(entry, "refused", None)
            raise
        matching = [r for r in self.state.records_of(msisdn)
                    if start <= r.submit <= end and (direction is None or r.direction == direction)]
        self.state.close_audit(entry, "answered", len(matching))
        root = response_root(command, "COMPLETED", self.clock.now())
        sub(root, DSMP_NS, "AuditId", entry["audit_id"])
        sub(root, DSMP_NS, "Total", len(matching))
        sub(root, DSMP_NS, "Page", page)
        for record in matching[(page - 1) * size: page * size]:
            self._record(root, record)
        return root

    @staticmethod
    def _record(root: etree._Element, r: SmsRecord) -> None:
        node = sub(root, DSMP_NS, "Record")
        for tag, value in (("Direction", r.direction), ("CallingNumber", r.calling), ("CalledNumber", r.called),
                           ("Protocol", r.protocol), ("MessageFormat", r.message_format),
                           ("SubmitTime", r.submit.isoformat()), ("SubmitResult", r.submit_result),
                           ("DoneTime", r.done.isoformat() if r.done else None),
                           ("Status", r.status), ("ErrorCode", r.error_code), ("ErrorReason", r.error_reason),
                           ("SpCode", r.sp_code)):
            if value is not None:
                sub(node, DSMP_NS, tag, value)

    # -- QuerySpComplaintStats ----------------------------------------------------------------------------------
    def query_sp_stats(self, command: ValidatedCommand) -> etree._Element:
        el = command.element
        sp_code = text_of(el, "SpCode", DSMP_NS)
        size, page = _paging(el)
        period = el.find(f"{{{DSMP_NS}}}Period")
        query = {"sp_code": sp_code, "from": text_of(period, "From", C) if period is not None else None,
                 "to": text_of(period, "To", C) if period is not None else None, "page": page, "page_size": size}
        entry = self.state.open_audit(command, {}, query)
        try:
            start, end = _period(el)
            first, last = start.astimezone(CST).date(), end.astimezone(CST).date()
            if (last - first).days + 1 > MAX_STATS_DAYS:
                raise CommandError(400, "period-too-long", f"statistics cover at most {MAX_STATS_DAYS} days")
        except CommandError:
            self.state.close_audit(entry, "refused", None)
            raise
        rows = sorted(self.state.complaints(sp_code, first, last), key=lambda row: (-row[2], row[0].code, row[1].code))
        self.state.close_audit(entry, "answered", len(rows))
        root = response_root(command, "COMPLETED", self.clock.now())
        sub(root, DSMP_NS, "Total", len(rows))
        sub(root, DSMP_NS, "Page", page)
        for sp, service, complaints in rows[(page - 1) * size: page * size]:
            row = sub(root, DSMP_NS, "Row")
            sub(row, DSMP_NS, "SpCode", sp.code)
            sub(row, DSMP_NS, "SpName", sp.name)
            sub(row, DSMP_NS, "ServiceCode", service.code)
            sub(row, DSMP_NS, "ServiceName", service.name)
            sub(row, DSMP_NS, "Complaints", complaints)
            sub(row, DSMP_NS, "Subscribers", service.subscribers)
            rate = Decimal(complaints * 10_000) / Decimal(service.subscribers)
            sub(row, DSMP_NS, "ComplaintRatePerTenThousand",
                min(rate, Decimal(10_000)).quantize(Decimal("0.01"), ROUND_HALF_UP))
            if complaints:
                sub(row, DSMP_NS, "TopCategory", service.top_category)
        return root
