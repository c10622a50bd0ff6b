"""``CrmClient``: CRM's NotifyAccountManager and NotifyAreaOutage as typed methods over a ``SoapGateway``.

CRM refuses an account manager it does not know with the SOAP fault ``Client.AccountManagerNotFound``:
``AccountManagerNotFound`` (a ``BusinessRejection``: the command is dead-lettered with that reason). CRM keeps
one notice per MessageId, so a retried call (the hub forwards the command's own id) records nothing twice, and
keeps the newest (Revision, Status) of each area outage: an older or repeated version tells nobody (DUPLICATE), a
newer revision tells the account managers not told yet.
"""

from __future__ import annotations

from typing import Any

from adapters.crm.mapping import AccountManagerNotice, AreaOutageTold, area_outage_told, notice
from hub.gateways import SoapGateway, SystemRefused
from hub.workers.errors import BusinessRejection

__all__ = ["ACCOUNT_MANAGER_NOT_FOUND", "AccountManagerNotFound", "CrmClient"]

ACCOUNT_MANAGER_NOT_FOUND = "Client.AccountManagerNotFound"


class AccountManagerNotFound(BusinessRejection):
    def __init__(self, account_manager_id: str) -> None:
        super().__init__(f"CRM knows no account manager {account_manager_id}", code="account-manager-not-found")
        self.account_manager_id = account_manager_id


class CrmClient:
    def __init__(self, gateway: SoapGateway) -> None:
        self.gateway = gateway

    def notify_account_manager(self, arguments: dict[str, Any]) -> AccountManagerNotice:
        """Have CRM notify the account manager (SMS, e-mail, app, work order); the notice CRM recorded."""
        try:
            answer = self.gateway.call("NotifyAccountManager", **arguments)
        except SystemRefused as refused:
            if refused.code == ACCOUNT_MANAGER_NOT_FOUND:
                raise AccountManagerNotFound(str(arguments.get("AccountManagerId", ""))) from refused
            raise
        return notice(answer)

    def notify_area_outage(self, arguments: dict[str, Any]) -> AreaOutageTold:
        """Have CRM tell the account managers of the VIP and group customers in the outage's areas; whom it told."""
        answer = self.gateway.call("NotifyAreaOutage", **arguments)
        return area_outage_told(answer)

    def close(self) -> None:
        self.gateway.close()
