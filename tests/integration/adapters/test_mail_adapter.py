"""The mail adapter's Worker against the mail emulator over SMTP on a free 127.0.0.1 port (memory:// and RabbitMQ):
a dispatch mail the server refuses for now (451) is sent again and arrives once; with no SMTP server at all the
dispatch is retried on the delay tiers and then dead-lettered, never lost, the mailbox masked in the reason; a
server that keeps closing the connection opens the circuit ``mail`` (the worker's ``/readyz`` names it, the mail
waits) and, once it takes mail again, the trial mail delivers the dispatch once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import httpx
import pytest
from lxml import etree

import adapters.mail as mail_adapter
from emulators.mail import create_emulator
from emulators.toolkit.runner import start_server
from hub.config.mail import MailSettings
from hub.config.settings import HubSettings
from hub.gateways import CircuitBreakers
from hub.observability.metrics import Metrics
from hub.store import ProcessedStore
from hub.system.worker_probes import WorkerProbes, serve_worker_probes
from hub.transport import Broker
from hub.workers import DeadLetterQueues, RetryPolicy, Worker
from hub.workflow.changes import FollowUp
from hub.workflow.mail_dispatch import mail_dispatch
from tests.integration.adapters.conftest import envelope, publish, wait_until
from tests.support.processed_keys import key_of

MAILBOX = "billing-desk@example.com"
ROW = {"id": "WO20261123ABCD1234", "priority": 2, "category_code": "05.01.01", "phenomenon": "Voice charges disputed",
       "msisdn": "13800138000", "contact_number": "13800138000", "description": "漫游费不对", "reply_due": None}


def _dispatch_mail() -> bytes:
    follow_up = FollowUp("mail-dispatch", ROW, {"department": "BILLING", "mailbox": MAILBOX, "dispatch": 1,
                                                "fields": {"bill_month": "2026-10"}, "template_fields": []})
    document = mail_dispatch(follow_up, datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    data: bytes = etree.tostring(document)
    return data


@pytest.fixture
def mail_server() -> Iterator[Any]:
    app = create_emulator()
    server = start_server(app, name="mail")
    app.http = httpx.Client(base_url=server.url, timeout=10.0)
    yield app
    app.http.close()
    server.stop()
    app.close()


@contextmanager
def mail_worker(broker: Broker, store: ProcessedStore, port: int, *, fail_max: int = 50,
                reset_seconds: float = 60.0) -> Iterator[tuple[CircuitBreakers, Metrics]]:
    """The mail worker; its circuit far away unless ``fail_max`` says otherwise (as the adapters' conftest's)."""
    settings = HubSettings(mail=MailSettings(smtp_port=port, smtp_timeout=2.0, breaker_fail_max=fail_max,
                                             breaker_reset_seconds=reset_seconds,
                                             offline=MappingProxyType({"BILLING": MAILBOX})))
    metrics = Metrics()
    breakers = CircuitBreakers(metrics)
    deps = mail_adapter.dependencies(settings, breakers=breakers, metrics=metrics)
    try:
        with Worker(broker, mail_adapter.CONSUMER, mail_adapter.handlers, store=store, dependencies=deps,
                    metrics=metrics, policy=RetryPolicy(initial=0.0)):
            yield breakers, metrics
    finally:
        mail_adapter.close(deps)


def test_a_mail_the_server_takes_only_later_is_sent_again_and_arrives_once(
        broker: Broker, store: ProcessedStore, mail_server: Any) -> None:
    added = mail_server.http.post("/__admin/faults", json={"kind": "error", "operation": "ReceiveMail", "times": 1})
    assert added.status_code in (200, 201), added.text
    sent = envelope(_dispatch_mail(), "mail.DispatchMail")
    with mail_worker(broker, store, mail_server.smtp.port):
        publish(broker, "mail", sent)
        wait_until(lambda: store.outcome(key_of("mail", sent)) is not None, "the dispatch mail sent")
    assert store.outcome(key_of("mail", sent)) == (
        "WO20261123ABCD1234 dispatch 1 e-mailed to BILLING (b***@example.com)")
    (received,) = mail_server.http.get("/mail/messages").json()["mails"]
    assert received["rcpt_to"] == [MAILBOX] and received["subject"].startswith("[WO#WO20261123ABCD1234]")
    statuses = [e["status"] for e in mail_server.http.get("/__admin/journal").json()["entries"]
                if e["operation"] == "ReceiveMail"]
    assert len(statuses) == 2 and statuses[0] >= 400 and statuses[1] == 200
    assert DeadLetterQueues(broker).count("mail") == 0


def test_with_the_smtp_server_down_the_dispatch_is_dead_lettered_not_lost(
        broker: Broker, store: ProcessedStore, mail_server: Any) -> None:
    port = mail_server.smtp.port
    mail_server.smtp.stop()  # nothing listens there any more: connection refused
    sent = envelope(_dispatch_mail(), "mail.DispatchMail")
    with mail_worker(broker, store, port):
        publish(broker, "mail", sent)
        dlq = DeadLetterQueues(broker)
        wait_until(lambda: dlq.count("mail") == 1, "the dead letter", timeout=30.0)
    (dead,) = dlq.browse("mail")
    assert dead.message_id == sent.message_id and dead.kind != "permanent"
    assert "b***@example.com" in dead.reason and MAILBOX not in dead.reason
    assert store.outcome(key_of("mail", sent)) is None


def test_a_mail_the_server_refuses_for_good_is_dead_lettered_at_once(
        broker: Broker, store: ProcessedStore, mail_server: Any) -> None:
    added = mail_server.http.post("/__admin/faults", json={"kind": "error", "operation": "ReceiveMail",
                                                           "status": 550})
    assert added.status_code in (200, 201), added.text
    sent = envelope(_dispatch_mail(), "mail.DispatchMail")
    with mail_worker(broker, store, mail_server.smtp.port):
        publish(broker, "mail", sent)
        dlq = DeadLetterQueues(broker)
        wait_until(lambda: dlq.count("mail") == 1, "the dead letter", timeout=30.0)
    (dead,) = dlq.browse("mail")
    assert dead.kind == "permanent" and "550" in dead.reason and MAILBOX not in dead.reason
    statuses = [e["status"] for e in mail_server.http.get("/__admin/journal").json()["entries"]
                if e["operation"] == "ReceiveMail"]
    assert statuses == [550]  # not retried


def test_a_server_that_keeps_closing_opens_the_circuit_and_the_trial_mail_delivers_once(
        broker: Broker, store: ProcessedStore, mail_server: Any) -> None:
    added = mail_server.http.post("/__admin/faults", json={"kind": "reset", "operation": "ReceiveMail"})
    assert added.status_code in (200, 201), added.text  # every mail answered 421: the server takes no mail now
    sent = envelope(_dispatch_mail(), "mail.DispatchMail")
    with mail_worker(broker, store, mail_server.smtp.port, fail_max=2, reset_seconds=1.0) as (breakers, metrics):
        probes = serve_worker_probes(0, metrics.registry, WorkerProbes("mail", lambda: True, breakers))
        try:
            publish(broker, "mail", sent)
            wait_until(lambda: breakers.open_systems() == ["mail"], "the circuit open")
            ready = httpx.get(f"http://127.0.0.1:{probes.port}/readyz", timeout=5.0).json()
            assert ready["open"] == ["mail"] and ready["status"] == "degraded", ready
            shown = httpx.get(f"http://127.0.0.1:{probes.port}/metrics", timeout=5.0).text
            assert 'onepoint_circuit_state{circuit="mail",system="mail"} 2.0' in shown
            assert store.outcome(key_of("mail", sent)) is None  # waiting, not dead-lettered
            assert mail_server.http.delete("/__admin/faults").status_code == 200  # the server takes mail again
            wait_until(lambda: store.outcome(key_of("mail", sent)) is not None, "the dispatch mail sent")
            ready = httpx.get(f"http://127.0.0.1:{probes.port}/readyz", timeout=5.0).json()
            assert ready["open"] == [] and ready["circuits"] == {"mail": "closed"}, ready
        finally:
            probes.shutdown()
    (received,) = mail_server.http.get("/mail/messages").json()["mails"]
    assert received["rcpt_to"] == [MAILBOX]
    statuses = [e["status"] for e in mail_server.http.get("/__admin/journal").json()["entries"]
                if e["operation"] == "ReceiveMail"]
    assert statuses.count(200) == 1 and len(statuses) >= 3, statuses  # 2 failures opened it, then one delivery
    assert DeadLetterQueues(broker).count("mail") == 0
