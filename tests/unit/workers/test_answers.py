"""Handlers answer requests: the Reply (or a rejection's c:Error) is recorded, then sent; a redelivery resends it."""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.gateways.failures import fault_failure, status_failure
from hub.ingress.replies import ReplyRefusal, checked_reply
from hub.routing.broker_router import REPLAYED
from hub.routing.codec import message_from_envelope
from hub.store import MemoryProcessedStore, SQLiteProcessedStore
from hub.store.base import Recorded
from hub.transport import Broker, Message, open_broker, routing_key
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.parser import ParserLimits
from hub.workers import HandlerRegistry, Reply, Worker, WorkerTestClient
from hub.workers.errors import PermanentError
from hub.workers.fingerprint import answered_unkept, seal
from tests.support.answers import recorded_answer
from tests.support.processed_keys import key_of
from tests.support.worker_handlers import UNKNOWN_SUBSCRIBER, handlers, tier_query
from tests.unit.workers.kit import short_config, take_all
from tests.unit.workflow.kit import EXAMPLES

pytestmark = pytest.mark.unit


def query(msisdn: str = "13800138000") -> Envelope:
    mid = f"cs-{uuid.uuid4().hex[:16]}"
    return Envelope(mid, "boss.QueryCustomerTier", "CS", tier_query(msisdn, mid), correlation_id="cs-corr-000001")


def answering(calls: list[str]) -> HandlerRegistry:
    """``handlers``' tier query, counting its calls."""
    counted = HandlerRegistry()
    spec = handlers.resolve("boss", "boss.QueryCustomerTier")

    @counted.handler("boss.QueryCustomerTier")
    def tier(env: Envelope) -> Reply:
        calls.append(env.message_id)
        result: Reply = spec.func(env)
        return result

    return counted


def test_the_answer_is_the_valid_response_and_is_recorded(registry: CommandSetRegistry) -> None:
    client = WorkerTestClient(handlers, consumer="boss", dependencies={"effects": Path("unused")})
    env = query()
    result = client.request(env)
    assert result.processed and result.outcome == "tier sent"
    assert result.reply is not None
    root = checked_reply(registry.get("boss"), "QueryCustomerTier", result.reply, ParserLimits())
    assert root.findtext("{urn:onepoint:boss:1}Ack/{urn:onepoint:common:1}MessageId") == env.message_id
    assert recorded_answer(client.store.reply(key_of("boss", env))) == result.reply


def test_a_redelivered_request_gets_the_recorded_answer_without_running_the_handler() -> None:
    calls: list[str] = []
    client = WorkerTestClient(answering(calls), consumer="boss")
    env = query()
    first, again = client.request(env), client.request(env)
    assert again.duplicate and again.reply == first.reply is not None
    assert calls == [env.message_id]


def test_a_message_id_reused_for_another_request_is_refused_not_answered_with_the_recorded_answer(
        registry: CommandSetRegistry) -> None:
    """The recorded answer belongs to the request it answered: another number under the same message id from the
    same system gets the c:Error message-id-reused, never the first customer's answer, and no handler runs. Another
    system's request under that id is another message (the key is the source system and the id): answered anew."""
    calls: list[str] = []
    client = WorkerTestClient(answering(calls), consumer="boss")
    first = query("13800138000")
    answered = client.request(first)
    other_number = Envelope(first.message_id, first.command_type, "CS", tier_query("13900139000", first.message_id))
    result = client.request(other_number)
    assert result.duplicate and result.reply is not None and result.reply != answered.reply
    with pytest.raises(ReplyRefusal) as refusal:
        checked_reply(registry.get("boss"), "QueryCustomerTier", result.reply, ParserLimits())
    assert refusal.value.code == "message-id-reused" and first.message_id in str(refusal.value)
    assert client.request(first).reply == answered.reply  # the very request again: its answer
    assert calls == [first.message_id]
    other_caller = Envelope(first.message_id, first.command_type, "CRM", first.payload)
    theirs = client.request(other_caller)
    assert theirs.processed and not theirs.duplicate and calls == [first.message_id, first.message_id]


def test_a_rejection_is_a_c_error_answer_recorded_and_not_retried(registry: CommandSetRegistry) -> None:
    calls: list[str] = []
    client = WorkerTestClient(answering(calls), consumer="boss")
    env = query(UNKNOWN_SUBSCRIBER)
    result = client.request(env)
    assert result.processed and not result.dead and result.attempts == 1 and calls == [env.message_id]
    assert result.reply is not None
    with pytest.raises(ReplyRefusal) as refusal:
        checked_reply(registry.get("boss"), "QueryCustomerTier", result.reply, ParserLimits())
    assert refusal.value.code == "subscriber-not-found"
    assert str(refusal.value) == f"no subscriber {UNKNOWN_SUBSCRIBER}"
    assert client.request(env).reply == result.reply and calls == [env.message_id]


