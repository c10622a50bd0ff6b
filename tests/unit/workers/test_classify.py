"""The classification table: which failures are retried and which are dead-lettered at once."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from zeep.exceptions import Fault
from zeep.exceptions import TransportError as ZeepTransportError
from zeep.exceptions import ValidationError as ZeepValidationError

from hub.transport import PublishTimeoutError
from hub.validation.violations import DocumentRefused, RefusalKind
from hub.workers import BusinessRejection, Classifier, PermanentError, TransientError, UnknownCommandError, Verdict
from hub.workers.classify import describe

pytestmark = pytest.mark.unit

T, P = Verdict.TRANSIENT, Verdict.PERMANENT


def status_error(code: int) -> httpx.HTTPStatusError:
    request = httpx.Request("POST", "http://127.0.0.1/boss")
    return httpx.HTTPStatusError("bad status", request=request, response=httpx.Response(code, request=request))


class DriverError(Exception):
    """A driver's exception as psycopg raises it: its SQLSTATE in ``sqlstate``."""

    def __init__(self, message: str, sqlstate: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def database(wrapper: type[DataError | IntegrityError | OperationalError], message: str,
             sqlstate: str) -> Exception:
    return wrapper("INSERT INTO t (v) VALUES (%(v)s)", {"v": "x"}, DriverError(message, sqlstate))


def detail(text: str) -> etree._Element:
    element = etree.Element("detail")
    etree.SubElement(element, "hint").text = text
    return element


TABLE = [
    (TransientError("backend busy"), T),
    (TimeoutError("read timed out"), T),
    (ConnectionResetError("reset by peer"), T),
    (ConnectionRefusedError("refused"), T),
    (httpx.ConnectTimeout("connect timeout"), T),
    (httpx.ReadError("read error"), T),
    (status_error(502), T),
    (status_error(503), T),
    (status_error(504), T),
    (status_error(429), T),
    (status_error(500), P),
    (status_error(400), P),
    (status_error(404), P),
    (ZeepTransportError("gateway", status_code=503), T),
    (ZeepTransportError("bad request", status_code=400), P),
    (Fault("busy", code="soap11env:Server.Unavailable"), T),
    (Fault("busy", code="Server.Busy"), T),
    (Fault("later", code="soap:Server", detail=detail("retryable: yes")), T),
    (Fault("broken", code="soap11env:Server"), P),
    (Fault("bad input", code="soap11env:Client.SchemaValidationError"), P),
    (Fault("not yours", code="Client.NotAuthorized"), P),
    (PublishTimeoutError("no confirm"), T),
    (PermanentError("no such work order"), P),
    (BusinessRejection("subscriber suspended"), P),
    (UnknownCommandError("boss", "boss.Nope"), P),
    (DocumentRefused.single(RefusalKind.INVALID, "bad enum"), P),
    (ZeepValidationError("Missing element Msisdn"), P),
    (ValueError("not a date"), P),
    # a value the database refuses is refused again (hub.database.refused_values); the others are the default's
    (database(DataError, "value too long for type character varying(64)", "22001"), P),
    (database(DataError, "invalid input syntax for type integer", "22P02"), P),
    (DriverError("numeric field overflow", "22003"), P),  # the driver's own, unwrapped
    (database(OperationalError, "canceling statement due to lock timeout", "55P03"), T),
    (database(OperationalError, "deadlock detected", "40P01"), T),
    (database(IntegrityError, "duplicate key value violates unique constraint", "23505"), T),
    (KeyError("surprise"), T),  # unknown: the default (transient, bounded, then the DLQ)
]


@pytest.mark.parametrize(("exc", "verdict"), TABLE, ids=[f"{type(e).__name__}-{i}" for i, (e, _) in enumerate(TABLE)])
def test_classification_table(exc: BaseException, verdict: Verdict) -> None:
    assert Classifier().verdict(exc) is verdict


def test_plain_server_faults_can_be_made_retryable() -> None:
    assert Classifier(retry_server_faults=True).verdict(Fault("broken", code="soap11env:Server")) is T
    assert Classifier(retry_server_faults=True).verdict(Fault("bad", code="soap11env:Client")) is P


def test_default_and_extra_rules() -> None:
    assert Classifier(default=P).verdict(KeyError("x")) is P
    assert Classifier(default=P).verdict(TimeoutError()) is T  # the table still applies
    only_keyerrors = Classifier(extra=(lambda e: T if isinstance(e, KeyError) else None,), default=P)
    assert only_keyerrors.verdict(KeyError("x")) is T
    assert only_keyerrors.verdict(RuntimeError("x")) is P


def test_reason_names_the_error_and_masks_phone_numbers() -> None:
    found = Classifier()(BusinessRejection("subscriber 13800138000 is suspended"))
    assert not found.transient
    assert found.reason == "BusinessRejection: subscriber 138****8000 is suspended"
    assert "13800138000" not in describe(ValueError("msisdn 8613800138000"))
