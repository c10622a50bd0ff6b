"""The documents the demo sends, made from the command sets' own valid examples (shipped with the package) with
the scenario's customer, ids and times filled in, so that each is what a real caller would send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from lxml import etree

from hub.validation.command_sets import schema_directory
from hub.validation.namespaces import COMMON_NS

__all__ = ["account_manager_notice", "complaint_dispatch", "now_text", "sms_log_query", "todo"]

CRM, DSMP, OA = "urn:onepoint:crm:1", "urn:onepoint:dsmp:1", "urn:onepoint:oa:1"


def now_text() -> str:
    """Now, as a ``c:SentAt`` value."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _example(path: str) -> etree._Element:
    with schema_directory() as directory:
        data = Path(directory, "examples", path).read_bytes()
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def _fill(document: etree._Element, namespace: str, values: dict[str, str]) -> etree._Element:
    """Set each ``path`` (``Field`` or ``Parent/c:Field`` style, ``c:`` the common namespace) to its value."""
    for path, value in values.items():
        steps = [f"{{{COMMON_NS}}}{step[2:]}" if step.startswith("c:") else f"{{{namespace}}}{step}"
                 for step in path.split("/")]
        field = document.find("/".join(steps))
        if field is None:
            raise LookupError(f"the example has no {path}")
        field.text = value
    return document


def _bytes(document: etree._Element) -> bytes:
    data: bytes = etree.tostring(document, xml_declaration=True, encoding="UTF-8")
    return data


def sms_log_query(message_id: str, msisdn: str, operator: str, window_to: datetime, *, days: int = 3,
                  page_size: int = 20) -> bytes:
    """A complaint front end's QuerySmsLog: the last ``days`` of DSMP's records, both directions."""
    document = _fill(_example("dsmp/QuerySmsLog.valid.xml"), DSMP, {
        "Header/c:MessageId": message_id, "Header/c:SourceSystem": "CS", "Header/c:SentAt": now_text(),
        "Msisdn": msisdn, "Period/c:From": (window_to - timedelta(days=days)).isoformat(),
        "Period/c:To": window_to.isoformat(), "OperatorAccount": operator, "PageSize": str(page_size),
    })
    direction = document.find(f"{{{DSMP}}}Direction")
    if direction is not None:
        document.remove(direction)
    return _bytes(document)


def complaint_dispatch() -> bytes:
    """NetworkComplaintDispatch as the workflow sends it (its ids are the hub's, set when sent)."""
    return _bytes(_example("nsp/NetworkComplaintDispatch.valid.xml"))


def account_manager_notice(customer: Any) -> bytes:
    """NotifyAccountManager for ``customer`` (a seeded subscriber with an account manager)."""
    summary = (f"{customer.effective_tier} customer {customer.customer_name}: complaint taken by the hotline, "
               "dispatched to the network centre.")
    return _bytes(_fill(_example("crm/NotifyAccountManager.valid.xml"), CRM, {
        "AccountManagerId": customer.account_manager_id, "Msisdn": customer.msisdn,
        "CustomerTier": customer.effective_tier, "CustomerName": customer.customer_name, "Summary": summary,
    }))


def todo(user: str) -> bytes:
    """PushTodo: an overdue work order for ``user``'s to-do list in OA."""
    return _bytes(_fill(_example("oa/PushTodo.valid.xml"), OA, {"UserId": user}))