def test_a_rejected_command_without_reply_to_is_still_dead_lettered() -> None:
    client = WorkerTestClient(answering([]), consumer="boss")
    result = client.send(query(UNKNOWN_SUBSCRIBER))
    assert result.dead and result.reply is None
    assert "subscriber" in (result.reason or "")


def test_a_reply_to_a_plain_command_is_recorded_as_its_outcome_only() -> None:
    client = WorkerTestClient(answering([]), consumer="boss")
    env = query()
    result = client.send(env)
    assert result.processed and result.outcome == "tier sent" and result.reply is None


def test_a_command_reusing_the_id_of_another_is_dead_lettered_not_dropped_as_its_duplicate(tmp_path: Path) -> None:
    """What reaches a worker another way than through the ingress that saw the first (another hub process, a hub
    restarted since): on a store that keeps fingerprints (SQLite, the work-order store)."""
    calls: list[str] = []
    client = WorkerTestClient(answering(calls), consumer="boss",
                              store=SQLiteProcessedStore(tmp_path / "processed.sqlite3"))
    first = query("13800138000")
    assert client.send(first).processed
    assert client.send(first).duplicate  # the very same again: a duplicate, as ever
    sent_later = first.payload.replace(b"2026-11-23T09:15:01+08:00", b"2026-11-23T09:17:30+08:00")
    assert sent_later != first.payload
    assert client.send(Envelope(first.message_id, first.command_type, "CS", sent_later)).duplicate  # a re-send
    other = Envelope(first.message_id, first.command_type, "CS", tier_query("13900139000", first.message_id))
    result = client.send(other)
    assert result.dead and "message-id-reused" in (result.reason or "") and first.message_id in (result.reason or "")
    assert calls == [first.message_id]


def test_the_hubs_own_commands_and_a_memory_store_keep_no_fingerprint_of_a_command(tmp_path: Path) -> None:
    """The hub's own re-sends (ids derived from cause and step, built again with new times) stay duplicates; the
    memory store keeps its answer slots for requests."""
    calls: list[str] = []
    durable = WorkerTestClient(answering(calls), consumer="boss",
                               store=SQLiteProcessedStore(tmp_path / "processed.sqlite3"))
    ours = query("13800138000")
    ours = Envelope(ours.message_id, ours.command_type, "HUB", ours.payload)
    assert durable.send(ours).processed
    rebuilt = Envelope(ours.message_id, ours.command_type, "HUB", tier_query("13900139000", ours.message_id))
    again = durable.send(rebuilt)
    assert again.duplicate and not again.dead
    assert durable.store.reply(key_of("boss", ours)) is None
    in_memory = WorkerTestClient(answering(calls), consumer="boss")
    theirs = query()
    assert in_memory.send(theirs).processed and in_memory.store.reply(key_of("boss", theirs)) is None


def test_a_reply_holds_an_element_as_bytes() -> None:
    element = etree.fromstring(b"<a><b>1</b></a>")
    assert Reply(element).body == b"<?xml version='1.0' encoding='UTF-8'?>\n<a><b>1</b></a>"
    with pytest.raises(TypeError):
        Reply("<a/>")  # type: ignore[arg-type]


# -- the Worker on the in-memory broker -----------------------------------------------------------------------
@pytest.fixture
def broker() -> Iterator[Broker]:
    with open_broker("memory://", short_config()) as b:
        yield b


def request(broker: Broker, env: Envelope) -> Future[Message]:
    message = message_from_envelope(env, routing_key("boss", env.command_type), for_request=True)
    return broker.request(broker.config.commands_exchange, message, timeout=15)


def test_the_worker_sends_the_answer_only_after_it_is_recorded(broker: Broker) -> None:
    store = MemoryProcessedStore()
    env = query()
    recorded_when_answered: list[bool] = []
    with Worker(broker, "boss", answering([]), store=store):
        future = request(broker, env)
        future.add_done_callback(lambda _f: recorded_when_answered.append(store.seen(key_of("boss", env))))
        reply = future.result(20)
    assert recorded_when_answered == [True]
    assert reply.body == recorded_answer(store.reply(key_of("boss", env)))
    assert reply.content_type == "application/xml"


@pytest.mark.parametrize("batch", [1, 8])
def test_a_resent_request_is_answered_with_the_recorded_answer_said_to_be_replayed(broker: Broker,
                                                                                  batch: int) -> None:
    """The answer recorded for an earlier delivery comes back marked (REPLAYED), so the ingress answers its caller
    with it but keeps it out of its reply cache, where it would be served to every caller as fresh (audit of the
    BOSS and CRM flows); a fresh answer is not marked."""
    calls: list[str] = []
    env = query()
    with Worker(broker, "boss", answering(calls), store=MemoryProcessedStore(), max_batch=batch):
        first = request(broker, env).result(10)
        again = request(broker, env).result(10)
    assert calls == [env.message_id] and again.body == first.body
    assert not first.headers.get(REPLAYED) and again.headers.get(REPLAYED) is True


