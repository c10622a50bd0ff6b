from __future__ import annotations

import threading

import pytest

from hub.transport import Message, RequestTimeoutError, TransportClosedError
from hub.transport.rpc import PendingReplies
from hub.transport.scheduler import Scheduler

pytestmark = pytest.mark.unit


@pytest.fixture
def scheduler() -> Scheduler:
    s = Scheduler()
    yield s  # type: ignore[misc]
    s.close()


def test_scheduler_runs_callbacks_in_deadline_order(scheduler: Scheduler) -> None:
    order: list[str] = []
    done = threading.Event()
    scheduler.call_later(0.2, lambda: (order.append("late"), done.set()))
    scheduler.call_later(0.0, lambda: order.append("early"))
    cancelled = scheduler.call_later(0.1, lambda: order.append("cancelled"))
    cancelled.cancel()
    assert done.wait(10)
    assert order == ["early", "late"]


def test_reply_resolves_only_its_request(scheduler: Scheduler) -> None:
    pending = PendingReplies(scheduler)
    a, b = pending.register("a", 10), pending.register("b", 10)
    assert pending.resolve(Message(b"for b", correlation_id="b"))
    assert b.result(1).body == b"for b"
    assert not a.done()
    assert not pending.resolve(Message(b"unknown", correlation_id="zzz"))
    pending.close()
    with pytest.raises(TransportClosedError):
        a.result(1)


def test_timeout_then_late_reply_is_dropped(scheduler: Scheduler) -> None:
    pending = PendingReplies(scheduler)
    future = pending.register("x", 0.05)
    with pytest.raises(RequestTimeoutError):
        future.result(10)
    assert not pending.resolve(Message(b"late", correlation_id="x"))
    assert pending.late_replies == 1
    with pytest.raises(ValueError, match="already pending"):
        pending.register("y", 10) and pending.register("y", 10)
