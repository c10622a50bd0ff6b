"""``DsmpClient``: DSMP's two queries as typed methods over an ``XmlGateway``.

DSMP refuses a query it cannot answer (a period that ends before it starts, a statistics period over a year)
with HTTP 400 or 409: that refusal is the answer to the caller (``DsmpRefused``, a ``BusinessRejection``, code
``dsmp-refused``). Every other failure comes out of the gateway classified. A page of SMS records that does not
answer the query asked (more records than its ``PageSize``, a record the queried number is no party to) is
refused as an ``InvalidAnswer`` (permanent), nothing of it passed on.
"""

from __future__ import annotations

from lxml import etree

from adapters.dsmp.mapping import SmsLogPage, SpComplaintStats, page_faults, sms_log_page, sp_complaint_stats
from hub.gateways import InvalidAnswer, SystemRefused, XmlGateway
from hub.workers.errors import BusinessRejection

__all__ = ["REFUSAL_STATUSES", "DsmpClient", "DsmpRefused"]

REFUSAL_STATUSES = frozenset({"400", "409", "422"})  # DSMP's answers to a query it will not run


class DsmpRefused(BusinessRejection):
    def __init__(self, operation: str, detail: str) -> None:
        super().__init__(f"DSMP refused {operation}: {detail}", code="dsmp-refused")


class DsmpClient:
    def __init__(self, gateway: XmlGateway) -> None:
        self.gateway = gateway

    def query_sms_log(self, document: etree._Element) -> SmsLogPage:
        """One page of a subscriber's SMS records (delivery metadata only, never content), checked against the
        query ``document``: ``InvalidAnswer`` for a page that does not answer it."""
        page = sms_log_page(self._post("QuerySmsLog", document))
        faults = page_faults(page, document)
        if faults:
            raise InvalidAnswer(self.gateway.system, "QuerySmsLog", "; ".join(faults))
        return page

    def query_sp_complaint_stats(self, document: etree._Element) -> SpComplaintStats:
        """Complaint figures per SP service in a period."""
        return sp_complaint_stats(self._post("QuerySpComplaintStats", document))

    def _post(self, operation: str, document: etree._Element) -> etree._Element:
        try:
            return self.gateway.post(operation, document)
        except SystemRefused as refused:
            if refused.code in REFUSAL_STATUSES:
                raise DsmpRefused(operation, refused.detail) from refused
            raise

    def close(self) -> None:
        self.gateway.close()