def test_a_dead_lettered_request_is_answered_at_once_with_the_reason(broker: Broker) -> None:
    """The system refused it for good: the requester hears so now (c:Error dead-lettered, 502 at the ingress)
    instead of waiting for its timeout; the dead letter is kept as ever."""
    failing = HandlerRegistry()

    @failing.handler("boss.QueryCustomerTier")
    def refused(env: Envelope) -> Reply:
        raise PermanentError("BOSS answered 403 Forbidden: the hub's credentials were refused")

    with Worker(broker, "boss", failing, store=MemoryProcessedStore()):
        reply = request(broker, query()).result(10)
    error = etree.fromstring(reply.body)
    assert error.findtext("{urn:onepoint:common:1}Code") == "dead-lettered"
    told = without_request_ids(error.findtext("{urn:onepoint:common:1}Message") or "")
    assert "permanent" in told and "403" not in told  # the reason stays with the dead letter
    [dead] = take_all(broker, broker.config.dead_letter_queue("boss"))
    assert "403 Forbidden" in str(dead.headers["x-onepoint-dead-reason"])


def dead_letter_answer(broker: Broker, refusal: Exception) -> str:
    """The c:Error Message the requester of a request its handler failed with ``refusal`` is told."""
    failing = HandlerRegistry()

    @failing.handler("boss.QueryCustomerTier")
    def refused(env: Envelope) -> Reply:
        raise refusal

    with Worker(broker, "boss", failing, store=MemoryProcessedStore()):
        reply = request(broker, query()).result(10)
    error = etree.fromstring(reply.body)
    assert error.findtext("{urn:onepoint:common:1}Code") == "dead-lettered"
    return without_request_ids(error.findtext("{urn:onepoint:common:1}Message") or "")


def without_request_ids(told: str) -> str:
    """``told`` with each request id replaced: an id is random hex and may hold the digits a test says are absent."""
    return re.sub(r"\b[a-z]+-[0-9a-f]{16}\b", "<request>", told)


def test_a_request_its_system_refused_is_told_which_system_and_its_fault(broker: Broker) -> None:
    """BOSS's own SOAP Client fault: the requester learns that BOSS refused it, the fault code and its text (audit
    of BOSS flows, repro_2), numbers masked and addresses left out; the dead letter keeps the whole reason."""
    refusal = fault_failure("boss", "QueryCustomerTier", "soap:Client.AccountFrozen",
                            "account frozen by billing for 13800138000 (see http://boss-db01.internal:8080/x)")
    told = dead_letter_answer(broker, refusal)
    assert "boss refused it: Client.AccountFrozen: account frozen by billing" in told
    assert "13800138000" not in told and "boss-db01" not in told and "8080" not in told
    [dead] = take_all(broker, broker.config.dead_letter_queue("boss"))
    assert "boss-db01.internal" in str(dead.headers["x-onepoint-dead-reason"])


def test_an_xml_systems_error_document_is_its_refusal_a_bare_4xx_is_not(broker: Broker) -> None:
    own = status_failure("nsp", "Dispatch", 409, "Conflict", ("order-closed", "the order is closed"))
    assert "nsp refused it: HTTP 409: order-closed: the order is closed" in dead_letter_answer(broker, own)
    bare = status_failure("nsp", "Dispatch", 404, "Not Found")  # a proxy's page, a wrong path: not the system's word
    told = dead_letter_answer(broker, bare)
    assert "permanent" in told and "refused" not in told
    assert "404" not in told


class RefusingReplies:
    """A broker whose first ``reply`` is not confirmed (the answer is lost on its way)."""

    def __init__(self, broker: Broker) -> None:
        self._broker, self.refused = broker, 0

    def __getattr__(self, name: str) -> object:
        return getattr(self._broker, name)

    def reply(self, request: Message, body: bytes, **fields: object) -> Future[None]:
        if not self.refused:
            self.refused += 1
            failed: Future[None] = Future()
            failed.set_exception(ConnectionError("channel closed"))
            return failed
        return self._broker.reply(request, body, **fields)


def test_an_answer_the_broker_does_not_take_requeues_the_request_and_the_recorded_answer_is_resent(
    broker: Broker,
) -> None:
    calls: list[str] = []
    store = MemoryProcessedStore()
    env = query()
    flaky = RefusingReplies(broker)
    with Worker(flaky, "boss", answering(calls), store=store):  # type: ignore[arg-type]
        reply = request(broker, env).result(20)
    assert flaky.refused == 1 and calls == [env.message_id]
    assert reply.body == recorded_answer(store.reply(key_of("boss", env)))


