"""DeadLetterQueues when the broker refuses (in-memory broker): a pass ends at the first refusal or unconfirmed
replay, saying why, a letter is never both replayed and kept when the outcome is known, and a pass keeps no body
but the ones ``show`` was asked for."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import replace

import pytest

from hub.transport import Broker, Message, open_broker
from hub.transport.errors import PublishNackedError, PublishOutcomeUnknownError
from hub.workers import DeadLetterQueues
from hub.workers import headers as h
from hub.workers.dlq import PassStopped
from hub.workers.dlq_filter import LetterFilter
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
    assert [x.message_id for x in report.replayed] == ["r0"] and report.failed == []
    [(unknown, why)] = report.unknown
    assert unknown.message_id == "r1" and "outcome is unknown" in why and "may also have been delivered" in why
    assert report.stopped is not None
    in_dlq = [m.message_id for m in take_all(broker, broker.config.dead_letter_queue("boss"))]
    assert sorted(in_dlq) == ["r1", "r2", "r3", "r4"]


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
    seen: list[str] = []
    blocked = "publishing blocked by the broker"
    monkeypatch.setattr(broker, "unready_reason", lambda: blocked if len(seen) >= 2 else None)
    report = DeadLetterQueues(broker).replay(None, "boss", progress=lambda x, _done: seen.append(x.message_id))
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


def test_replaying_one_id_refused_at_the_end_of_the_pass_leaves_every_other_letter_once() -> None:
    """Review (repro 1): `dlq replay B` refused (its queue full) after C and D were moved: the moves were never
    settled, so C, D (and A) were in the DLQ twice, as copies and as unacked originals."""
    with open_memory(max_length=1) as broker:
        queue, dlq = broker.config.queue("boss"), broker.config.dead_letter_queue("boss")
        for i in range(2):  # the memory broker takes max_length + 1
            broker.publish("", Message(b"<x/>", routing_key=queue, message_id=f"fill{i}")).result(10)
        put_letters(broker, ["A", "B", "C", "D"])
        report = DeadLetterQueues(broker, confirm_timeout=2).replay({"B"}, "boss")
        assert [x[0].message_id for x in report.failed] == ["B"] and report.stopped is not None
        assert broker.depths()[dlq] == 4  # ready and unacked: each letter once
        assert sorted(m.message_id for m in take_all(broker, dlq)) == ["A", "B", "C", "D"]


def test_a_refused_replay_ends_the_pass_before_any_later_letter_is_replayed() -> None:
    """Review (repro 3): the pass went on publishing later replays before the refusal was read; a worker taking
    one message from the full queue let a later command (r3) in ahead of the refused r2, which stayed in the DLQ."""
    with open_memory(max_length=1) as broker:
        put_letters(broker, IDS)
        queue, publish, drained = broker.config.queue("boss"), broker.publish, []

        def worker_takes_one_after_r2(exchange: str, message: Message, *, mandatory: bool = True) -> Future[None]:
            future = publish(exchange, message, mandatory=mandatory)
            if message.message_id == "r2":
                with contextlib.suppress(Exception):
                    future.result(5)
                taken = broker.get(queue)
                assert taken is not None
                drained.append(taken.message.message_id)
                taken.ack()
            return future

        broker.publish = worker_takes_one_after_r2  # type: ignore[method-assign]
        report = DeadLetterQueues(broker, confirm_timeout=2).replay(None, "boss")
        delivered = drained + [m.message_id for m in take_all(broker, queue)]
        assert [x[0].message_id for x in report.failed] == ["r2"] and report.stopped is not None
        assert delivered == ["r0", "r1"]  # nothing after r2
        assert sorted(m.message_id for m in take_all(broker, broker.config.dead_letter_queue("boss"))) == [
            "r2", "r3", "r4"]


def test_after_a_refusal_no_replay_is_left_delivered_and_kept_unreported(broker: Broker,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Review (repro 4): replays written but not yet confirmed when an earlier one was refused were requeued at
    once: delivered by the broker, kept in the DLQ, and reported neither replayed nor UNKNOWN."""
    put_letters(broker, ["r0", "r1", "r2"])
    publish = broker.publish

    def slow_confirms(exchange: str, message: Message, *, mandatory: bool = True) -> Future[None]:
        if message.message_id == "r0":
            refused: Future[None] = Future()
            refused.set_exception(PublishNackedError("nacked"))
            return refused
        inner, late = publish(exchange, message, mandatory=mandatory), Future[None]()
        threading.Timer(0.3, lambda: late.set_result(inner.result())).start()
        return late

    monkeypatch.setattr(broker, "publish", slow_confirms)
    report = DeadLetterQueues(broker, confirm_timeout=2).replay(None, "boss")
    time.sleep(0.5)
    delivered = [m.message_id for m in take_all(broker, broker.config.queue("boss"))]
    kept = [m.message_id for m in take_all(broker, broker.config.dead_letter_queue("boss"))]
    assert delivered == [] and sorted(kept) == ["r0", "r1", "r2"]
    assert [x[0].message_id for x in report.failed] == ["r0"] and report.replayed == [] and report.unknown == []


def test_list_limit_applies_to_each_dlq_in_turn(broker: Broker) -> None:
    """Review (repro 6): `--limit N` was spent on the first DLQ in configuration order, so a letter of another DLQ
    was never listed whatever its age. The limit is the first N of each DLQ, the DLQs in their order."""
    put_letters(broker, ["b0", "b1"])
    crm_dlq = broker.config.dead_letter_queue("crm")
    for mid in ("c0", "c1"):
        headers = {h.DEAD_REASON: "boom", h.ATTEMPTS: 1, h.ORIGINAL_ROUTING_KEY: "crm.crm.Notify",
                   h.FIRST_FAILURE: "2026-01-01T00:00:00.000+00:00"}
        broker.publish("", Message(b"<x/>", routing_key=crm_dlq, message_id=mid, headers=headers)).result(10)
    listed = DeadLetterQueues(broker).browse(None, None, LetterFilter(limit=1))
    assert [x.message_id for x in listed] == ["b0", "c0"]
    assert [m.message_id for m in take_all(broker, crm_dlq)] == ["c0", "c1"]  # each DLQ read whole, in order
