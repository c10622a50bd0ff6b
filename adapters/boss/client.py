"""``BossClient``: BOSS's three operations as typed methods over a ``SoapGateway``.

BOSS refuses an MSISDN it does not know with the SOAP fault ``Client.SubscriberNotFound``: that refusal is an
answer (``SubscriberNotFound``, a ``BusinessRejection`` with code ``subscriber-not-found``); every other failure
comes out of the gateway classified (transient: retried; permanent: dead-lettered with the reason).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from adapters.boss.mapping import CustomerTier, HlrSync, customer_tier, hlr_sync
from hub.gateways import SoapGateway, SystemRefused
from hub.observability.logging import mask_msisdn
from hub.workers.errors import BusinessRejection

__all__ = ["SUBSCRIBER_NOT_FOUND", "BossClient", "SubscriberNotFound"]

SUBSCRIBER_NOT_FOUND = "Client.SubscriberNotFound"  # BOSS's fault code for an unknown MSISDN


class SubscriberNotFound(BusinessRejection):
    def __init__(self, msisdn: str) -> None:
        super().__init__(f"BOSS knows no subscriber {mask_msisdn(msisdn)}", code="subscriber-not-found")
        self.msisdn = msisdn


class BossClient:
    """Calls BOSS; each method takes the call's arguments (``adapters.boss.mapping`` builds them)."""

    def __init__(self, gateway: SoapGateway) -> None:
        self.gateway = gateway

    def query_customer_tier(self, arguments: dict[str, Any]) -> CustomerTier:
        """Tier, brand, identities, effective tier and account manager of ``arguments["Msisdn"]``."""
        return customer_tier(self._call("QueryCustomerTier", arguments))

    def query_subscriber(self, arguments: dict[str, Any]) -> etree._Element:
        """The subscriber record (``QuerySubscriberResponse``)."""
        return self._call("QuerySubscriber", arguments)

    def sync_hlr(self, arguments: dict[str, Any]) -> HlrSync:
        """Have BOSS repair the subscriber's HLR from its own record; the diff it repaired."""
        return hlr_sync(self._call("SyncHLR", arguments))

    def _call(self, operation: str, arguments: dict[str, Any]) -> etree._Element:
        try:
            return self.gateway.call(operation, **arguments)
        except SystemRefused as refused:
            if refused.code == SUBSCRIBER_NOT_FOUND:
                raise SubscriberNotFound(str(arguments.get("Msisdn", ""))) from refused
            raise

    def close(self) -> None:
        self.gateway.close()
