"""Every processed-message store keys a worker's message on (consumer, source system, MessageId): the same id from
two systems is two messages; a record written before the source was part of the key still counts for the message
(hub.store.keys), in one claim, a batch of claims (the work-order store) and through ``Processor``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from hub.envelope import Envelope
from hub.store import ProcessedStore
from hub.store.keys import former_key, processed_key
from hub.workers.decisions import Action
from hub.workers.processor import Processor
from hub.workers.registry import HandlerRegistry
from hub.workers.reply import Reply
from hub.workers.testing import WorkerTestClient
from hub.workflow.store import WorkOrderProcessedStore, WorkOrderStore
from tests.support.processed_stores import POSTGRES, opened_store

MID = "cs-20261207-000001"


@pytest.fixture(params=["sqlite", "memory", POSTGRES])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ProcessedStore]:
    opened = opened_store(request, tmp_path)
    yield opened
    opened.close()


def test_the_key_names_the_source_and_has_a_former_form() -> None:
    assert processed_key("workflow", "CS", MID) == f"workflow:CS/{MID}"
    assert former_key(processed_key("workflow", "CS", MID)) == f"workflow:{MID}"
    assert former_key(f"workflow:{MID}") is None  # already former (a MessageId holds no "/")
    assert former_key("m-1") is None  # a key a caller of the store chose itself


def test_the_same_id_from_two_systems_is_two_messages(store: ProcessedStore) -> None:
    assert store.run_once(processed_key("boss", "OA", MID), lambda: "queried") == (True, "queried")
    assert store.run_once(processed_key("boss", "CS", MID), lambda: "created") == (True, "created")
    assert store.run_once(processed_key("boss", "CS", MID), lambda: pytest.fail("ran")) == (False, "created")
    assert store.count() == 2


def test_a_record_under_the_former_key_is_the_message_s(store: ProcessedStore) -> None:
    assert store.record(f"boss:{MID}", "created", reply=b"<answer/>")  # written before the upgrade
    with store.claim(processed_key("boss", "CS", MID)) as claim:
        assert claim.duplicate
        assert (claim.outcome, claim.reply) == ("created", b"<answer/>")
    assert store.recorded(f"boss:{MID}") is not None and store.recorded(processed_key("boss", "CS", MID)) is None
    assert store.run_once(processed_key("crm", "CS", MID), lambda: "other consumer") == (True, "other consumer")


def test_the_work_order_store_keys_claims_and_batches_per_source(workorder_store: WorkOrderStore) -> None:
    processed = WorkOrderProcessedStore(workorder_store)
    processed.record(f"workflow:{MID}", "created", reply=b"<answer/>")  # before the upgrade
    with processed.claim(processed_key("workflow", "CS", MID)) as claim:
        assert claim.duplicate and (claim.outcome, claim.reply) == ("created", b"<answer/>")
    later = "cs-20261207-000002"
    results = processed.run_claims([
        (processed_key("workflow", "CS", MID), lambda: pytest.fail("a duplicate ran")),
        (processed_key("workflow", "OA", later), lambda: ("completed", None)),
        (processed_key("workflow", "CS", later), lambda: ("created", None)),
    ], lambda: None)
    assert [(r.duplicate, r.ran, r.outcome) for r in results] == [
        (True, False, "created"), (False, True, "completed"), (False, True, "created")]
    assert processed.outcome(processed_key("workflow", "OA", later)) == "completed"
    assert processed.run_once(processed_key("workflow", "NSP", later), lambda: "noticed") == (True, "noticed")
    assert processed.run_once(processed_key("workflow", "CS", later), lambda: pytest.fail("ran")) == (False, "created")


def test_a_former_record_stands_for_every_system_s_message_of_its_id(store: ProcessedStore) -> None:
    """It does not say which system sent it (as before the upgrade, until the retention purges it)."""
    store.record(f"boss:{MID}", "queried")
    assert store.run_once(processed_key("boss", "CS", MID), lambda: pytest.fail("ran")) == (False, "queried")


def test_a_processor_answers_each_system_s_request_of_one_id_its_own_way(store: ProcessedStore) -> None:
    """Two systems' requests with one MessageId (both in flight, or one after the other): each runs and gets its
    own answer; the same system's repeat gets its recorded answer, not the other system's."""
    handlers = HandlerRegistry()
    ran: list[str] = []

    @handlers.handler("boss.QueryCustomerTier")
    def query(env: Envelope) -> Reply:
        ran.append(env.source_system)
        return Reply(f"<answer for='{env.source_system}'/>".encode())

    processor = Processor("boss", handlers, store, tiers=())
    client = WorkerTestClient(handlers, consumer="boss")
    payload = b"<QueryCustomerTier><Msisdn>13800138000</Msisdn></QueryCustomerTier>"

    def ask(source: str) -> bytes:
        message = client.message(Envelope(MID, "boss.QueryCustomerTier", source, payload))
        decision = processor.process(replace(message, reply_to="reply-here", correlation_id=f"{source}-c"))
        assert decision.action is Action.ACK
        return decision.reply or b""

    assert b"for='OA'" in ask("OA")
    assert b"for='CS'" in ask("CS")
    assert b"for='CS'" in ask("CS")  # the recorded answer
    assert ran == ["OA", "CS"]

