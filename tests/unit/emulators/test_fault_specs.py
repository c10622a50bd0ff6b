"""Fault specifications after the audit: keys per kind, known operations, windows on every kind, no naive instants,
a lognormal latency that never raises, unscoped faults on operation requests only."""

from __future__ import annotations

import random

import pytest

from emulators.toolkit import FakeClock, FaultEngine, FaultSpecError

pytestmark = pytest.mark.unit

OPERATIONS = ("QuerySmsLog", "QuerySpComplaintStats", "ListSps")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"kind": "reset", "status": 503}, r"\['status'\] do\(es\) not apply to a reset fault"),
        ({"kind": "reset", "message": "x"}, "not apply to a reset fault"),
        ({"kind": "hang", "status": 503}, "not apply to a hang fault"),
        ({"kind": "error", "max_seconds": 3}, "not apply to a error fault"),
        ({"kind": "error", "seconds": 3}, "not apply to a error fault"),
        ({"kind": "latency", "status": 503}, "not apply to a latency fault"),
        ({"kind": "latency", "seconds": 1, "median": 0.5}, "'median' do\\(es\\) not apply to a fixed latency"),
        ({"kind": "latency", "distribution": "lognormal", "median": 0.5, "sigma": 1, "seconds": 2},
         "'seconds' do\\(es\\) not apply to a lognormal latency"),
        ({"kind": "latency", "distribution": "uniform", "min": 0, "max": 1, "cap": 2}, "not apply to a uniform"),
        ({"kind": "latency", "distribution": "lognormal", "median": 0.5, "sigma": 1, "cap": 0}, "'cap' must be > 0"),
        ({"kind": "latency", "seconds": 1e9}, "'seconds' must be a finite number >= 0 and <= 86400"),
        ({"kind": "error", "start": 10, "start_in": 5}, "only one of 'start', 'start_in'"),
        ({"kind": "error", "end_in": 10, "duration": 5}, "only one of 'end_in', 'duration'"),
        ({"kind": "error", "start": "2030-01-01T08:00:00"}, "'start' needs a UTC offset"),
        ({"kind": "outage", "end": "2030-01-01T08:00:00"}, "'end' needs a UTC offset"),
        ({"kind": "error", "start": 500, "end": 1_000}, "already ended"),
        ({"kind": "error", "start": 1e300}, "'start' must be a finite number"),
        ({"kind": "error", "operation": "Ping", "requests": "all"}, "'requests' is for faults without"),
        ({"kind": "error", "requests": "some"}, "'requests' must be"),
        ({"kind": "error", "message": "backend down\x01"}, "'message' holds U\\+0001 at character 13"),
        ({"kind": "outage", "message": "\ud800"}, "'message' holds U\\+D800"),
    ],
)
def test_keys_that_mean_nothing_for_the_kind_are_refused(spec, message):
    with pytest.raises(FaultSpecError, match=message):
        FaultEngine(clock=FakeClock()).add(spec)


def test_an_unknown_operation_is_refused_with_the_known_ones():
    engine = FaultEngine(operations=OPERATIONS)
    with pytest.raises(FaultSpecError) as refused:
        engine.add({"kind": "error", "operation": "QuerySpComplaintStat"})
    assert str(refused.value) == ("unknown operation 'QuerySpComplaintStat'; known operations: ListSps, QuerySmsLog, "
                                  "QuerySpComplaintStats")
    assert engine.add({"kind": "error", "operation": "ListSps"}).operation == "ListSps"
    assert FaultEngine().add({"kind": "error", "operation": "Anything"}).operation == "Anything"  # none declared


@pytest.mark.parametrize("kind", ["error", "reset", "hang", "latency"])
def test_every_kind_takes_a_time_window(kind):
    clock = FakeClock()
    engine = FaultEngine(clock=clock)
    extra = {"seconds": 0.1} if kind == "latency" else {}
    fault = engine.add({"kind": kind, "start_in": 60, "duration": 30, **extra})
    assert (fault.start, fault.end) == (clock.now() + 60, clock.now() + 90)
    assert fault.to_json(clock.now())["active"] is False

    def fired() -> bool:
        decision = engine.decide("Ping")
        return bool(decision.applied)

    assert not fired()
    clock.advance(60)
    assert fired()
    clock.advance(30)
    assert not fired()


def test_an_error_with_only_a_duration_lasts_that_long():
    clock = FakeClock()
    engine = FaultEngine(clock=clock)
    engine.add({"kind": "error", "status": 503, "duration": 2})
    assert engine.decide("Ping").action == "error"
    clock.advance(2)
    assert engine.decide("Ping").action is None


def test_instants_with_an_offset_are_read_as_written():
    clock = FakeClock(start=1_800_000_000.0)  # 2027-01-15T08:00:00Z
    fault = FaultEngine(clock=clock).add({"kind": "error", "start": "2027-01-15T16:00:30+08:00",
                                          "end": "2027-01-15T08:01:00Z"})
    assert (fault.start, fault.end) == (1_800_000_030.0, 1_800_000_060.0)


def test_a_lognormal_latency_with_a_huge_sigma_never_raises_and_keeps_the_cap():
    engine = FaultEngine(seed=3)
    engine.add({"kind": "latency", "distribution": "lognormal", "median": 0.01, "sigma": 800, "cap": 0.05})
    error = engine.add({"kind": "error", "probability": 0.5})
    delays = []
    for _ in range(500):
        decision = engine.decide("Ping")
        delays.append(decision.delay)
    assert max(delays) == 0.05 and min(delays) >= 0.0
    assert error.seen == 500  # the fault after it drew for every request


def test_a_lognormal_latency_draws_what_lognormvariate_draws():
    engine = FaultEngine(seed=9)
    fault = engine.add({"kind": "latency", "distribution": "lognormal", "median": 0.1, "sigma": 0.5, "cap": 100})
    reference = random.Random(fault.seed)
    expected = []
    for _ in range(50):
        reference.random()  # the probability roll
        expected.append(reference.lognormvariate(-2.302585092994046, 0.5))
    assert [engine.decide("Ping").delay for _ in range(50)] == pytest.approx(expected)


def test_unscoped_faults_hit_operation_requests_only_unless_told_all():
    engine = FaultEngine()
    plain = engine.add({"kind": "error"})
    assert engine.decide(None, operation_request=False).action is None  # GET ?wsdl, a feed, a control route
    assert plain.seen == 0
    assert engine.decide("QuerySmsLog").action == "error"
    every = FaultEngine()
    every.add({"kind": "reset", "requests": "all"})
    assert every.decide(None, operation_request=False).action == "reset"
    scoped = FaultEngine()
    scoped.add({"kind": "error", "operation": "ListSps"})
    assert scoped.decide("ListSps", operation_request=False).action == "error"
