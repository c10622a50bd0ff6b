"""A request handler that returns no ``Reply`` has still done its effect (an HLR synced at BOSS): its message is
recorded with the ``c:Error`` ``handler-gave-no-answer`` as its answer, its effect kept, and a redelivery or a replay
answers that error without running the handler again (it used to be dead-lettered, and the replay synced again)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.ingress.outcomes import BAD_REPLY, refusal_for
from hub.ingress.replies import ReplyRefusal
from hub.ingress.soap.endpoint import fault_for
from hub.store import MemoryProcessedStore
from hub.transport import Broker, open_broker
from hub.validation.command_sets import schema_directory
from hub.workers import HandlerRegistry, Sender, Worker, WorkerTestClient
from hub.workers.reply import NO_ANSWER, error_document
from hub.workers.testing import SendResult
from tests.support.processed_keys import key_of
from tests.unit.workers.kit import short_config, take_all
from tests.unit.workers.test_answers import query, request

pytestmark = pytest.mark.unit

C = "{urn:onepoint:common:1}"
SYNC = b"<boss:Msisdn>13800138000</boss:Msisdn>"


def syncing(calls: list[str], returns: object = "synced") -> HandlerRegistry:
    """The README's old example: a ``boss.SyncHLR`` handler that does its effect and returns a str, not a Reply."""
    registry = HandlerRegistry()

    @registry.handler("boss.SyncHLR")
    def sync_hlr(envelope: Envelope) -> object:
        calls.append(envelope.message_id)
        return returns

    return registry


def error_of(result: SendResult) -> tuple[str | None, str]:
    assert result.reply is not None
    error = etree.fromstring(result.reply)
    assert error.tag == f"{C}Error"
    return error.findtext(f"{C}Code"), error.findtext(f"{C}Message") or ""


def test_a_request_answered_with_no_reply_is_recorded_with_the_error_and_never_run_again(
        caplog: pytest.LogCaptureFixture) -> None:
    calls: list[str] = []
    client = WorkerTestClient(syncing(calls), consumer="boss")
    command = Envelope("cs-sync-00000001", "boss.SyncHLR", "CS", SYNC)
    with caplog.at_level(logging.ERROR, logger="onepoint.worker"):
        first = client.request(command)
    assert first.processed and not first.dead and first.attempts == 1 and first.outcome == NO_ANSWER
    code, told = error_of(first)
    assert code == "handler-gave-no-answer"
    assert "boss.SyncHLR" in told and "carried the request out" in told and "fix the handler" in told
    assert client.store.seen(key_of("boss", command)) and not client.dead_letters
    assert [r.levelno for r in caplog.records if r.getMessage() == "request handler gave no answer"] == [
        logging.ERROR]
    replayed = client.request(command)  # redelivered, or replayed with the same message id
    assert replayed.duplicate and replayed.reply == first.reply
    assert calls == [command.message_id]


@pytest.mark.parametrize("document", [b"<boss:SyncHLRResponse/>", etree.fromstring(b"<a/>")])
def test_a_bare_document_answering_a_request_is_recorded_with_the_error_naming_it(document: object) -> None:
    calls: list[str] = []
    client = WorkerTestClient(syncing(calls, returns=document), consumer="boss")
    command = Envelope("cs-sync-00000002", "boss.SyncHLR", "CS", SYNC)
    result = client.request(command)
    code, told = error_of(result)
    assert result.processed and code == NO_ANSWER and "return Reply(document)" not in told
    assert "a bare document, not Reply(document)" in told
    assert client.request(command).duplicate and calls == [command.message_id]


def test_a_bare_document_returned_for_a_command_is_dropped_and_the_effect_recorded(
        caplog: pytest.LogCaptureFixture) -> None:
    calls: list[str] = []
    client = WorkerTestClient(syncing(calls, returns=b"<doc/>"), consumer="boss")
    command = Envelope("cs-sync-00000003", "boss.SyncHLR", "CS", SYNC)
    with caplog.at_level(logging.ERROR, logger="onepoint.worker"):
        result = client.send(command)
    assert result.processed and result.outcome == "done" and result.reply is None
    assert any(r.levelno == logging.ERROR for r in caplog.records)
    assert client.send(command).duplicate and calls == [command.message_id]


def test_the_sends_of_a_request_handler_with_no_reply_leave_with_its_record() -> None:
    """Its effect and its record in one transaction, as for any handler: what it sent is not discarded."""
    with schema_directory() as schemas:
        dispatch = (schemas / "examples/nsp/NetworkComplaintDispatch.valid.xml").read_bytes()
        order = (schemas / "examples/workorder/CreateWorkOrder.valid.xml").read_bytes()
    registry = HandlerRegistry()

    @registry.handler("workorder.CreateWorkOrder", consumer="workflow")
    def create(envelope: Envelope, outbound: Sender) -> str:
        outbound.send(dispatch, step="dispatch-nsp")
        return "dispatched"

    client = WorkerTestClient(registry, consumer="workflow")
    result = client.request(Envelope("cs-order-0000001", "workorder.CreateWorkOrder", "CS", order))
    assert result.processed and error_of(result)[0] == NO_ANSWER
    assert [sent.command_type for sent, _ in client.sent] == ["nsp.NetworkComplaintDispatch"]


@pytest.fixture
def broker() -> Iterator[Broker]:
    with open_broker("memory://", short_config()) as b:
        yield b


def test_the_worker_answers_the_error_and_dead_letters_nothing(broker: Broker) -> None:
    silent = HandlerRegistry()
    calls: list[str] = []

    @silent.handler("boss.QueryCustomerTier")
    def looked_up(env: Envelope) -> str:
        calls.append(env.message_id)
        return "looked it up"

    env = query()
    with Worker(broker, "boss", silent, store=MemoryProcessedStore()):
        first = request(broker, env).result(10)
        again = request(broker, env).result(10)
    assert etree.fromstring(first.body).findtext(f"{C}Code") == NO_ANSWER and again.body == first.body
    assert calls == [env.message_id]
    assert take_all(broker, broker.config.dead_letter_queue("boss")) == []


def test_the_ingress_answers_a_handler_that_gave_no_answer_502_a_bad_reply_not_a_rejection() -> None:
    """The request was carried out and its consumer is at fault: never 422 / Client.Rejected (the caller's)."""
    error = etree.fromstring(error_document(NO_ANSWER, "the handler of boss.SyncHLR carried the request out"))
    refusal = refusal_for(ReplyRefusal(error), system="boss")
    assert (refusal.status, refusal.code, refusal.answer) == (502, NO_ANSWER, BAD_REPLY)
    assert refusal.document is not None and b"carried the request out" in refusal.document
    assert fault_for(refusal).faultcode == "Server.BadReply"
