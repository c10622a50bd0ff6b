"""Faults are survived (issue 11, point 5): the whole system — hub, a worker per queue, the five real emulators —
with faults on at every system (lognormal latency with a read timeout inside its tail, 503s, TCP resets, and an
outage window long enough to open each system's circuit). N messages of every flow go in; afterwards every message
has exactly one effect at its system, nothing was done twice, and the DLQ is empty (the two pushes OA refused
outright are replayed with ``onepoint dlq replay`` — the CLI as a process on RabbitMQ — and then done once).

What the counts mean, and what is *not* idempotent at a system:

* A call whose answer was lost (read timeout, reset after BOSS/CRM/NSP/OA acted) is repeated by the hub under the
  same MessageId. CRM, NSP and OA keep one entry per MessageId, so the repeat is absorbed (``repeats`` below).
* ``SyncHLR`` is not idempotent at BOSS by MessageId: BOSS syncs on every call. If the call that repaired the
  HLR lost its answer (here: BOSS answered after the read timeout, forced once by a targeted latency), the other
  call finds nothing to change and, if that is the one the hub heard, the caller gets ``Changed=false`` with an
  empty diff (``SyncHLR empty diffs``; which call lands first depends on the retry's jitter). Accepted: the HLR
  ends right (no difference left), no field is changed twice (BOSS's count of changed fields equals the drift),
  an empty diff only ever answers a repeated call, and the diff of the lost call is in BOSS's log. Making it
  exact needs BOSS to keep the diff per MessageId (a change to the system, not to the hub).
* Tier lookups and SMS-log queries are reads: a repeat costs a call, changes nothing. Every SMS-log query has
  exactly one ``allowed`` audit row (every attempt has its ``pending`` row before DSMP is asked; attempts that
  failed are audited ``failed`` before the retry), chain intact.
* A caller that gave up waiting (``CALLER_TIMEOUT``) lost nothing: the request is still handled once and its
  outcome recorded, but the answer goes nowhere — counted as ``answers wasted``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import adapters.crm as crm_adapter
from adapters.dsmp.trail import NOT_ASKED
from hub.audit import AuditLog
from hub.bulletin import BulletinBoard
from hub.routing.codec import envelope_from_message
from hub.transport.message import Delivery
from hub.workers import DeadLetterQueues
from tests.integration.resilience.faulty_system import AUDIT_KEY_ENV, FaultPlan, FaultySystem, running_system
from tests.integration.resilience.traffic import (
    BOSS,
    DSMP,
    PATIENT_CALLER_TIMEOUT,
    Traffic,
    dispatch,
    notify_request,
    push,
    sms_log_purpose,
    sms_log_query,
    sync_request,
    systems_saw,
    tier_query,
)

REPO = Path(__file__).resolve().parents[3]
N = 8  # messages of every flow
SETTLE = 45.0  # seconds before a missing effect fails the test (never asserted on)
PLAN = FaultPlan()
LATE_SYNC = PLAN.read_timeout + 2.0  # the first SyncHLR's answer: after the hub's read timeout (set below)
REFUSED_PUSHES = 2  # OA refuses the first two PushTodo calls with 400: permanent, dead-lettered, then replayed
NOTICES = ({"title": "Futian: base station SZ-FT-0412 out of service", "areas": ["0755"], "services": ["VOICE"],
            "wording": "A base station fault affects calls around the Civic Center."},
           {"title": "Tianhe: fibre cut on the ring", "areas": ["020"], "services": ["DATA"],
            "wording": "Data service is degraded in Tianhe while the fibre is spliced."})
CONSUMERS = ("boss", "crm", "nsp", "dsmp", "oa", "bulletin")
REPLY_ANSWER = (REPO / "schemas" / "examples" / "nsp" / "responses" / "NetworkComplaintReplyResponse.xml").read_bytes()


class WorkflowSink:
    """The workflow's queue, left to the test: each message counted once per (command type, MessageId), and NSP's
    reply (a request: NSP waits for the workflow's verdict) answered as the workflow answers one it took."""

    def __init__(self, hub: FaultySystem) -> None:
        self.broker = hub.broker
        self.seen: set[tuple[str, str]] = set()
        self.lock = threading.Lock()
        self.consumer = hub.broker.consume(hub.broker.config.queue("workflow"), self.take)

    def take(self, delivery: Delivery) -> None:
        envelope = envelope_from_message(delivery.message)
        with self.lock:
            self.seen.add((envelope.command_type, envelope.message_id))
        if delivery.message.reply_to:
            self.broker.reply(delivery.message, REPLY_ANSWER).result(10)
        delivery.ack()

    def counts(self) -> Counter[str]:
        with self.lock:
            return Counter(command_type for command_type, _ in self.seen)

    def close(self) -> None:
        self.consumer.close()


def late_sync(boss: Any) -> Any:
    """BOSS's journal entry of the SyncHLR the test's targeted latency (``LATE_SYNC``) delayed, or None yet."""
    return next((entry for entry in boss.app.journal.snapshot() if entry.operation == "SyncHLR"
                 and any(f["kind"] == "latency" and f["delay"] >= LATE_SYNC for f in entry.faults)), None)


def settle(predicate: Any, what: str, timeout: float = SETTLE) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def replay_dead_letters(hub: FaultySystem, broker_url: str, tmp_path: Path) -> str:
    """``onepoint dlq replay --all`` as a process on RabbitMQ (its own connection, the same settings); on
    ``memory://`` the broker lives in this process, so the same ``DeadLetterQueues.replay`` runs here."""
    if broker_url == "memory://":
        report = DeadLetterQueues(hub.broker).replay()
        return f"{len(report.replayed)} replayed, {len(report.failed)} failed"
    tiers = ", ".join(f'"{t.name}"' for t in hub.settings.delay_tiers)
    config = tmp_path / "dlq.toml"
    config.write_text(f'[broker]\nurl = "{broker_url}"\nprefix = "{hub.settings.topology_prefix}"\n'
                      f"delay_tiers = [{tiers}]\n")
    onepoint = Path(sys.executable).with_name("onepoint")
    done = subprocess.run([str(onepoint), "dlq", "replay", "--all", "--config", str(config)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    return done.stderr.strip().splitlines()[-1]


def test_every_flow_completes_once_through_faults_and_an_outage(broker_url: str, tmp_path: Path,
                                                                 emulator_factory: Any,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUDIT_KEY_ENV, "resilience-audit-key-0123456789abcdefghij")
    monkeypatch.chdir(tmp_path)  # the workers' processed stores (sqlite:///onepoint-<consumer>.sqlite3 on amqp)
    # the adapters' resilience: the workflow's queue is the sink of NSP's replies and the notices here, counted
    # below (the engine's own flows have their tests in tests/integration/workflow)
    with running_system(broker_url, tmp_path, emulator_factory, PLAN, left_to_others=("workflow",)) as hub:
        sink = WorkflowSink(hub)
        boss, crm, nsp, dsmp, oa = (hub.emulators[n] for n in ("boss", "crm", "nsp", "dsmp", "oa"))
        window = dsmp.state()["window"]
        sms_log_purpose(hub.settings.workflow.database, window)  # the work order the SMS-log queries name
        subscribers = boss.app.boss_state.population.subscribers[:N]
        drifted = boss.app.boss_state.drifted()[:N]
        drift = {m: {c.field for c in boss.app.boss_state.differences(m)} for m in drifted}
        population = crm.app.crm_state.population
        manager = next(m.id for m in population.account_managers if population.customers_of(m.id))
        customers = [s.msisdn for s in population.customers_of(manager)]
        crm_broadcast = any(h.command_type == "nsp.OutageNotice" for h in crm_adapter.handlers.for_consumer("crm"))
        hub.inject(PLAN, extra={
            "oa": [{"kind": "error", "operation": "PushTodo", "status": 400, "times": REFUSED_PUSHES,
                    "message": "refused: OA is being migrated"}],
            # BOSS repairs the first HLR but answers after the read timeout: the hub repeats the sync (2 s past
            # it: a loaded machine may leave the hub's thread unscheduled for a while)
            "boss": [{"kind": "latency", "operation": "SyncHLR", "distribution": "fixed",
                      "seconds": LATE_SYNC, "times": 1}]})
        started = time.monotonic()
        traffic = Traffic(hub.broker)
        notices = []
        for spec in NOTICES:  # NSP raises them: its call-back brings each through the ingress, then broadcast
            raised = nsp.http.post("/nsp/outages", json=spec)
            assert raised.status_code == 201, raised.text
            notices.append(raised.json())
        for i in range(N):
            if i == N // 2:  # the second half goes in while every system is down
                time.sleep(max(0.0, PLAN.outage_in + 0.5 - (time.monotonic() - started)))
            traffic.ask("boss", "boss.QueryCustomerTier", tier_query(subscribers[i].msisdn), subscribers[i].msisdn)
            traffic.ask("boss", "boss.SyncHLR", sync_request(drifted[i]), drifted[i], PATIENT_CALLER_TIMEOUT)
            traffic.ask("dsmp", "dsmp.QuerySmsLog", sms_log_query(window), f"query {i}")
            traffic.publish("crm", "crm.NotifyAccountManager", notify_request(manager, customers[i % len(customers)]))
            traffic.publish("nsp", "nsp.NetworkComplaintDispatch", dispatch())
            traffic.publish("oa", "oa.PushTodo", push("PushTodo", f"todo-rs-{traffic.run}-{i:03d}"))
            traffic.publish("oa", "oa.PushToRead", push("PushToRead", f"toread-rs-{traffic.run}-{i:03d}"))
        for requests in traffic.requests.values():
            for request in requests:
                request.resolve()

        dlq = DeadLetterQueues(hub.broker)
        todos = traffic.ids("oa.PushTodo")
        settle(lambda: all(hub.outcome("oa", m) for m in todos if m not in {d.message_id for d in dlq.browse("oa")}),
               "every to-do in OA or in OA's DLQ")
        dead = {letter.message_id: letter for letter in dlq.browse("oa")}
        refusals = [entry for entry in oa.app.journal.snapshot() if entry.operation == "PushTodo"
                    and any(f["kind"] == "error" and f["status"] == 400 for f in entry.faults)]
        assert len(refusals) == REFUSED_PUSHES  # OA refused two pushes
        # OA's refusals are the dead letters; a refusal that came after the read timeout (the emulator's latency
        # applies to it too; on a loaded machine both can be late) was a lost answer, retried and pushed
        assert len(dead) <= REFUSED_PUSHES and set(dead) <= set(todos)
        assert all(letter.kind == "permanent" and "(400)" in letter.reason for letter in dead.values()), [
            d.reason for d in dead.values()]
        assert sum(dlq.counts().values()) == len(dead)  # nothing else was dead-lettered
        waited = {c: hub.system.metrics.value("onepoint_messages_consumed_total", consumer=c, outcome="waiting")
                  for c in CONSUMERS}
        replayed = replay_dead_letters(hub, broker_url, tmp_path)  # the cause (OA's migration) is over
        assert replayed.startswith(f"{len(dead)} replayed, 0 failed"), replayed

        expected_workflow = N + len(notices)  # NSP's reply per ticket, and the broadcast's copy of each notice
        managers = hub.settings.adapter("oa").options["area_managers"]  # area → OA users told of its outages
        to_read = [f"toread-{n['notice_id']}-{user}" for n in notices for a in n["areas"]
                   for user in managers[a["area_code"]]]

        def all_effected() -> bool:
            done = all(hub.outcome(consumer, m) for consumer, kinds in (
                ("boss", ("boss.QueryCustomerTier", "boss.SyncHLR")), ("dsmp", ("dsmp.QuerySmsLog",)),
                ("crm", ("crm.NotifyAccountManager",)), ("nsp", ("nsp.NetworkComplaintDispatch",)),
                ("oa", ("oa.PushTodo", "oa.PushToRead"))) for kind in kinds for m in traffic.ids(kind))
            in_oa = {i["item_id"] for i in oa.state()["items"]}
            return done and all(item in in_oa for item in to_read)

        settle(all_effected, "every message's effect")
        # the sync BOSS answered late is journalled when its answer is written, after the repeat may have been
        # answered: on a loaded machine it can land after every effect above. The targeted latency falls on the
        # first SyncHLR BOSS gets, which one of the plan's own faults (503, reset, the outage window a slow start
        # reaches) may fail as well: then BOSS did not act and nothing is repeated for it
        settle(lambda: late_sync(boss) is not None, "BOSS's journal entry of the sync the targeted latency delayed")
        late_sync_acted = late_sync(boss).status == 200  # type: ignore[union-attr]
        if late_sync_acted:
            settle(lambda: any(n > 1 for n in systems_saw(boss, "SyncHLR").values()),
                   "BOSS's journal entry of the sync it answered after the read timeout")
        settle(lambda: sum(sink.counts().values()) >= expected_workflow,
               "NSP's replies and the notices in the workflow queue")
        elapsed = time.monotonic() - started
        sink.close()
        workflow = sink.counts()
        dead_after = dlq.counts()
        nsp_state, oa_state, dsmp_state = nsp.state(), oa.state(), dsmp.state()
        tier_outcomes = {r.key: hub.outcome("boss", r.envelope.message_id)
                         for r in traffic.requests["boss.QueryCustomerTier"]}
        def sms_log_calls() -> int:
            return len(dsmp.journal(operation="QuerySmsLog"))

        def calls_audited(log: AuditLog) -> int:  # result rows of attempts that asked DSMP (not held back)
            return sum(1 for r in log.last(10_000) if r.as_dict()["outcome"] != "pending"
                       and not str(r.as_dict()["reason"]).startswith(NOT_ASKED))

        with AuditLog.open(hub.settings.audit, create=False) as log:
            # every failed row is a call DSMP got and the hub lost (a late call's entry lands when it ends)
            settle(lambda: calls_audited(log) == sms_log_calls(), "a row for every call DSMP got")
            assert log.verify().intact
            rows = [r.as_dict() for r in log.last(10_000)]
        # the workers count a message once its record is committed, after its effect: on a loaded machine the
        # last count (a CRM outage notice, say) can land after the effects above were seen
        outage_messages = len(notices) * (2 if crm_broadcast else 0)  # the broadcast copy and its NotifyAreaOutage
        expected = {"boss": 2 * N, "crm": N + outage_messages, "nsp": N, "dsmp": N,
                    "oa": 2 * N + len(notices) + len(to_read), "bulletin": len(notices)}

        def counted() -> dict[str, float]:
            return {c: hub.system.metrics.value("onepoint_messages_consumed_total", consumer=c, outcome="processed")
                    for c in CONSUMERS}

        settle(lambda: all(counted()[c] >= n for c, n in expected.items()), "every processed message counted")
        processed = counted()
        duplicates = {c: hub.system.metrics.value("onepoint_messages_consumed_total", consumer=c, outcome="duplicate")
                      for c in CONSUMERS}

    # -- messages in, effects out -----------------------------------------------------------------------
    tickets = Counter(t["message_id"] for t in nsp_state["tickets"])
    assert tickets == Counter(traffic.ids("nsp.NetworkComplaintDispatch"))  # one ticket per dispatch
    assert workflow["nsp.NetworkComplaintReply"] == N and workflow["nsp.OutageNotice"] == len(notices)

    notices_at_crm = Counter(n.message_id for n in crm.app.crm_state.notices())
    assert notices_at_crm == Counter(traffic.ids("crm.NotifyAccountManager"))  # one CRM notice per command

    items = Counter(i["message_id"] for i in oa_state["items"])
    pushed = traffic.ids("oa.PushTodo") + traffic.ids("oa.PushToRead")
    assert all(items[m] == 1 for m in pushed) and len(items) == len(pushed) + len(to_read)  # + one per manager
    assert Counter(i["item_id"] for i in oa_state["items"]).most_common(1)[0][1] == 1

    state = boss.app.boss_state
    assert all(state.differences(m) == [] for m in drifted)  # every HLR repaired, whatever the caller heard
    answered = {r.key: r.answer for r in traffic.requests["boss.QueryCustomerTier"] if r.answer is not None}
    tiers = {s.msisdn: s.effective_tier for s in subscribers}
    assert all(a.findtext(f"{{{BOSS}}}EffectiveTier") == tiers[k] for k, a in answered.items())
    assert tier_outcomes == {m: f"tier {t}" for m, t in tiers.items()}  # answered or not, each looked up once
    empty_diffs = sum(1 for r in traffic.requests["boss.SyncHLR"]
                      if r.answer is not None and r.answer.findtext(f"{{{BOSS}}}Changed") == "false")
    synced_twice = {m for m, n in systems_saw(boss, "SyncHLR").items() if n > 1}
    assert synced_twice or not late_sync_acted  # the late one at least, if BOSS answered it (after the timeout)
    for request in traffic.requests["boss.SyncHLR"]:
        if request.answer is None:
            continue
        diff = {c.findtext(f"{{{BOSS}}}Field") for c in request.answer.iterfind(f"{{{BOSS}}}Change")}
        if request.answer.findtext(f"{{{BOSS}}}Changed") == "true":
            assert diff == drift[request.key]  # the whole repair, as BOSS did it
        else:  # not idempotent at BOSS: only a repeat, after the lost call repaired the HLR, finds nothing
            assert not diff and request.envelope.message_id in synced_twice
    assert boss.state()["hlr_fields_changed"] == sum(len(fields) for fields in drift.values())  # none twice

    queries = traffic.ids("dsmp.QuerySmsLog")
    allowed = Counter(r["message_id"] for r in rows if r["outcome"] == "allowed")
    assert allowed == Counter(queries)  # exactly one allowed row per query
    assert {r["message_id"] for r in rows} <= set(queries)
    returned = {r["message_id"]: r["rows_returned"] for r in rows if r["outcome"] == "allowed"}
    for request in traffic.requests["dsmp.QuerySmsLog"]:  # the row counts what the caller got
        if request.answer is not None:
            assert len(request.answer.findall(f"{{{DSMP}}}Record")) == returned[request.envelope.message_id]
    # DSMP's own trail: every query answered there at least once; twice when the hub lost the first answer (a
    # read timeout): records that left DSMP but not the hub, the hub's row is for what it returned
    answered_at_dsmp = Counter(e["message_id"] for e in dsmp_state["audit"] if e["outcome"] == "answered")
    assert set(answered_at_dsmp) == set(queries)

    board = BulletinBoard(hub.settings.bulletin.path)
    try:
        on_bulletin = {e.notice.notice_id for e in board.entries("agent-1")}
        applied = board.applied()
    finally:
        board.close()
    assert on_bulletin == {n["notice_id"] for n in notices} and applied == len(notices)
    if crm_broadcast:
        told = Counter(o.outage_notice_id for o in crm.app.crm_state.area_outages())
        assert told == Counter(n["notice_id"] for n in notices)

    # nothing done twice by the hub: each message processed once (repeats the workers saw were acked unrun)
    assert processed == expected, processed  # none counted twice, however long it was waited for
    assert dead_after == dict.fromkeys(dead_after, 0)  # the DLQs are empty after recovery and the replay
    assert any(waited.values()), waited  # some queue waited behind an open circuit (no attempt burnt)

    # -- the figures (pytest -s) ------------------------------------------------------------------------
    wasted = sum(r.timed_out for rs in traffic.requests.values() for r in rs)
    repeats = {name: sum(n - 1 for n in systems_saw(handle, op).values() if n > 1)
               for name, handle, op in (("crm", crm, "NotifyAccountManager"), ("nsp", nsp, "NetworkComplaintDispatch"),
                                        ("oa", oa, "PushTodo"), ("boss", boss, "SyncHLR"))}
    figures = {
        "run seconds": round(elapsed, 1), "messages in": traffic.messages_in, "outage notices raised": len(notices),
        "NSP tickets": sum(tickets.values()), "NSP replies to the workflow": workflow["nsp.NetworkComplaintReply"],
        "CRM notices": sum(notices_at_crm.values()), "OA items": sum(items.values()), "HLRs repaired": len(drifted),
        "allowed audit rows": sum(allowed.values()),
        "failed audit rows (calls lost)": sum(1 for r in rows if r["outcome"] == "failed"),
        "pending audit rows (DSMP about to be asked)": sum(1 for r in rows if r["outcome"] == "pending"),
        "queries DSMP answered twice (answer lost)": sum(1 for n in answered_at_dsmp.values() if n > 1),
        "answers wasted (caller timed out)": wasted, "SyncHLR empty diffs": empty_diffs,
        "repeats absorbed by the systems": repeats, "waiting behind open circuits": waited,
        "processed": processed, "duplicates acked unrun": duplicates, "dead-lettered then replayed": len(dead),
        "DLQ after": dead_after,
    }
    print(f"\n[{broker_url.split(':')[0]}]", *(f"  {name}: {value}" for name, value in figures.items()), sep="\n")
