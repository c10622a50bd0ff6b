"""Two copies of one message handled at the same time: the effect runs once and neither copy is requeued."""

import threading

import pytest

from hub.store import MemoryProcessedStore, process_once
from hub.transport.message import Delivery, Message, Settlement

pytestmark = pytest.mark.unit


def delivery(message: Message, settled: list[Settlement]) -> Delivery:
    return Delivery(message, "q", settled.append, lambda m, tier: pytest.fail("no retry expected"))


def test_second_copy_waits_for_the_first_and_is_acked_as_duplicate():
    store = MemoryProcessedStore()
    message = Message(b"x", message_id="m-1")
    effects: list[str] = []
    first_running, release_first = threading.Event(), threading.Event()

    def slow_effect(m: Message) -> str:
        effects.append(m.message_id)
        first_running.set()
        assert release_first.wait(10)
        return "done"

    first_settled: list[Settlement] = []
    first = threading.Thread(target=process_once, args=(store, delivery(message, first_settled), slow_effect))
    first.start()
    assert first_running.wait(10)

    second_settled: list[Settlement] = []
    threading.Timer(0.2, release_first.set).start()
    ran = process_once(store, delivery(message, second_settled), lambda m: pytest.fail("effect ran twice"))
    first.join(10)

    assert not ran
    assert effects == ["m-1"]
    assert first_settled == [Settlement.ACK]
    assert second_settled == [Settlement.ACK]


def test_copy_still_held_after_the_wait_is_requeued():
    store = MemoryProcessedStore()
    message = Message(b"x", message_id="m-2")
    with store.claim("m-2"):
        settled: list[Settlement] = []
        assert not process_once(store, delivery(message, settled), lambda m: "x", busy_wait=0.05)
        assert settled == [Settlement.REQUEUE]
