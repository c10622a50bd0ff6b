"""A DSMP query (SMS log or SP figures) the ingress refuses itself (403 not allowed, 400 invalid, a SOAPAction of
another operation) still gets its ``denied`` audit row, written before the answer; an unauthenticated one (401)
gets none, nor does a command that is not audited. A row that cannot be written leaves the refusal answered and
an ERROR logged."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.audit import AuditLog
from hub.config.settings import HubSettings
from hub.ingress.app import create_app
from hub.routing.router import InMemoryRouter
from hub.validation import CommandSetRegistry
from tests.support.soap import envelope, security_header

pytestmark = pytest.mark.unit

XML = {"content-type": "application/xml"}
CS, NSP = {"authorization": "Bearer cs-dev-token"}, {"authorization": "Bearer nsp-dev-token"}


@pytest.fixture
def settings(dev_settings: HubSettings, tmp_path: Path) -> HubSettings:
    return replace(dev_settings, audit=replace(dev_settings.audit, path=tmp_path / "audit.db"))


def post(settings: HubSettings, registry: CommandSetRegistry, path: str, content: bytes,
         headers: dict[str, str]) -> httpx.Response:
    app = create_app(settings, router=InMemoryRouter(), registry=registry)

    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app.asgi, client=("192.0.2.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            return await client.post(path, content=content, headers=headers)

    try:
        return asyncio.run(run())
    finally:
        for hook in app.on_shutdown:
            hook()


def rows(settings: HubSettings) -> list[dict[str, object]]:
    if not settings.audit.path.exists():
        return []
    with AuditLog.open(settings.audit, create=False) as log:
        assert log.verify().intact
        return [record.as_dict() for record in log.last(100)]


def query(examples_dir: Path, name: str = "QuerySmsLog.valid.xml") -> bytes:
    return (examples_dir / "dsmp" / name).read_bytes()


def test_a_query_the_caller_may_not_send_is_audited_denied(settings: HubSettings, registry: CommandSetRegistry,
                                                             examples_dir: Path, caplog: Any) -> None:
    caplog.set_level(logging.WARNING)
    response = post(settings, registry, "/xml/dsmp", query(examples_dir), {**XML, **NSP})
    assert response.status_code == 403
    [row] = rows(settings)
    assert row | {"seq": 0, "at": ""} == {
        "seq": 0, "at": "", "operator": "net-bo-liqiang", "role": "network-backoffice",
        "client_address": "10.212.34.17", "msisdn_masked": "*******5566",
        "period_from": "2026-11-19T16:00:00.000000+00:00", "period_to": "2026-11-22T15:59:59.000000+00:00",
        "purpose": "WO20261123SMS00042: Customer says bank SMS codes from 95588 did not arrive "
                   "(approval SEC-2026-1123-009)",
        "rows_returned": 0, "outcome": "denied", "reason": "forbidden: system NSP may not send dsmp.QuerySmsLog",
        "message_id": "hub-6d5e4f3a2b1c0d9e", "caller": "nsp", "peer": "192.0.2.7"}
    assert "audited command refused at the ingress" in caplog.text
    assert "13501105566" not in caplog.text


def test_a_query_refused_by_its_schema_or_its_source_system_is_audited_denied(
        settings: HubSettings, registry: CommandSetRegistry, examples_dir: Path) -> None:
    invalid = post(settings, registry, "/xml/dsmp", query(examples_dir, "QuerySmsLog.invalid-missing-operator.xml"),
                   {**XML, **CS})
    assert invalid.status_code == 400
    as_hub = post(settings, registry, "/xml/dsmp", query(examples_dir), {**XML, **CS})  # SourceSystem HUB
    assert as_hub.status_code == 403
    first, second = rows(settings)
    assert (first["outcome"], first["caller"], first["operator"], first["role"]) == (
        "denied", "cs-frontend", "", "none")
    assert str(first["reason"]).startswith("invalid: ") and "OperatorAccount" in str(first["reason"])
    assert first["msisdn_masked"] == "*******5566" and first["period_from"] is not None
    assert (second["outcome"], second["reason"]) == (
        "denied", "forbidden: caller 'cs-frontend' is system CS and may not send as HUB")


def test_a_soap_query_refused_is_audited_denied(settings: HubSettings, registry: CommandSetRegistry,
                                                examples_dir: Path) -> None:
    body = query(examples_dir).replace(b"<c:SourceSystem>HUB", b"<c:SourceSystem>CS")
    wrong_action = envelope(body, security_header("cs-frontend", "cs-dev-password"))
    response = post(settings, registry, "/soap/dsmp", wrong_action,
                    {"content-type": "text/xml", "soapaction": '"QuerySpComplaintStats"'})
    assert response.status_code == 500 and b"SoapActionMismatch" in response.content
    not_allowed = envelope(body, security_header("nsp", "nsp-dev-password"))
    response = post(settings, registry, "/soap/dsmp", not_allowed,
                    {"content-type": "text/xml", "soapaction": '"QuerySmsLog"'})
    assert b"NotAuthorized" in response.content
    first, second = rows(settings)
    assert (first["caller"], first["peer"], first["outcome"]) == ("cs-frontend", "192.0.2.7", "denied")
    assert str(first["reason"]).startswith("soapaction-mismatch: ")
    assert (second["caller"], second["reason"]) == ("nsp", "forbidden: system NSP may not send dsmp.QuerySmsLog")


def test_an_unauthenticated_query_or_a_command_not_audited_writes_no_row(
        settings: HubSettings, registry: CommandSetRegistry, examples_dir: Path) -> None:
    unauthenticated = post(settings, registry, "/xml/dsmp", query(examples_dir),
                           {**XML, "authorization": "Bearer not-a-token"})
    assert unauthenticated.status_code == 401
    todo = (examples_dir / "oa" / "PushTodo.valid.xml").read_bytes()
    assert post(settings, registry, "/xml/oa", todo, {**XML, **CS}).status_code == 403
    assert rows(settings) == []


def test_a_query_of_the_sp_figures_refused_is_audited_denied_naming_the_figures(
        settings: HubSettings, registry: CommandSetRegistry, examples_dir: Path) -> None:
    stats = query(examples_dir, "QuerySpComplaintStats.valid.xml").replace(
        b"<dsmp:PageSize>", b"<dsmp:SpCode>901234</dsmp:SpCode><dsmp:PageSize>", 1)
    assert post(settings, registry, "/xml/dsmp", stats, {**XML, **NSP}).status_code == 403
    (row,) = rows(settings)
    assert (row["outcome"], row["caller"], row["peer"], row["msisdn_masked"]) == ("denied", "nsp", "192.0.2.7", "")
    assert row["purpose"] == "SP complaint figures of SP 901234"
    assert row["reason"] == "forbidden: system NSP may not send dsmp.QuerySpComplaintStats"


def test_a_refusal_is_answered_when_its_row_cannot_be_written(
        settings: HubSettings, registry: CommandSetRegistry, examples_dir: Path, caplog: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUDIT_KEY_MISSING", raising=False)
    keyless = replace(settings, audit=replace(settings.audit, development_key=False, key_env="AUDIT_KEY_MISSING"))
    caplog.set_level(logging.WARNING)
    response = post(keyless, registry, "/xml/dsmp", query(examples_dir), {**XML, **NSP})
    assert response.status_code == 403
    assert "SMS-log queries refused at the ingress cannot be audited" in caplog.text  # said at start
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and r.name == "onepoint.audit"]
    assert len(errors) == 1 and "NOT written" in errors[0].getMessage()
    assert not settings.audit.path.exists()
