from __future__ import annotations

import pytest

from hub.transport import DelayTier, Topology, TopologyConfig, open_broker, routing_key
from hub.transport.probe import IDLE_PROBE_INTERVAL, PROBE_EXCHANGE, probe_message
from hub.transport.routing import topic_matches

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("pattern", "key", "expected"),
    [
        ("boss.#", "boss.workorder.CreateWorkOrder", True),
        ("boss.#", "boss", True),
        ("boss.#", "crm.workorder.X", False),
        ("*.workorder.*", "nsp.workorder.Close", True),
        ("*.workorder.*", "nsp.workorder", False),
        ("#", "", True),
        ("a.*.c", "a.b.c", True),
        ("a.*.c", "a.b.b.c", False),
        ("a.#.c", "a.b.b.c", True),
    ],
)
def test_topic_matching(pattern: str, key: str, expected: bool) -> None:
    assert topic_matches(pattern, key) is expected


def test_default_topology_names_and_arguments() -> None:
    topo = Topology.build()
    cfg = topo.config
    assert cfg.commands_exchange == "onepoint.commands"
    assert [t.ttl_ms for t in cfg.delay_tiers] == [5_000, 30_000, 300_000]
    names = {q.name for q in topo.queues}
    for consumer in ("boss", "crm", "nsp", "dsmp", "oa", "bulletin", "workflow"):
        assert {f"onepoint.{consumer}", f"onepoint.{consumer}.dlq"} <= names
        args = topo.queue_spec(f"onepoint.{consumer}").arguments
        assert args["x-queue-type"] == "quorum"
        assert args["x-delivery-limit"] == cfg.delivery_limit
        assert args["x-dead-letter-strategy"] == "at-least-once"
        assert args["x-overflow"] == "reject-publish"
        assert args["x-dead-letter-exchange"] == "onepoint.dlx"
        assert "x-max-length" not in args
    tier = topo.queue_spec("onepoint.delay.30s").arguments
    assert (tier["x-message-ttl"], tier["x-dead-letter-exchange"]) == (30_000, "")
    assert {(e.name, e.type) for e in topo.exchanges} >= {
        ("onepoint.commands", "topic"),
        ("onepoint.broadcast", "fanout"),
        ("onepoint.dlx", "direct"),
    }


def test_bindings_follow_the_routing_key_scheme() -> None:
    cfg = TopologyConfig(consumers=("boss", "oa"), broadcast_consumers=("oa",))
    topo = Topology.build(cfg)
    commands = {(b.queue, b.routing_key) for b in topo.bindings if b.exchange == cfg.commands_exchange}
    assert commands == {("onepoint.boss", "boss.#"), ("onepoint.oa", "oa.#")}
    assert [b.queue for b in topo.bindings if b.exchange == cfg.broadcast_exchange] == ["onepoint.oa"]
    assert routing_key("boss", "workorder.CreateWorkOrder") == "boss.workorder.CreateWorkOrder"


def test_outage_notices_are_broadcast_to_those_that_act_on_them() -> None:
    default = Topology.build()
    reached = {b.queue for b in default.bindings if b.exchange == default.config.broadcast_exchange}
    assert reached == {"onepoint.bulletin", "onepoint.crm", "onepoint.oa", "onepoint.workflow"}
    every = Topology.build(TopologyConfig(consumers=("boss", "crm"), broadcast_consumers=None))
    assert {b.queue for b in every.bindings if b.exchange == "onepoint.broadcast"} == {"onepoint.boss", "onepoint.crm"}
    fewer = Topology.build(TopologyConfig(consumers=("boss", "crm")))  # a default broadcast consumer it lacks
    assert {b.queue for b in fewer.bindings if b.exchange == "onepoint.broadcast"} == {"onepoint.crm"}


def test_unknown_delay_tier_is_an_error() -> None:
    cfg = TopologyConfig(delay_tiers=(DelayTier("fast", 10),))
    assert cfg.delay_exchange("fast") == "onepoint.delay.fast"
    with pytest.raises(KeyError):
        cfg.delay_exchange("5s")


def test_open_broker_rejects_unknown_schemes() -> None:
    from hub.transport import open_broker

    with pytest.raises(ValueError, match="unsupported"):
        open_broker("redis://127.0.0.1")


def test_probes_go_to_a_queue_of_the_prefix_that_keeps_nothing() -> None:
    """Review (repro 2): the idle probe went to no queue: RabbitMQ counted every one as unroutable
    (messages_unroutable_dropped_total ~86,400 a day per idle ingress). A probe queue of the topology's own prefix
    takes it and drops it (routed, not unroutable); the bounded-queue refusal does not apply to it."""
    topo = Topology.build(TopologyConfig(prefix="acme"))
    assert topo.config.probe_queue == "acme.probe"
    args = topo.queue_spec("acme.probe").arguments
    # quorum like the others: a durable classic queue on a node that is down cannot be declared again (CI's cluster
    # failover test: the reconnect to the next node stopped there)
    assert args == {"x-queue-type": "quorum", "x-queue-leader-locator": "balanced", "x-max-length": 0,
                    "x-overflow": "drop-head"}
    probe = probe_message(topo.config.probe_queue)
    assert probe.routing_key == "acme.probe" and PROBE_EXCHANGE == ""
    assert IDLE_PROBE_INTERVAL >= 5.0
    with open_broker("memory://", topo.config) as broker:
        for _ in range(3):  # mandatory: an unroutable probe would raise
            broker.publish(PROBE_EXCHANGE, probe_message(topo.config.probe_queue)).result(1)
        assert broker.message_count("acme.probe") == 0
