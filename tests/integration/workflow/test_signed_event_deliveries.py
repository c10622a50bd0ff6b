"""Signed event deliveries through the running system, checked by the receiver code docs/event-listeners.md gives
("Signed deliveries": its Python block is read from the page and run here, as a listener would run it): a real
HTTP listener on a free 127.0.0.1 port, registered through the hub's XML ingress (CS), keeps the secret the answer
carries and verifies every POST with it, answering 401 to one that fails. Every event of a created work order
arrives signed and is accepted; the same POST with its body altered (a forged TroubleTicketCloseEvent), with another
secret, or replayed past the tolerance is refused."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from tests.integration.resilience.faulty_system import AUDIT_KEY_ENV, running_system
from tests.integration.workflow.test_complaint_end_to_end import (
    CALM,
    CATEGORY,
    HotlineAgent,
    broker_url,  # noqa: F401 - the fixture: memory:// and a private RabbitMQ
    seeded_emulators,
    settle,
    text,
    vip_with_account_manager,
)
from tests.support.http_receiver import serving

pytestmark = pytest.mark.integration

DOCS = Path(__file__).resolve().parents[3] / "docs" / "event-listeners.md"
Verify = Callable[..., bool]


def documented_verifier() -> Verify:
    """The ``verified`` function of the page's "Signed deliveries" section, run as the page gives it."""
    section = DOCS.read_text(encoding="utf-8").split("## Signed deliveries", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 1, "the section gives one Python block"
    namespace: dict[str, Any] = {}
    exec(compile(blocks[0], str(DOCS), "exec"), namespace)  # noqa: S102 - the documentation's own snippet
    verified = namespace["verified"]
    assert callable(verified) and namespace["TOLERANCE_SECONDS"] == 300
    return verified  # type: ignore[no-any-return]


@dataclass
class Receiver:
    """A listener that checks each POST with the documented function once it knows its secret."""

    verified: Verify
    secret: str | None = None
    accepted: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def receiving(verified: Verify) -> Iterator[tuple[str, Receiver]]:
    state = Receiver(verified)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with state.lock:
                good = state.secret is not None and state.verified(
                    state.secret, self.headers.get("X-OnePoint-Timestamp"),
                    self.headers.get("X-OnePoint-Signature"), body)
                if good:
                    state.accepted.append(({k.lower(): v for k, v in self.headers.items()}, body))
                else:
                    state.refused += 1
            self.send_response(204 if good else 401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    with serving(Handler, "signed-listener") as port:
        yield f"http://127.0.0.1:{port}/tmf621/events", state


def test_deliveries_pass_the_documented_check_and_a_tampered_body_does_not(
        broker_url: str, tmp_path: Path, emulator_factory: Any, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setenv(AUDIT_KEY_ENV, "workflow-listeners-audit-key-0123456789abcdef")
    monkeypatch.chdir(tmp_path)
    verified = documented_verifier()
    start_emulator = seeded_emulators(emulator_factory)
    vip = vip_with_account_manager()
    with receiving(verified) as (url, receiver), \
            running_system(broker_url, tmp_path, start_emulator, CALM) as hub, closing(HotlineAgent(hub)) as agent:
        registered = agent.answered(agent.document("RegisterListener.valid-no-filter.xml", Callback=url))
        secret = text(registered, "wo:SigningSecret")
        assert secret is not None and re.fullmatch(r"[A-Za-z0-9_\-]{43}", secret)
        with receiver.lock:
            receiver.secret = secret
        created = agent.answered(agent.document(
            "CreateWorkOrder.valid.xml", Msisdn=vip.msisdn, ContactNumber=vip.msisdn, CategoryCode=CATEGORY,
            **{"Area/c:AreaCode": vip.area_code, "Area/c:District": vip.district}))
        work_order_id = text(created, "wo:WorkOrderId")
        agent.dispatch(work_order_id)
        settle(lambda: len(receiver.accepted) >= 2, "two signed events accepted by the listener")
        listed = agent.answered(agent.document("QueryListeners.valid.xml"))
        assert text(listed, "wo:Listener/wo:ListenerId") == text(registered, "wo:ListenerId")
        assert secret not in etree.tostring(listed).decode()  # never shown again

        headers, body = receiver.accepted[0]
        event = json.loads(body)
        assert event["eventType"] == "TroubleTicketCreateEvent"
        assert event["event"]["troubleTicket"]["id"] == work_order_id and secret not in body.decode()
        assert receiver.refused == 0
        timestamp, signature = headers["x-onepoint-timestamp"], headers["x-onepoint-signature"]
        assert verified(secret, timestamp, signature, body)

        forged = dict(event, eventType="TroubleTicketCloseEvent")
        tampered = json.dumps(forged, ensure_ascii=False).encode()
        sent = {"Content-Type": "application/json", "X-OnePoint-Timestamp": timestamp,
                "X-OnePoint-Signature": signature, "X-Event-Id": event["eventId"]}
        assert httpx.post(url, content=tampered, headers=sent).status_code == 401  # the listener refuses it
        assert httpx.post(url, content=body, headers=sent).status_code == 204  # the very POST, as the hub sent it
        assert not verified(secret[:-1] + ("A" if secret[-1] != "A" else "B"), timestamp, signature, body)
        assert not verified(secret, timestamp, signature, body, now=int(timestamp) + 301)  # a replay, too late
        assert not verified(secret, None, signature, body) and not verified(secret, timestamp, None, body)


@pytest.mark.parametrize("timestamp", [b"\xb9\xb2\xb3".decode("latin-1"),  # superscript digits, as a server decodes
                                       "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660",  # Arabic-Indic
                                       "１７６４９００８００", "+1764900800", " 1764900800", "1" * 13, "1" * 5000])
def test_the_documented_check_refuses_a_timestamp_of_other_than_ascii_digits_without_raising(timestamp: str) -> None:
    """``str.isdigit`` takes digits ``int`` does not (a forged header made the listener answer 500): refused."""
    assert documented_verifier()("secret", timestamp, "sha256=00", b"{}", now=1764900800.0) is False


def test_the_documented_check_refuses_a_signature_of_other_than_ascii_without_raising() -> None:
    forged = "sha256=" + b"\xb9".decode("latin-1") * 64
    assert documented_verifier()("secret", "1764900800", forged, b"{}", now=1764900800.0) is False
