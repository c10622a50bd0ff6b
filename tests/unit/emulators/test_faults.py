"""The fault engine: specification checks, seeded determinism, distributions, scoping, windows."""

from __future__ import annotations

import math

import pytest

from emulators.toolkit import FakeClock, FaultEngine, FaultSpecError

pytestmark = pytest.mark.unit


def _pattern(engine: FaultEngine, n: int, operation: str = "Ping") -> list[str | None]:
    return [engine.decide(operation).action for _ in range(n)]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"kind": "explode"}, "'kind'"),
        ({"kind": "error", "probability": 1.5}, "probability"),
        ({"kind": "error", "probability": "half"}, "probability"),
        ({"kind": "error", "status": 200}, "status"),
        ({"kind": "latency", "distribution": "uniform", "min": 2, "max": 1}, "'max'"),
        ({"kind": "latency", "distribution": "gamma"}, "distribution"),
        ({"kind": "latency", "seconds": -1}, "seconds"),
        ({"kind": "hang", "max_seconds": 0}, "max_seconds"),
        ({"kind": "outage", "start_in": 10, "end_in": 5}, "end after"),
        ({"kind": "outage", "start": "yesterday"}, "ISO 8601"),
        ({"kind": "reset", "times": 0}, "times"),
        ({"kind": "reset", "operation": ""}, "operation"),
        ({"kind": "reset", "colour": "red"}, "unknown keys"),
    ],
)
def test_invalid_specs_are_refused(spec, message):
    with pytest.raises(FaultSpecError, match=message):
        FaultEngine().add(spec)


def test_error_rate_is_deterministic_for_a_seed():
    first, second, other = FaultEngine(seed=7), FaultEngine(seed=7), FaultEngine(seed=8)
    for engine in (first, second, other):
        engine.add({"kind": "error", "probability": 0.3, "status": 503})
    a, b, c = _pattern(first, 200), _pattern(second, 200), _pattern(other, 200)
    assert a == b
    assert a != c
    assert 30 <= a.count("error") <= 90  # about 60 of 200 at a 30 % rate


def test_clear_restarts_the_same_sequence():
    engine = FaultEngine(seed=3)
    engine.add({"kind": "error", "probability": 0.5})
    before = _pattern(engine, 50)
    engine.clear()
    engine.add({"kind": "error", "probability": 0.5})
    assert _pattern(engine, 50) == before


def test_a_fault_sequence_does_not_depend_on_other_operations_traffic():
    quiet, busy = FaultEngine(seed=1), FaultEngine(seed=1)
    for engine in (quiet, busy):
        engine.add({"kind": "error", "operation": "Ping", "probability": 0.5})
    quiet_pattern = _pattern(quiet, 40)
    busy_pattern = []
    for _ in range(40):
        busy.decide("Other")
        busy_pattern.append(busy.decide("Ping").action)
    assert busy_pattern == quiet_pattern


def test_scoping_to_one_operation():
    engine = FaultEngine()
    fault = engine.add({"kind": "error", "operation": "QueryCustomerTier"})
    assert engine.decide("Ping").action is None
    assert engine.decide(None).action is None
    assert engine.decide("QueryCustomerTier").action == "error"
    assert (fault.seen, fault.fired) == (1, 1)


def test_times_limits_firings_and_first_terminal_fault_wins():
    engine = FaultEngine()
    engine.add({"kind": "reset", "times": 2})
    engine.add({"kind": "error"})
    assert _pattern(engine, 4) == ["reset", "reset", "error", "error"]
    assert [f.fired for f in engine.list()] == [2, 2]


def test_latency_faults_add_up_and_are_reported():
    engine = FaultEngine()
    engine.add({"kind": "latency", "seconds": 0.25})
    engine.add({"kind": "latency", "distribution": "fixed", "seconds": 0.5, "operation": "Ping"})
    decision = engine.decide("Ping")
    assert decision.delay == pytest.approx(0.75)
    assert decision.action is None
    assert [f["delay"] for f in decision.applied] == [0.25, 0.5]


def test_uniform_latency_stays_within_bounds_and_varies():
    engine = FaultEngine(seed=5)
    engine.add({"kind": "latency", "distribution": "uniform", "min": 0.1, "max": 0.3})
    delays = [engine.decide("Ping").delay for _ in range(500)]
    assert all(0.1 <= d <= 0.3 for d in delays)
    assert len(set(delays)) > 400


def test_lognormal_latency_has_its_median_and_respects_the_cap():
    engine = FaultEngine(seed=11)
    engine.add({"kind": "latency", "distribution": "lognormal", "median": 0.1, "sigma": 1.0, "cap": 0.5})
    delays = sorted(engine.decide("Ping").delay for _ in range(2001))
    assert max(delays) == 0.5  # capped, and the cap is reached with sigma 1
    assert math.isclose(delays[1000], 0.1, rel_tol=0.15)


def test_outage_window_relative_to_the_clock():
    clock = FakeClock()
    engine = FaultEngine(clock=clock)
    engine.add({"kind": "outage", "start_in": 10, "duration": 5, "operation": "Ping"})
    assert engine.decide("Ping").action is None
    clock.advance(10)
    assert engine.decide("Ping").action == "outage"
    assert engine.decide("Other").action is None
    clock.advance(4.9)
    assert engine.decide("Ping").action == "outage"
    clock.advance(0.1)
    assert engine.decide("Ping").action is None


def test_outage_window_with_absolute_iso_instants():
    clock = FakeClock(start=1_800_000_000.0)  # 2027-01-15T08:00:00Z
    engine = FaultEngine(clock=clock)
    fault = engine.add({"kind": "outage", "start": "2027-01-15T08:00:30+00:00", "end": 1_800_000_060})
    assert fault.status == 503
    assert engine.decide("Ping").action is None
    clock.advance(30)
    assert engine.decide("Ping").action == "outage"
    clock.advance(30)
    assert engine.decide("Ping").action is None
    assert fault.to_json(clock.now())["active"] is False


def test_fault_json_round_trip_shows_counters():
    engine = FaultEngine(seed=2)
    fault = engine.add({"kind": "latency", "distribution": "uniform", "min": 0, "max": 1, "probability": 0.5})
    for _ in range(10):
        engine.decide("Ping")
    out = fault.to_json(0.0)
    assert out["id"] == "f1"
    assert out["seen"] == 10
    assert 0 < out["fired"] < 10
    assert (out["distribution"], out["min"], out["max"]) == ("uniform", 0.0, 1.0)
    assert engine.remove("f1") is True
    assert engine.remove("f1") is False
