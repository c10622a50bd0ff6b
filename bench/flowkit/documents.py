"""What ``bench/flows.py`` sends: a SOAP QueryCustomerTier with a fresh WS-Security UsernameToken (digest, new
nonce) per request, and the QuerySmsLog example with its own message id; the checks of their answers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from lxml import etree

from bench.flowkit.load import BenchFailure, Request
from tests.support.soap import envelope, security_header

__all__ = ["CS_PASSWORD", "CS_TOKEN", "CS_USERNAME", "sms_log_check", "sms_log_query", "sms_log_request",
           "sms_purposes", "sms_work_order", "tier_check", "tier_request"]

CS_USERNAME = "cs-frontend"  # the complaint front ends' development credentials (hub/config/defaults.toml)
CS_PASSWORD = "cs-dev-password"  # noqa: S105
CS_TOKEN = "cs-dev-token"  # noqa: S105
BOSS = "urn:onepoint:boss:1"
DSMP = "urn:onepoint:dsmp:1"
C = "urn:onepoint:common:1"
EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "examples"


def _message_id(tag: str, number: int) -> str:
    return f"{tag}-{number:012d}"


def tier_request(tag: str, msisdns: Sequence[str]) -> Request:
    """Request number ``n``: a SOAP QueryCustomerTier for ``msisdns[n % len]`` from CS, signed with a new nonce."""
    def build(number: int) -> tuple[str, bytes]:
        body = (f'<boss:QueryCustomerTier xmlns:boss="{BOSS}" xmlns:c="{C}"><boss:Header>'
                f"<c:MessageId>{_message_id(tag, number)}</c:MessageId><c:SourceSystem>CS</c:SourceSystem>"
                "<c:SentAt>2026-11-23T09:15:01+08:00</c:SentAt></boss:Header>"
                f"<boss:Msisdn>{msisdns[number % len(msisdns)]}</boss:Msisdn></boss:QueryCustomerTier>").encode()
        return 'SOAPAction: "QueryCustomerTier"\r\n', envelope(body, security_header(CS_USERNAME, CS_PASSWORD))
    return build


def tier_check(msisdns: Sequence[str]) -> Callable[[int, bytes], None]:
    """Answer ``n`` is a QueryCustomerTierResponse for ``msisdns[n % len]`` with an effective tier."""
    def check(number: int, answer: bytes) -> None:
        msisdn = msisdns[number % len(msisdns)].encode()
        if b"QueryCustomerTierResponse" not in answer or b"EffectiveTier>" not in answer or msisdn not in answer:
            raise BenchFailure(f"not a tier answer for {msisdn.decode()}: {answer[:400]!r}")
    return check


def sms_work_order(index: int) -> str:
    """The work order the SMS-log queries for the ``index``-th subscriber name as their purpose."""
    return f"WO20261123BENCH{index:03d}"


def sms_purposes(database_url: str, msisdns: Sequence[str], window: dict[str, str]) -> None:
    """A complaint work order of each subscriber (``sms_work_order``) in the hub's work-order store, its trouble
    begun at the end of DSMP's ``window``: the hub refuses an SMS-log query whose purpose is not a work order of the
    queried subscriber, or whose period lies outside the complaint's."""
    from hub.workflow.store import WorkOrderStore
    from tests.support.workorder_store import make_row

    occurred = datetime.fromisoformat(window["to"])
    store = WorkOrderStore.open(database_url)
    try:
        with store.transaction() as tx:
            for index, msisdn in enumerate(msisdns):
                tx.insert_work_order(make_row(index, id=sms_work_order(index), msisdn=msisdn,
                                              category_code="03.01.02", occurred_at=occurred))
    finally:
        store.close()


def sms_log_query(msisdn: str, window: dict[str, str], message_id: str,
                  work_order_id: str = "WO20261123SMS00042") -> bytes:
    """The QuerySmsLog example from CS by a network back-office operator, over DSMP's window, both directions,
    for the subscriber's work order ``work_order_id``."""
    document = etree.fromstring((EXAMPLES / "dsmp" / "QuerySmsLog.valid.xml").read_bytes())
    for path, value in ((f"{{{DSMP}}}Header/{{{C}}}MessageId", message_id),
                        (f"{{{DSMP}}}Header/{{{C}}}SourceSystem", "CS"), (f"{{{DSMP}}}Msisdn", msisdn),
                        (f"{{{DSMP}}}Period/{{{C}}}From", window["from"]),
                        (f"{{{DSMP}}}Period/{{{C}}}To", window["to"]), (f"{{{DSMP}}}WorkOrderId", work_order_id)):
        field = document.find(path)
        if field is None:
            raise BenchFailure(f"the QuerySmsLog example has no {path}")
        field.text = value
    direction = document.find(f"{{{DSMP}}}Direction")
    if direction is not None:
        document.remove(direction)
    body: bytes = etree.tostring(document, xml_declaration=True, encoding="UTF-8")
    return body


def sms_log_request(tag: str, msisdns: Sequence[str], window: dict[str, str]) -> Request:
    """Request number ``n``: the SMS-log query for ``msisdns[n % len]`` (its work order ``sms_work_order``) with
    the CS bearer token."""
    templates = [sms_log_query(m, window, "MESSAGE-ID-PLACEHOLDER", sms_work_order(i)) for i, m in enumerate(msisdns)]

    def build(number: int) -> tuple[str, bytes]:
        body = templates[number % len(templates)].replace(b"MESSAGE-ID-PLACEHOLDER",
                                                          _message_id(tag, number).encode())
        return f"Authorization: Bearer {CS_TOKEN}\r\n", body
    return build


def sms_log_check(totals: Sequence[int]) -> Callable[[int, bytes], None]:
    """Answer ``n`` is a QuerySmsLogResponse with the ``totals[n % len]`` records DSMP holds for that msisdn."""
    def check(number: int, answer: bytes) -> None:
        expected = f"Total>{totals[number % len(totals)]}<".encode()
        if b"QuerySmsLogResponse" not in answer or expected not in answer:
            raise BenchFailure(f"not the SMS-log answer ({expected!r}): {answer[:400]!r}")
    return check

