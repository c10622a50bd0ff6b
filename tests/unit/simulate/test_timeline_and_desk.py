"""The player's machinery without a system: the timeline measures a step's lag when the step starts and takes a
step only when a thread is free (an interrupt leaves nothing queued to play); the NSP desk gives the ticket of a
work order's latest dispatch; the simulated network centre judges a dispatch by the ticket NSP got; the progress
bar fits the terminal (audit of `onepoint simulate`, defects 2, 3, 5, 6, 7)."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from lxml import etree

from hub.simulate import arrivals, build_scenario
from hub.simulate.arrivals import VAGUE
from hub.simulate.cases import Case, PlayLog
from hub.simulate.clock import SimulatedTime
from hub.simulate.desk import Answer, NspDesk
from hub.simulate.people import People
from hub.simulate.player import Player
from hub.simulate.progress import CLEAR_TO_END, ProgressBar
from hub.simulate.timeline import Timeline

pytestmark = pytest.mark.unit

START = datetime(2026, 11, 23, tzinfo=UTC)
SLOW = timedelta(minutes=10)  # the simulated time one step of these tests takes (a slow hub)


class _StepClock:
    """A simulated clock that moves only when told (a step's work moves it by ``SLOW``)."""

    speed = 720.0

    def __init__(self) -> None:
        self.instant = START
        self.lock = threading.Lock()

    def now(self) -> datetime:
        with self.lock:
            return self.instant

    def advance(self, by: timedelta) -> None:
        with self.lock:
            self.instant += by

    def real_wait(self, instant: datetime) -> float:
        return (instant - self.now()).total_seconds() / self.speed

    def skip_to(self, instant: datetime) -> None:
        with self.lock:
            self.instant = max(self.instant, instant)


def _timeline(threads: int) -> tuple[Timeline, _StepClock]:
    clock = _StepClock()
    return Timeline(clock, threads=threads), clock  # type: ignore[arg-type]


def test_a_steps_lag_is_how_late_it_starts_waiting_for_a_thread_included() -> None:
    timeline, clock = _timeline(threads=1)
    due = START + timedelta(minutes=1)
    lags: list[float] = []

    def step() -> None:
        lags.append((clock.now() - due).total_seconds())
        clock.advance(SLOW)

    for n in range(5):
        timeline.at(due, f"complaint {n}", step)
    timeline.run(START + timedelta(hours=2), lambda running: None)
    assert lags == [n * SLOW.total_seconds() for n in range(5)]
    assert timeline.max_lag_seconds == max(lags) == 4 * SLOW.total_seconds()


def test_a_step_is_taken_only_when_a_thread_is_free() -> None:
    timeline, _ = _timeline(threads=2)
    lock, finished, taken_ahead = threading.Lock(), [0], []

    def step() -> None:
        with lock:
            taken_ahead.append(timeline.steps - finished[0])  # taken and not finished, this one included
        threading.Event().wait(0.01)
        with lock:
            finished[0] += 1

    for n in range(8):
        timeline.at(START, f"complaint {n}", step)
    timeline.run(START + timedelta(hours=1), lambda running: None)
    assert len(taken_ahead) == timeline.steps == 8
    assert max(taken_ahead) <= 2


def test_an_interrupt_plays_none_of_the_steps_still_waiting() -> None:
    timeline, _ = _timeline(threads=1)
    ran: list[int] = []

    def step(n: int) -> None:
        ran.append(n)
        threading.Event().wait(0.05)

    for n in range(10):
        timeline.at(START, f"complaint {n}", lambda n=n: step(n))  # type: ignore[misc]

    def tick(running: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        timeline.run(START + timedelta(hours=1), tick)
    assert ran == [0]


def _desk(tickets: list[dict[str, Any]], reads: list[int]) -> NspDesk:
    def handler(request: httpx.Request) -> httpx.Response:
        reads.append(1)
        return httpx.Response(200, json={"tickets": list(tickets)})

    desk = NspDesk("http://nsp.invalid")
    desk.http = httpx.Client(transport=httpx.MockTransport(handler))
    return desk


def test_the_desk_gives_the_ticket_of_the_latest_dispatch() -> None:
    tickets = [{"ticket_id": "NSP1", "work_order_id": "WO-A", "fields": {}}]
    reads: list[int] = []
    desk = _desk(tickets, reads)
    assert desk.ticket_of("WO-A", dispatches=1) == "NSP1"
    assert desk.ticket_of("WO-A", dispatches=1) == "NSP1" and len(reads) == 1  # known: NSP's list not read again
    tickets.append({"ticket_id": "NSP2", "work_order_id": "WO-A", "fields": {"fault_place": "Futian"}})
    desk._refreshed = 0.0
    assert desk.latest("WO-A", dispatches=2) == tickets[1]  # rejected, dispatched again: its second ticket
    desk._refreshed = 0.0
    assert desk.ticket_of("WO-A") == "NSP2"  # without a count: NSP's list read again, the newest
    desk._refreshed = 0.0
    assert desk.ticket_of("WO-A", dispatches=3) is None  # NSP has not got the third yet
    desk.close()


class _Nsp:
    def __init__(self, ticket: dict[str, Any]) -> None:
        self.ticket = ticket

    def latest(self, work_order_id: str, *, dispatches: int | None = None) -> dict[str, Any] | None:
        return self.ticket


@pytest.mark.parametrize(("received", "rejected"), [("all", False), ("none", True), ("vague", True)])
def test_the_network_centre_judges_a_dispatch_by_the_ticket_nsp_got(received: str, rejected: bool) -> None:
    scenario = build_scenario(1, 0.01)
    arrival = next(a for a in arrivals(scenario) if a.network and a.quality == "complete" and a.kind == "day"
                   and "fault_place" in a.full_fields)
    fields = {"all": dict(arrival.full_fields), "none": {},
              "vague": {**arrival.full_fields, "fault_place": VAGUE}}[received]
    player = Player(scenario, SimulatedTime(scenario.day_start, 720), "http://hub.invalid", "http://nsp.invalid")
    player.nsp = _Nsp({"ticket_id": "NSP1", "work_order_id": "WO-A", "fields": fields})  # type: ignore[assignment]
    scheduled: list[str] = []
    player.after = lambda delay, label, run: scheduled.append(label)  # type: ignore[assignment]
    player.at = lambda due, label, run, **_: scheduled.append(label)  # type: ignore[assignment]
    case = Case(arrival, People(1, arrival.number), work_order_id="WO-A", dispatches=1)
    player._nsp_reads(case, 0)
    assert scheduled == (["reject"] if rejected else ["nsp-reply"])
    assert (case.lacks is not None) is rejected
    assert isinstance(player.log, PlayLog)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_line_fits_the_terminal_and_clears_what_was_left(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    terminal = _Terminal()
    bar = ProgressBar(START, 422, label="rules on ", stream=terminal, interval=0)
    log = PlayLog("abc")
    log.steps, log.max_lag_seconds = 1234, 120
    bar(log, START + timedelta(hours=10), 3)
    bar(log, START + timedelta(hours=11), 3)
    drawn = [line for line in terminal.getvalue().split("\r") if line]
    assert len(drawn) == 2
    for line in drawn:
        assert line.endswith(CLEAR_TO_END) and line.startswith("rules on [")
        assert len(line) < 60


class _HeldHub:
    """A hub that holds every complaint back as a repeat of an open one (CreateWorkOrderResponse with RepeatOf)."""

    def post(self, document: bytes) -> Answer:
        answer = etree.fromstring(
            b'<wo:CreateWorkOrderResponse xmlns:wo="urn:onepoint:workorder:1"><wo:WorkOrderId>WO-B</wo:WorkOrderId>'
            b'<wo:State>SUSPENDED</wo:State><wo:Tier>CONTRACT</wo:Tier><wo:Priority>3</wo:Priority>'
            b'<wo:RepeatOf reminded="true">WO-A</wo:RepeatOf></wo:CreateWorkOrderResponse>')
        return Answer(200, answer)


def test_a_complaint_held_as_a_repeat_is_recorded_and_not_dispatched() -> None:
    scenario = build_scenario(1, 0.01)
    arrival = next(a for a in arrivals(scenario) if a.network and a.kind == "day")
    player = Player(scenario, SimulatedTime(scenario.day_start, 720), "http://hub.invalid", "http://nsp.invalid")
    player.hub = _HeldHub()  # type: ignore[assignment]
    scheduled: list[str] = []
    player.after = lambda delay, label, run: scheduled.append(label)  # type: ignore[assignment]
    player._intake(arrival)
    assert scheduled == [] and player.log.held == 1
