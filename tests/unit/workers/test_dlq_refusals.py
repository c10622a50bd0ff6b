"""DeadLetterQueues when the broker refuses (in-memory broker): a pass ends at the first refusal or unconfirmed
replay, saying why, a letter is never both replayed and kept when the outcome is known, and a pass keeps no body
but the ones ``show`` was asked for."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import replace

import pytest

from hub.transport import Broker, Message, open_broker
from hub.transport.errors import PublishOutcomeUnknownError
from hub.transport.probe import PROBE_TYPE
from hub.workers import DeadLetterQueues
from hub.workers import headers as h
from hub.workers.dlq import PassStopped
from tests.unit.workers.kit import short_config, take_all

pytestmark = pytest.mark.unit

KEY = "boss.boss.QueryCustomerTier"
IDS = [f"r{i}" for i in range(5)]


def open_memory(max_length: int | None = None) -> Broker:
    return open_broker("memory://", replace(short_config(), max_length=max_length))


@pytest.fixture
def broker() -> Iterator[Broker]:
    with open_memory() as b:
        yield b


def put_letters(broker: Broker, ids: list[str], body: bytes = b"<x/>") -> None:
    dlq = broker.config.dead_letter_queue("boss")
    for mid in ids:
        headers = {h.DEAD_REASON: "boom", h.ATTEMPTS: 1, h.ORIGINAL_ROUTING_KEY: KEY,
                   h.FIRST_FAILURE: "2026-01-02T03:04:05.000+00:00"}
        broker.publish("", Message(body, routing_key=dlq, message_id=mid, headers=headers)).result(10)


def test_a_replay_into_a_full_queue_stops_at_the_first_refusal_and_keeps_the_rest() -> None:
    with open_memory(max_length=1) as broker:  # the memory broker, like a 3.10 quorum queue, takes max_length + 1
        put_letters(broker, IDS)
        report = DeadLetterQueues(broker).replay(None, "boss")
        assert [x.message_id for x in report.replayed] == ["r0", "r1"]
        [(refused, why)] = report.failed
        assert refused.message_id == "r2" and "full" in why
        assert report.stopped is not None and "full" in report.stopped and report.unknown == []
        in_dlq = [m.message_id for m in take_all(broker, broker.config.dead_letter_queue("boss"))]
        in_queue = [m.message_id for m in take_all(broker, broker.config.queue("boss"))]
        assert sorted(in_dlq) == ["r2", "r3", "r4"] and in_queue == ["r0", "r1"]  # each letter in one place


def test_an_unconfirmed_replay_is_reported_as_unknown_and_stops_the_pass(broker: Broker,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    put_letters(broker, IDS)
    publish = broker.publish

    def never_confirmed(exchange: str, message: Message, *, mandatory: bool = True) -> Future[None]:
        if message.message_id != "r1":
            return publish(exchange, message, mandatory=mandatory)
        lost: Future[None] = Future()
        lost.set_exception(PublishOutcomeUnknownError("message r1 was sent but not confirmed in time"))
        return lost

    monkeypatch.setattr(broker, "publish", never_confirmed)
    report = DeadLetterQueues(broker, confirm_timeout=1).replay(None, "boss")
    # r2-r4 were published in the same window before r1's outcome was known: the broker confirmed them
    assert [x.message_id for x in report.replayed] == ["r0", "r2", "r3", "r4"] and report.failed == []
    [(unknown, why)] = report.unknown
    assert unknown.message_id == "r1" and "outcome is unknown" in why and "may also have been delivered" in why
    assert report.stopped is not None
    in_dlq = [m.message_id for m in take_all(broker, broker.config.dead_letter_queue("boss"))]
    assert in_dlq == ["r1"]


def test_a_blocked_broker_stops_a_pass_before_it_moves_anything(broker: Broker,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    put_letters(broker, IDS)
    blocked = "publishing blocked by the broker: low on memory (a memory or disk alarm)"
    monkeypatch.setattr(broker, "unready_reason", lambda: blocked)
    queues = DeadLetterQueues(broker)
    with pytest.raises(PassStopped, match="low on memory"):
        queues.browse("boss")
    report = queues.replay(None, "boss")
    assert report.replayed == [] and report.stopped is not None and blocked in report.stopped
    monkeypatch.undo()
    assert [m.message_id for m in take_all(broker, broker.config.dead_letter_queue("boss"))] == IDS


def test_a_broker_blocked_during_a_pass_stops_it_there(broker: Broker, monkeypatch: pytest.MonkeyPatch) -> None:
    put_letters(broker, IDS)
    taken: list[object] = []
    get = broker.get
    monkeypatch.setattr(broker, "get", lambda queue: taken.append(queue) or get(queue))
    blocked = "publishing blocked by the broker"
    monkeypatch.setattr(broker, "unready_reason", lambda: blocked if len(taken) >= 2 else None)
    report = DeadLetterQueues(broker).replay(None, "boss")
    assert [x.message_id for x in report.replayed] == ["r0", "r1"]
    assert report.stopped is not None and "publishing blocked by the broker" in report.stopped
    monkeypatch.undo()
    assert [m.message_id for m in take_all(broker, broker.config.dead_letter_queue("boss"))] == ["r2", "r3", "r4"]


def test_a_pass_keeps_no_body_but_the_ones_show_asked_for(broker: Broker) -> None:
    put_letters(broker, IDS, body=b"<x>" + b"A" * 10_000 + b"</x>")
    queues = DeadLetterQueues(broker)
    progressed: list[bytes] = []
    listed = queues.browse("boss", progress=lambda letter, _done: progressed.append(letter.message.body))
    assert [x.message_id for x in listed] == IDS and {x.message.body for x in listed} == {b""}
    assert set(progressed) == {b""}
    [shown] = queues.show("r3", "boss")
    assert shown.message.body.startswith(b"<x>AAAA")
    report = queues.replay(["r1"], "boss")
    assert [x.message.body for x in report.replayed] == [b""]
    replayed = take_all(broker, broker.config.queue("boss"))
    assert [m.body[:7] for m in replayed] == [b"<x>AAAA"]  # the replay itself carries the body


def test_a_counted_purge_reports_each_letter_it_deletes(broker: Broker) -> None:
    put_letters(broker, IDS)
    deleted: list[str] = []
    purged = DeadLetterQueues(broker).purge("boss", at_most={"boss": 3},
                                            progress=lambda letter, _done: deleted.append(letter.message_id))
    assert purged == {"boss": 3} and deleted == ["r0", "r1", "r2"]


def test_a_replay_keeps_several_confirms_in_flight(broker: Broker, monkeypatch: pytest.MonkeyPatch) -> None:
    """Audit 6 (probe 9): each replay waited for its confirm before the next letter was taken (one broker round
    trip per letter). The replays of a pass are published a window at a time, their confirms awaited in order."""
    put_letters(broker, IDS)
    publish = broker.publish
    events: list[str] = []

    class Watched(Future[None]):
        def __init__(self, inner: Future[None]) -> None:
            super().__init__()
            self.inner = inner

        def result(self, timeout: float | None = None) -> None:
            events.append("wait")
            return self.inner.result(timeout)

    def watched(exchange: str, message: Message, *, mandatory: bool = True) -> Future[None]:
        if message.type == PROBE_TYPE:
            return publish(exchange, message, mandatory=mandatory)
        events.append("publish")
        return Watched(publish(exchange, message, mandatory=mandatory))

    monkeypatch.setattr(broker, "publish", watched)
    report = DeadLetterQueues(broker).replay(None, "boss")
    assert [x.message_id for x in report.replayed] == IDS and report.stopped is None
    assert events[:len(IDS)] == ["publish"] * len(IDS), events  # every replay written before the first wait
