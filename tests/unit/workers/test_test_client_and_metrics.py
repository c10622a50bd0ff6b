"""WorkerTestClient (handlers without a broker), the registry, and the Metrics object."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from hub.envelope import Envelope
from hub.observability.metrics import Metrics
from hub.workers import BusinessRejection, CallsHeldBack, HandlerRegistry, TransientError, WorkerTestClient
from hub.workers import headers as h
from tests.unit.workers.kit import Effects, envelope

pytestmark = pytest.mark.unit


def client(effects: Effects, failures: list[BaseException], metrics: Metrics | None = None) -> WorkerTestClient:
    handlers = HandlerRegistry()

    @handlers.handler("boss.QueryCustomerTier")
    def query(env: Envelope, boss: dict[str, str]) -> str:
        effects.call(env.message_id)
        if failures:
            raise failures.pop(0)
        effects.commit(env.message_id)
        return boss["tier"]

    return WorkerTestClient(handlers, consumer="boss", dependencies={"boss": {"tier": "gold"}}, metrics=metrics)


def test_processes_once_and_skips_duplicates() -> None:
    effects = Effects()
    c = client(effects, [])
    env = envelope()
    first, again = c.send(env), c.send(env)
    assert first.processed and first.outcome == "gold"
    assert again.duplicate and again.outcome == "gold" and not again.processed
    assert effects.done[env.message_id] == 1


def test_follows_retries_and_collects_dead_letters() -> None:
    effects = Effects()
    c = client(effects, [TransientError("x")] * 4)
    assert c.send(envelope()).processed
    assert len(effects.calls) == 5
    c2 = client(Effects(), [BusinessRejection("closed")])
    result = c2.send(envelope(message_id="m-2"))
    assert result.dead and result.reason == "BusinessRejection: closed"
    assert [m.message_id for m in c2.dead_letters] == ["m-2"]
    assert c2.dead_letters[0].headers[h.ORIGINAL_ROUTING_KEY] == "boss.boss.QueryCustomerTier"


def test_a_failed_attempt_is_not_recorded_so_a_replay_runs_it() -> None:
    effects = Effects()
    c = client(effects, [BusinessRejection("closed")])
    env = envelope()
    assert c.send(env).dead
    assert c.send(env).processed  # the replay (same id) runs: nothing was recorded for the failure
    assert c.send(env).duplicate


def test_registry_rules() -> None:
    handlers = HandlerRegistry()
    handlers.add("boss.QueryCustomerTier", lambda env: "any")
    handlers.add("boss.QueryCustomerTier", lambda env: "crm's", consumer="crm")
    assert handlers.resolve("crm", "boss.QueryCustomerTier").call(envelope(), {}) == "crm's"
    assert handlers.resolve("boss", "boss.QueryCustomerTier").call(envelope(), {}) == "any"
    with pytest.raises(ValueError, match="already registered"):
        handlers.add("boss.QueryCustomerTier", lambda env: None)
    with pytest.raises(ValueError, match=r"<set>\.<Command>"):
        handlers.add("QueryCustomerTier", lambda env: None)
    with pytest.raises(TypeError, match="cannot be injected"):
        handlers.add("boss.X", lambda env, **deps: None)
    with pytest.raises(TypeError, match="first positional"):
        handlers.add("boss.Y", lambda: None)


def test_metrics_have_their_own_registry_and_render() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    other = Metrics()  # a second instance does not clash: nothing is global
    metrics.accepted("boss.QueryCustomerTier")
    metrics.refused("invalid")
    metrics.published("boss")
    metrics.replayed("boss", 2)
    metrics.track_broker(lambda: True)
    c = client(Effects(), [TransientError("x"), BusinessRejection("no")], metrics)
    c.send(envelope())
    body, content_type = metrics.render()
    text = body.decode()
    assert content_type.startswith("text/plain")
    assert 'onepoint_messages_accepted_total{command_type="boss.QueryCustomerTier"} 1.0' in text
    assert 'onepoint_messages_refused_total{reason="invalid"} 1.0' in text
    assert 'onepoint_messages_published_total{target="boss"} 1.0' in text
    assert 'onepoint_messages_replayed_total{consumer="boss"} 2.0' in text
    assert 'onepoint_messages_retried_total{consumer="boss",tier="in-process"} 1.0' in text
    assert 'onepoint_handler_latency_seconds_count{consumer="boss"} 2.0' in text
    assert "onepoint_broker_connected 1.0" in text
    assert other.value("onepoint_messages_accepted_total", command_type="boss.QueryCustomerTier") == 0


def test_a_run_held_back_by_an_open_circuit_is_no_handler_attempt_in_the_latency_histogram() -> None:
    """A delivery whose system's circuit is open waits without calling it (``CallsHeldBack``): no attempt, so no
    observation of ``onepoint_handler_latency_seconds`` (audit of on-call views, repro_3); the failed and the
    successful attempts after it are observed."""
    metrics = Metrics()
    effects = Effects()
    c = client(effects, [CallsHeldBack("boss: circuit open", retry_in=5.0), TransientError("x")], metrics)
    assert c.send(envelope(), on_wait=lambda seconds: None).processed
    assert len(effects.calls) == 3  # held back, failed, done
    assert metrics.value("onepoint_handler_latency_seconds_count", consumer="boss") == 2
