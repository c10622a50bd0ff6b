"""Refusals: every failure of the acceptance path mapped once, for both ingresses."""

from __future__ import annotations

import logging

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.ingress.outcomes import QuietLog, refusal_for
from hub.ingress.replies import BadReply, ReplyRefusal
from hub.routing.router import MessageIdReused
from hub.routing.table import NoRouteError
from hub.security.callers import AuthenticationFailed, NotAuthorized
from hub.security.throttle import SignInThrottled
from hub.soap.fault import refusal_fault
from hub.transport.errors import PublishTimeoutError, RequestTimeoutError
from hub.validation.violations import DocumentRefused, RefusalKind, Violation

pytestmark = pytest.mark.unit

C = "urn:onepoint:common:1"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def backend_error(code: str = "unknown-customer") -> etree._Element:
    error = etree.Element(f"{{{C}}}Error", nsmap={"c": C})
    etree.SubElement(error, f"{{{C}}}Code").text = code
    etree.SubElement(error, f"{{{C}}}Message").text = "no such MSISDN"
    return error


@pytest.mark.parametrize(
    ("exc", "status", "code", "retry_after"),
    [
        (DocumentRefused(RefusalKind.INVALID, [Violation(3, "/a", "bad")]), 400, "invalid", None),
        (DocumentRefused.single(RefusalKind.TOO_LARGE, "over"), 413, "too-large", None),
        (DocumentRefused.single(RefusalKind.MALFORMED, "not xml"), 400, "malformed", None),
        (AuthenticationFailed("wrong password"), 401, "unauthenticated", None),
        (SignInThrottled(19.2), 429, "throttled", 20),
        (NotAuthorized("may not send boss.SyncHLR"), 403, "forbidden", None),
        (ReplyRefusal(backend_error()), 422, "unknown-customer", None),
        (ReplyRefusal(backend_error("dead-lettered")), 502, "dead-lettered", None),
        (ReplyRefusal(backend_error("message-id-reused")), 409, "message-id-reused", None),
        (MessageIdReused(Envelope("m-1", "oa.CompleteTodo", "OA", b"<x/>")), 409, "message-id-reused", None),
        (BadReply("not a response"), 502, "bad-reply", None),
        (NoRouteError("no route takes x"), 500, "no-route", None),
        (RequestTimeoutError("5 s"), 504, "timeout", None),
        (ConnectionError("the broker is unreachable"), 503, "unavailable", 5),
        (PublishTimeoutError("not confirmed"), 503, "unavailable", 5),
        (RuntimeError("a bug"), 503, "unavailable", 5),
    ],
)
def test_each_failure_has_one_refusal(exc, status, code, retry_after):
    refusal = refusal_for(exc, system="boss", outages=QuietLog("outage", clock=Clock()),
                          throttled=QuietLog("throttled", clock=Clock()))
    assert (refusal.status, refusal.code, refusal.retry_after) == (status, code, retry_after)
    assert refusal.headers == ({} if retry_after is None else {"Retry-After": str(retry_after)})


def test_a_schema_refusal_lists_every_violation():
    violations = [Violation(3, "/a", "bad"), Violation(4, "/b", "worse")]
    refusal = refusal_for(DocumentRefused(RefusalKind.INVALID, violations), system="workorder")
    assert refusal.violations == tuple(violations)
    assert refusal.message == "the document is not valid against its schema: line 3: /a: bad; line 4: /b: worse"


def test_a_schema_refusal_names_its_first_violations_and_how_many_more():
    """Most SOAP toolkits show only the faultstring (JAX-WS getMessage, WCF FaultException.Message, suds)."""
    violations = [Violation(n, f"/c:Header/c:F{n}", f"reason {n}") for n in range(1, 6)]
    refusal = refusal_for(DocumentRefused(RefusalKind.INVALID, violations), system="boss")
    assert refusal.message == ("the document is not valid against its schema: line 1: /c:Header/c:F1: reason 1; "
                               "line 2: /c:Header/c:F2: reason 2; line 3: /c:Header/c:F3: reason 3 "
                               "(+2 more, see detail)")
    assert refusal.violations == tuple(violations)  # the detail keeps them all