# -- the SQLite store keeps answers ------------------------------------------------------------------------------
def test_sqlite_keeps_the_answer_with_the_outcome_across_reopening(tmp_path: Path) -> None:
    path = tmp_path / "processed.db"
    store = SQLiteProcessedStore(path)
    with store.claim("boss:q1") as claim:
        claim.complete("answered", reply=b"<answer/>")
    store.close()
    reopened = SQLiteProcessedStore(path)
    with reopened.claim("boss:q1") as again:
        assert again.duplicate and again.outcome == "answered" and again.reply == b"<answer/>"
    assert reopened.reply("boss:q1") == b"<answer/>" and reopened.reply("boss:nope") is None


def test_a_store_written_before_answers_existed_gains_the_column(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE processed_messages (message_id TEXT PRIMARY KEY, state TEXT NOT NULL CHECK"
                   " (state IN ('claimed', 'done')), outcome TEXT, lease_until REAL, updated_at REAL NOT NULL)")
        db.execute("INSERT INTO processed_messages VALUES ('old', 'done', 'created', NULL, 0)")
    store = SQLiteProcessedStore(path)
    assert store.outcome("old") == "created" and store.reply("old") is None
    assert store.record("new", "answered", reply=b"<r/>") and store.reply("new") == b"<r/>"
    store.close()


def sms_log_query(message_id: str, msisdn: str = "13501105566") -> Envelope:
    document = etree.parse(str(EXAMPLES / "dsmp" / "QuerySmsLog.valid.xml")).getroot()
    document.find("{urn:onepoint:dsmp:1}Header/{urn:onepoint:common:1}MessageId").text = message_id
    document.find("{urn:onepoint:dsmp:1}Msisdn").text = msisdn
    return Envelope(message_id, "dsmp.QuerySmsLog", "CS", etree.tostring(document))


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_an_audited_requests_answer_is_never_kept_and_its_repeat_runs_again(tmp_path: Path, store: str) -> None:
    """An SMS log is personal data (``hub.validation.audited``): the record says it was answered, not what; the
    same request again is run again (its handler authorizes and audits it again), a reused id is still refused."""
    calls: list[str] = []
    audited = HandlerRegistry()

    @audited.handler("dsmp.QuerySmsLog")
    def sms_log(env: Envelope) -> Reply:
        calls.append(env.message_id)
        return Reply(f"<records run='{len(calls)}'>13501105566</records>".encode())

    processed = (MemoryProcessedStore() if store == "memory"
                 else SQLiteProcessedStore(tmp_path / "processed.sqlite3"))
    client = WorkerTestClient(audited, consumer="dsmp", store=processed)
    env = sms_log_query("cs-sms-000000001")
    first, again = client.request(env), client.request(env)
    assert first.reply is not None and b"run='1'" in first.reply
    assert again.reply is not None and b"run='2'" in again.reply and not again.dead
    assert calls == [env.message_id, env.message_id]
    recorded = client.store.reply(key_of("dsmp", env))
    assert recorded is not None and b"13501105566" not in recorded and b"records" not in recorded
    if store == "sqlite":
        assert b"13501105566" not in (tmp_path / "processed.sqlite3").read_bytes()
        reused = client.request(sms_log_query(env.message_id, msisdn="13900139000"))
        assert reused.reply is not None and b"message-id-reused" in reused.reply and len(calls) == 2


def test_a_request_that_is_not_audited_keeps_its_answer() -> None:
    assert seal(b"<a/>", query(), kept=True) != seal(b"<a/>", query(), kept=False)
    env = query()
    assert answered_unkept(env, seal(b"<a/>", env, kept=False))
    assert not answered_unkept(env, seal(b"<a/>", env))
    assert not answered_unkept(query(), seal(b"<a/>", env, kept=False))  # another request's record


class OvertakenStore(MemoryProcessedStore):
    """Another worker took the claim over and recorded the id first: the store keeps its record (as the PostgreSQL
    store's idempotent write does) and the claim reports it."""

    def __init__(self, other: Recorded) -> None:
        super().__init__()
        self.other = other

    def _finish(self, message_id: str, outcome: str | None, reply: bytes | None = None) -> Recorded | None:
        if outcome is None:
            super()._finish(message_id, None)
            return None
        super()._finish(message_id, self.other.outcome, self.other.reply)
        return self.other


def test_a_request_another_worker_recorded_first_is_answered_with_that_record() -> None:
    env = query()
    other_answer = b"<the-other-workers-answer/>"
    store = OvertakenStore(Recorded("tier sent", seal(other_answer, env)))
    client = WorkerTestClient(answering([]), consumer="boss", store=store)
    result = client.request(env)
    assert result.reply == other_answer  # the answer on record, as every later duplicate gets it
    assert client.request(env).reply == other_answer
