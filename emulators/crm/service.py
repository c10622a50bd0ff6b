"""The CRM operations. NotifyAccountManager: store the notice, answer its NoticeId (an account manager CRM does not
know is refused with a SOAP Fault ``Client.AccountManagerNotFound``, HTTP 500). NotifyAreaOutage: tell the account
managers of the affected areas' VIP and group customers, answer whom and how many customers (Ack DUPLICATE when
this version of the notice, or a newer one, was told before: ``emulators.crm.state``; a correction at the same
revision is told by what it says and its NoticeSentAt).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from emulators.crm.state import AccountManagerNotFound, CrmState
from emulators.toolkit.clock import Clock
from emulators.toolkit.soapcontract import Contract, DomainFault
from hub.validation import ValidatedCommand

__all__ = ["ACCOUNT_MANAGER_NOT_FOUND", "crm_handlers"]

ACCOUNT_MANAGER_NOT_FOUND = "Client.AccountManagerNotFound"


_DETAILS = ("Summary", "Start", "ExpectedEnd", "ClearedAt", "CustomerWording")  # besides kind, title, areas, services


def _moment(value: Any) -> datetime | None:
    """A time of the request as an aware ``datetime`` (spyne's; one without an offset taken as UTC), or None."""
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _said(value: Any) -> object:
    """A field of the request as compared between two versions: a time as its moment, the rest as text."""
    moment = _moment(value)
    return moment if moment is not None else (None if value is None else str(value))


def _listed(value: Any) -> list[Any]:
    """A repeated element as spyne gives it: a list, one value, or None."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def crm_handlers(state: CrmState, contract: Contract,
                 clock: Clock | None = None) -> dict[str, Callable[[ValidatedCommand, Any], Any]]:
    """The two operations; Ack ReceivedAt (and the notices' received time) come from ``clock``."""
    response_model = contract.models["NotifyAccountManagerResponse"]
    outage_model = contract.models["NotifyAreaOutageResponse"]
    told_model = contract.models["AccountManagerTold"]

    def notify_area_outage(validated: ValidatedCommand, request: Any) -> Any:
        ack = contract.ack(validated, clock)
        areas = tuple((str(a.AreaCode), str(a.District) if a.District else None) for a in _listed(request.Area))
        outage = state.notify_area(
            message_id=validated.message_id, outage_notice_id=request.OutageNoticeId, status=request.Status,
            kind=request.Kind, revision=int(request.Revision) if request.Revision is not None else None,
            title=request.Title, areas=areas, services=tuple(str(s) for s in _listed(request.Service)),
            received=ack.ReceivedAt, sent_at=_moment(request.NoticeSentAt),
            details=tuple(_said(getattr(request, name)) for name in _DETAILS),
        )
        if outage.repeat:
            ack.Status = "DUPLICATE"
        managers = [told_model(AccountManagerId=m.account_manager_id, AreaCode=m.area_code,
                               AffectedCustomers=m.affected_customers) for m in outage.managers]
        return outage_model(Ack=ack, AffectedCustomers=outage.affected_customers, AccountManager=managers)

    def notify_account_manager(validated: ValidatedCommand, request: Any) -> Any:
        ack = contract.ack(validated, clock)
        channels = request.Channel if isinstance(request.Channel, list | tuple) else [request.Channel]
        try:
            notice = state.notify(
                message_id=validated.message_id, account_manager_id=request.AccountManagerId, msisdn=request.Msisdn,
                customer_tier=request.CustomerTier, work_order_id=request.WorkOrderId, summary=request.Summary,
                channels=tuple(channels), priority=int(request.Priority), received=ack.ReceivedAt,
                category_code=request.CategoryCode, due_at=request.DueAt,
            )
        except AccountManagerNotFound:
            raise DomainFault(ACCOUNT_MANAGER_NOT_FOUND,
                              f"account manager not found: {request.AccountManagerId}") from None
        return response_model(Ack=ack, NoticeId=notice.notice_id)

    return {"NotifyAccountManager": notify_account_manager, "NotifyAreaOutage": notify_area_outage}
