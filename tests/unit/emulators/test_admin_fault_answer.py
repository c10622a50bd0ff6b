"""POST /__admin/faults answers with the fault as it stands at the instant it was added.

A fault whose window starts when it is added (an outage without a window, ``start_in`` 0) is active at once, so the
201 answer must say ``"active": true`` however the clock moves between reads: the window and the answer are judged
from one reading of the clock."""

from __future__ import annotations

import pytest

from emulators.toolkit import FakeClock, FaultEngine, in_process_emulator
from tests.unit.emulators.demo_apps import make_xml_emulator

pytestmark = pytest.mark.unit


class TickingClock(FakeClock):
    """A fake clock that moves on by a millisecond every time it is read, as a real clock does between reads."""

    def now(self) -> float:
        self.advance(0.001)
        return super().now()


@pytest.mark.parametrize("spec", [{"kind": "outage"}, {"kind": "outage", "duration": 60},
                                  {"kind": "error", "start_in": 0}, {"kind": "latency", "distribution": "fixed",
                                                                     "seconds": 0.1, "start_in": 0, "end_in": 5}])
def test_a_fault_starting_now_is_answered_active(spec):
    with in_process_emulator(make_xml_emulator(seed=1, clock=TickingClock())) as handle:
        added = handle.http.post("/__admin/faults", json=spec)
        assert added.status_code == 201
        assert added.json()["active"] is True
        assert handle.admin.fault(added.json()["id"])["active"] is True


def test_a_fault_starting_later_is_answered_inactive():
    with in_process_emulator(make_xml_emulator(seed=1, clock=TickingClock())) as handle:
        added = handle.http.post("/__admin/faults", json={"kind": "outage", "start_in": 30, "duration": 5})
        assert added.status_code == 201
        assert added.json()["active"] is False


def test_the_engine_parses_the_window_at_the_instant_it_is_given():
    clock = FakeClock(start=1_800_000_000.0)
    engine = FaultEngine(clock=clock)
    fault = engine.add({"kind": "outage", "start_in": 10, "duration": 5}, now=1_700_000_000.0)
    assert (fault.start, fault.end) == (1_700_000_010.0, 1_700_000_015.0)
    assert engine.add({"kind": "outage"}).start == 1_800_000_000.0  # without an instant: the engine's clock
