"""The CRM operation NotifyAccountManager: store the notice, answer its NoticeId.

An account manager CRM does not know is refused with a SOAP Fault ``Client.AccountManagerNotFound`` (HTTP 500).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulators.crm.state import AccountManagerNotFound, CrmState
from emulators.toolkit.soapcontract import Contract, DomainFault
from hub.validation import ValidatedCommand

__all__ = ["ACCOUNT_MANAGER_NOT_FOUND", "crm_handlers"]

ACCOUNT_MANAGER_NOT_FOUND = "Client.AccountManagerNotFound"


def crm_handlers(state: CrmState, contract: Contract) -> dict[str, Callable[[ValidatedCommand, Any], Any]]:
    response_model = contract.models["NotifyAccountManagerResponse"]

    def notify_account_manager(validated: ValidatedCommand, request: Any) -> Any:
        ack = contract.ack(validated)
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

    return {"NotifyAccountManager": notify_account_manager}
