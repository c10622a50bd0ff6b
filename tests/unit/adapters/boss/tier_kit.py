"""BOSS's tier answer as a test writes it (identities of its choosing), and the adapter's worker behind respx."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import respx
from lxml import etree

from adapters.boss import BossClient, handlers
from hub.gateways import CircuitBreakers, SoapGateway
from hub.workers import WorkerTestClient
from tests.unit.adapters.soap_kit import BASE_URL, WSDL_URL, C, registry, settings, soap_answer, wsdl

__all__ = ["BOSS", "Boss", "answer_of", "boss_behind_respx", "identity", "tier_answer", "valid"]

BOSS = "urn:onepoint:boss:1"


def tier_answer(identities: str, effective: str, priority: int, *, msisdn: str = "13800138000",
                message_id: str = "cs-test-00000001") -> bytes:
    """A QueryCustomerTierResponse in its SOAP envelope, acknowledging ``message_id`` (the call's, echoed)."""
    document = (f'<boss:QueryCustomerTierResponse xmlns:boss="{BOSS}" xmlns:c="{C}"><boss:Ack>'
                f"<c:MessageId>{message_id}</c:MessageId><c:Status>COMPLETED</c:Status>"
                "<c:ReceivedAt>2026-12-05T08:00:00.000+08:00</c:ReceivedAt></boss:Ack>"
                f"<boss:Msisdn>{msisdn}</boss:Msisdn><boss:Brand>QQT</boss:Brand>{identities}"
                f"<boss:EffectiveTier>{effective}</boss:EffectiveTier><boss:AccountManagerId>am-0755-0042"
                f"</boss:AccountManagerId><boss:Priority>{priority}</boss:Priority></boss:QueryCustomerTierResponse>")
    return soap_answer(document.encode())


def identity(tier: str, *, vip_level: str | None = None, group_role: str | None = None) -> str:
    level = f"<boss:VipLevel>{vip_level}</boss:VipLevel>" if vip_level else ""
    group = (f"<boss:GroupId>4403001288</boss:GroupId><boss:GroupRole>{group_role}</boss:GroupRole>"
             if group_role else "")
    return f"<boss:Identity><boss:Tier>{tier}</boss:Tier>{level}{group}</boss:Identity>"


def answer_of(reply: bytes | None) -> etree._Element:
    assert reply is not None
    return etree.fromstring(reply)


def valid(document: etree._Element) -> bool:
    """Whether ``document`` is valid against boss.xsd (what the caller is promised)."""
    return bool(registry().get("boss").lxml_schema.validate(document))


@dataclass
class Boss:
    route: respx.Route
    client: WorkerTestClient


@contextmanager
def boss_behind_respx(**options: object) -> Iterator[Boss]:
    """The BOSS adapter's worker (a memory processed store), BOSS played by respx; ``options``: its settings."""
    with respx.mock(assert_all_called=False) as router:
        router.get(WSDL_URL).respond(200, content=wsdl("boss"), headers={"content-type": "text/xml"})
        route = router.post(BASE_URL)
        gateway = SoapGateway(settings("boss", **options), registry().get("boss"), breakers=CircuitBreakers())
        try:
            yield Boss(route, WorkerTestClient(handlers, consumer="boss", dependencies={
                "boss": BossClient(gateway), "operator_zone": ZoneInfo("Asia/Shanghai")}))
        finally:
            gateway.close()
