"""End to end: a caller's SOAP QueryCustomerTier (and SyncHLR) through the hub's real ingress → broker → the BOSS
adapter's Worker → the BOSS emulator over HTTP → the answer back to the caller, on memory:// and on RabbitMQ."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests
from lxml import etree

import adapters.boss as boss_adapter
from hub.config.settings import load_settings
from hub.gateways import CircuitBreakers
from hub.ingress.app import create_app
from hub.observability.metrics import Metrics
from hub.routing.factory import open_router
from hub.store import SQLiteProcessedStore
from hub.validation.command_sets import CommandSetRegistry
from hub.workers import Worker
from tests.integration.adapters.conftest import gateway_settings
from tests.support.servers import free_port, running_asgi

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import zeep
    from zeep.exceptions import Fault
    from zeep.transports import Transport
    from zeep.wsse.username import UsernameToken


@contextmanager
def hub_and_boss(url: str, registry: CommandSetRegistry, boss_emulator: Any, tmp_path: Path,
                 **gateway: Any) -> Iterator[str]:
    """The hub (built-in routing: boss.* are requests) and the BOSS adapter's Worker, BOSS being the emulator
    (``gateway``: the adapter's settings other than the test defaults); yields the hub's base URL."""
    port = free_port()
    settings = replace(load_settings(), broker_url=url, topology_prefix=f"a{uuid.uuid4().hex[:8]}",
                       adapters=(gateway_settings("boss", boss_emulator.base_url, **gateway),),
                       public_url=f"http://127.0.0.1:{port}")
    router = open_router(settings, registry)
    store = SQLiteProcessedStore(tmp_path / "boss.db")
    metrics = Metrics()
    deps = boss_adapter.dependencies(settings, breakers=CircuitBreakers(metrics), metrics=metrics, registry=registry)
    hub = create_app(settings, router=router, registry=registry)
    try:
        with (Worker(router.broker, boss_adapter.CONSUMER, boss_adapter.handlers, store=store, dependencies=deps,
                     metrics=metrics),
              running_asgi(hub.asgi, port=port) as base_url):
            yield base_url
    finally:
        boss_adapter.close(deps)
        router.broker.close()
        store.close()


BROKERS = [pytest.param("memory", marks=pytest.mark.integration),
           pytest.param("rabbitmq", marks=[pytest.mark.integration, pytest.mark.rabbitmq])]


def broker_url(request: pytest.FixtureRequest) -> str:
    return "memory://" if request.param == "memory" else str(request.getfixturevalue("rabbitmq_server").url)


@pytest.fixture(params=BROKERS)
def hub_with_boss(request: pytest.FixtureRequest, registry: CommandSetRegistry, boss_emulator: Any,
                  tmp_path: Path) -> Iterator[str]:
    with hub_and_boss(broker_url(request), registry, boss_emulator, tmp_path) as base_url:
        yield base_url


@pytest.fixture(params=BROKERS)
def hub_with_fragile_boss(request: pytest.FixtureRequest, registry: CommandSetRegistry, boss_emulator: Any,
                          tmp_path: Path) -> Iterator[str]:
    """As ``hub_with_boss``, BOSS's circuit opening at its first failure and staying open a minute."""
    with hub_and_boss(broker_url(request), registry, boss_emulator, tmp_path, breaker_fail_max=1,
                      breaker_reset_seconds=60.0) as base_url:
        yield base_url


def test_the_caller_gets_the_seeded_customers_tier_from_boss(hub_with_boss: str, boss_emulator: Any) -> None:
    sub = next(s for s in boss_emulator.app.boss_state.population.subscribers
               if len(s.identities) > 1 and s.account_manager_id)
    caller = zeep.Client(f"{hub_with_boss}/soap/boss?wsdl",
                         wsse=UsernameToken("cs-frontend", "cs-dev-password", use_digest=True))
    header = {"MessageId": "e2e-tier-0000001", "CorrelationId": "cs-call-000001", "SourceSystem": "CS",
              "SentAt": "2026-11-23T09:15:00+08:00"}
    answer = caller.service.QueryCustomerTier(Header=header, Msisdn=sub.msisdn)
    assert answer.Msisdn == sub.msisdn and answer.Brand == sub.brand
    assert answer.EffectiveTier == sub.effective_tier
    assert [i.Tier for i in answer.Identity] == [i.tier for i in sub.identities]
    assert answer.AccountManagerId == sub.account_manager_id
    assert (answer.Ack.MessageId, answer.Ack.CorrelationId) == ("e2e-tier-0000001", "cs-call-000001")
    cached = caller.service.QueryCustomerTier(Header={**header, "MessageId": "e2e-tier-0000002"}, Msisdn=sub.msisdn)
    assert cached.EffectiveTier == sub.effective_tier and cached.Ack.MessageId == "e2e-tier-0000002"
    boss_emulator.assert_called("QueryCustomerTier", times=1)  # the second answer came from the ingress's cache
    with pytest.raises(Fault) as refused:
        caller.service.QueryCustomerTier(Header={**header, "MessageId": "e2e-tier-0000003"}, Msisdn="19999999999")
    assert "BOSS knows no subscriber" in refused.value.message


def test_hlr_sync_through_the_hub_returns_the_repaired_diff(hub_with_boss: str, boss_emulator: Any) -> None:
    state = boss_emulator.app.boss_state
    msisdn = state.drifted()[0]
    expected = {(c.field, c.hlr_value, c.boss_value) for c in state.differences(msisdn)}
    caller = zeep.Client(f"{hub_with_boss}/soap/boss?wsdl",
                         wsse=UsernameToken("cs-frontend", "cs-dev-password", use_digest=True))
    header = {"MessageId": "e2e-hlr-00000001", "SourceSystem": "CS", "SentAt": "2026-11-23T09:18:02+08:00"}
    answer = caller.service.SyncHLR(Header=header, Msisdn=msisdn, Reason="Cannot originate since reconnection")
    assert answer.Changed is True
    assert {(c.Field, c.HlrValue, c.BossValue) for c in answer.Change} == expected
    assert state.differences(msisdn) == []


def test_a_caller_is_told_at_once_while_bosss_circuit_is_open(hub_with_fragile_boss: str, boss_emulator: Any) -> None:
    """BOSS failing: its circuit opens, and a tier lookup, which would wait for BOSS in the five-minute tier, is
    answered at once with a SOAP Server fault naming BOSS and its circuit (HTTP 500 as every Fault, Retry-After,
    ``X-OnePoint-Refusal: system-unavailable``), not a Server.Timeout
    after the route's 10 s; the request is kept (answered to a resend with its MessageId once BOSS is back)."""
    sub = boss_emulator.app.boss_state.population.subscribers[0]
    boss_emulator.add_fault("error", "QueryCustomerTier", status=503)
    statuses: list[tuple[int, str | None, str | None]] = []
    session = requests.Session()
    session.hooks["response"].append(lambda r, *_, **__: statuses.append(
        (r.status_code, r.headers.get("Retry-After"), r.headers.get("X-OnePoint-Refusal"))))
    caller = zeep.Client(f"{hub_with_fragile_boss}/soap/boss?wsdl", transport=Transport(session=session),
                         wsse=UsernameToken("cs-frontend", "cs-dev-password", use_digest=True))
    header = {"SourceSystem": "CS", "SentAt": "2026-11-23T09:15:00+08:00"}
    for number in range(2):  # the first opens the circuit (BOSS's 503), the second finds it open
        with pytest.raises(Fault) as refused:
            caller.service.QueryCustomerTier(Header={**header, "MessageId": f"e2e-open-{number:08d}"},
                                             Msisdn=sub.msisdn)
        assert "boss QueryCustomerTier: circuit open" in refused.value.message
        assert refused.value.detail is not None and b"system-unavailable" in etree.tostring(refused.value.detail)
        status, wait, kind = statuses[-1]  # Retry-After: when the kept request is tried again (five-minute tier)
        assert status == 500 and wait is not None and int(wait) >= 60 and kind == "system-unavailable"
    assert len(boss_emulator.journal(operation="QueryCustomerTier")) == 1  # the open circuit called BOSS no more


def test_a_tier_lookup_boss_refuses_for_the_customer_is_answered_boss_refused(hub_with_boss: str,
                                                                             boss_emulator: Any) -> None:
    """BOSS's Client fault for one customer (Client.AccountFrozen) is its answer: the caller is told so, naming
    BOSS's code and text, and nothing goes to the dead-letter queue (the read could not usefully be replayed)."""
    sub = boss_emulator.app.boss_state.population.subscribers[0]
    boss_emulator.add_fault("error", "QueryCustomerTier", status=400, message="Client.AccountFrozen: account frozen")
    caller = zeep.Client(f"{hub_with_boss}/soap/boss?wsdl",
                         wsse=UsernameToken("cs-frontend", "cs-dev-password", use_digest=True))
    header = {"MessageId": "e2e-frozen-000001", "SourceSystem": "CS", "SentAt": "2026-11-23T09:15:00+08:00"}
    with pytest.raises(Fault) as refused:
        caller.service.QueryCustomerTier(Header=header, Msisdn=sub.msisdn)
    assert refused.value.code.endswith("Client.Rejected"), refused.value.code
    assert "Client.AccountFrozen" in refused.value.message and "account frozen" in refused.value.message
    metrics = requests.get(f"{hub_with_boss}/metrics", timeout=10).text
    assert not [line for line in metrics.splitlines()
                if line.startswith('onepoint_messages_dead_lettered_total{consumer="boss"')
                and not line.endswith(" 0.0")], metrics