def test_a_hostile_schema_refusal_has_a_bounded_message():
    violations = [Violation(n, "/x" * 5000, "v" * 100_000) for n in range(1, 5001)]
    refusal = refusal_for(DocumentRefused(RefusalKind.INVALID, violations), system="boss")
    assert len(refusal.message) <= 1000
    assert refusal.message.startswith("the document is not valid against its schema: line 1: …/x/x")
    assert refusal.message.endswith("(+4997 more, see detail)")


def test_a_backend_refusal_is_passed_on_as_it_is():
    refusal = refusal_for(ReplyRefusal(backend_error()), system="boss")
    assert refusal.document is not None
    assert etree.fromstring(refusal.document).findtext(f"{{{C}}}Message") == "no such MSISDN"
    assert refusal.message == "no such MSISDN"


@pytest.mark.parametrize("exc", [ConnectionError("the broker is unreachable"), SignInThrottled(3)])
def test_a_flood_of_refusals_is_one_warning_line_without_traceback(caplog, exc):
    clock = Clock()
    quiet = {"outages": QuietLog("outage", interval=10, clock=clock),
             "throttled": QuietLog("throttled", interval=10, clock=clock)}
    with caplog.at_level(logging.WARNING, logger="onepoint.ingress"):
        for _ in range(50):
            refusal_for(exc, system="workorder", **quiet)
        clock.now = 10.5
        refusal_for(exc, system="workorder", **quiet)
    lines = [r for r in caplog.records if r.name == "onepoint.ingress"]
    assert [r.levelno for r in lines] == [logging.WARNING, logging.WARNING]
    assert all(r.exc_info is None for r in lines)
    assert lines[1].since_last_line == 49


def test_an_unexpected_error_keeps_its_traceback(caplog):
    with caplog.at_level(logging.ERROR, logger="onepoint.ingress"):
        try:
            raise RuntimeError("a bug")
        except RuntimeError as exc:
            refusal_for(exc, system="workorder")
    assert caplog.records[-1].exc_info is not None


def test_a_timeout_says_the_request_may_still_be_carried_out_and_how_to_get_its_answer():
    refusal = refusal_for(RequestTimeoutError("15 s"), system="workorder")
    assert refusal.status == 504
    assert "may still be carried out" in refusal.message and "same MessageId" in refusal.message


def test_an_unexpected_error_does_not_claim_that_nothing_was_accepted():
    refusal = refusal_for(RuntimeError("a bug"), system="workorder")
    assert "nothing was accepted" not in refusal.message and "same MessageId" in refusal.message


def test_a_nonce_store_out_of_reach_refuses_the_call_saying_nothing_was_accepted(tmp_path) -> None:
    """A shared nonce store's database down: the signed call is refused at sign-in, so nothing was accepted; it got
    the generic 503 "may or may not have been accepted" with a traceback in the log (an audit of an operator's
    switch to several hubs)."""
    import shutil

    import sqlalchemy as sa

    from hub.security.nonces import NonceStoreDown, SqlNonceStore

    folder = tmp_path / "shared"
    folder.mkdir()
    store = SqlNonceStore(sa.create_engine(f"sqlite:///{folder / 'nonces.db'}"), 300)
    assert store.check_and_add("cs-frontend", b"n1", 1_000.0)
    store.engine.dispose()
    shutil.rmtree(folder)  # the database out of reach
    with pytest.raises(NonceStoreDown) as down:
        store.check_and_add("cs-frontend", b"n2", 1_001.0)
    refusal = refusal_for(down.value, system="boss")
    assert (refusal.status, refusal.code, refusal.retry_after) == (503, "unavailable", 5)
    assert "[security] nonce_store" in refusal.message and "was not accepted" in refusal.message
    assert "may or may not" not in refusal.message


def test_the_emulators_schema_fault_says_the_same():
    violations = [Violation(n, f"/F{n}", f"reason {n}") for n in range(1, 5)]
    exc = DocumentRefused(RefusalKind.INVALID, violations)
    fault = refusal_fault(exc)
    assert fault.message == refusal_for(exc, system="boss").message
    assert fault.message.endswith("line 3: /F3: reason 3 (+1 more, see detail)")
    assert fault.violations == tuple(violations)
