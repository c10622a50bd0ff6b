"""``Outbound.deferred_confirms``: a batch's sends held per cause, released when its handler returned, published
in the order released and their confirms awaited together (``PendingConfirms.wait``); outside the block every
send awaits its own confirm."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest

from hub.envelope import Envelope
from hub.routing.codec import envelope_from_message
from hub.routing.outbound import BrokerOutbound, OutboundError
from hub.routing.table import RoutingTable
from hub.transport import Broker, TopologyConfig, open_broker
from hub.transport.topology import DEFAULT_CONSUMERS
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from tests.support.worker_handlers import example
from tests.unit.workers.kit import take_all

pytestmark = pytest.mark.unit

DISPATCH = "nsp/NetworkComplaintDispatch.valid.xml"


def cause() -> Envelope:
    mid = f"cs-{uuid.uuid4().hex[:16]}"
    return Envelope(mid, "workorder.CreateWorkOrder", "CS", example("workorder/CreateWorkOrder.valid.xml"))


def outbound_on(broker: Broker, registry: CommandSetRegistry) -> BrokerOutbound:
    table = RoutingTable.load(None, consumers=DEFAULT_CONSUMERS, command_types=registry.command_types())
    return BrokerOutbound(broker, table, DocumentValidator(registry), confirm_timeout=5)


@pytest.fixture
def broker() -> Iterator[Broker]:
    with open_broker("memory://", TopologyConfig(prefix=f"d{uuid.uuid4().hex[:10]}")) as opened:
        yield opened


def test_sends_leave_when_released_and_a_discarded_cause_sends_nothing(broker: Broker,
                                                                      registry: CommandSetRegistry) -> None:
    outbound = outbound_on(broker, registry)
    nsp = broker.config.queue("nsp")
    kept, dropped = cause(), cause()
    with outbound.deferred_confirms() as pending:
        outbound.send(example(DISPATCH), cause=kept, step="dispatch")
        outbound.send(example(DISPATCH), cause=dropped, step="dispatch")
        assert broker.message_count(nsp) == 0 and len(pending) == 2  # held, nothing published yet
        pending.release(kept.message_id)
        pending.discard(dropped.message_id)
        assert broker.message_count(nsp) == 0 and len(pending) == 1  # released: published by wait, at once
        pending.wait(5)
        assert len(pending) == 0
    [sent] = take_all(broker, nsp)
    assert envelope_from_message(sent).headers["caused-by"] == kept.message_id


def test_released_sends_are_published_in_the_order_their_causes_were_released(
    broker: Broker, registry: CommandSetRegistry,
) -> None:
    outbound = outbound_on(broker, registry)
    nsp = broker.config.queue("nsp")
    first, second, held = cause(), cause(), cause()
    with outbound.deferred_confirms() as pending:
        for which in (held, second, first):
            outbound.send(example(DISPATCH), cause=which, step="dispatch-0")
            outbound.send(example(DISPATCH), cause=which, step="dispatch-1")
        pending.release(first.message_id)
        pending.release(second.message_id)
        pending.wait(5)  # what is still held goes last
    causes = [envelope_from_message(sent).headers["caused-by"] for sent in take_all(broker, nsp)]
    assert causes == [first.message_id] * 2 + [second.message_id] * 2 + [held.message_id] * 2


def test_wait_publishes_what_is_still_held_and_raises_for_a_missing_confirm(registry: CommandSetRegistry) -> None:
    topology = TopologyConfig(prefix="nonsp", consumers=("boss", "crm", "workflow"))  # no queue takes nsp.*
    with open_broker("memory://", topology) as broker:
        outbound = outbound_on(broker, registry)
        with outbound.deferred_confirms() as pending:
            outbound.send(example(DISPATCH), cause=cause(), step="dispatch")  # returns: the confirm is not awaited
            with pytest.raises(OutboundError, match="UnroutableError"):
                pending.wait(5)


def test_deferring_is_per_thread_and_outside_the_block_sends_await_their_confirms(
    broker: Broker, registry: CommandSetRegistry,
) -> None:
    outbound = outbound_on(broker, registry)
    nsp = broker.config.queue("nsp")
    elsewhere: list[int] = []
    with outbound.deferred_confirms() as pending:
        thread = threading.Thread(target=lambda: (outbound.send(example(DISPATCH), cause=cause(), step="d"),
                                                  elsewhere.append(broker.message_count(nsp))))
        thread.start()
        thread.join()
        assert elsewhere == [1] and len(pending) == 0  # another thread's send was published and confirmed
        with pytest.raises(RuntimeError, match="already"), outbound.deferred_confirms():
            pass
    outbound.send(example(DISPATCH), cause=cause(), step="dispatch")
    assert broker.message_count(nsp) == 2
