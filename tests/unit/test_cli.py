import asyncio

import httpx
import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.validation import CommandSetRegistry, DocumentRefused, DocumentValidator, RefusalKind

pytestmark = pytest.mark.unit


def test_validate_valid_files_exits_0(examples_dir):
    files = [str(p) for p in sorted((examples_dir / "workorder").glob("*.valid*.xml"))]
    result = CliRunner().invoke(main, ["validate", *files])
    assert result.exit_code == 0, result.output
    assert "valid workorder.CreateWorkOrder" in result.output


def test_validate_prints_file_line_path_reason_and_exits_1(tmp_path, examples_dir):
    valid = examples_dir / "workorder" / "CreateWorkOrder.valid.xml"
    bad = tmp_path / "bad.xml"
    bad.write_bytes(valid.read_bytes().replace(b"<wo:Channel>HOTLINE", b"<wo:Channel>PIGEON_POST"))
    result = CliRunner().invoke(main, ["validate", str(valid), str(bad)])
    assert result.exit_code == 1
    line = next(ln for ln in result.output.splitlines() if ln.startswith(str(bad)))
    location, path, reason = line.split(": ", 2)
    file_, lineno = location.rsplit(":", 1)
    assert (file_, path) == (str(bad), "/wo:CreateWorkOrder/wo:Channel")
    assert "PIGEON_POST" in bad.read_text().splitlines()[int(lineno) - 1]
    assert "HOTLINE" in reason


def test_validate_reports_hostile_and_missing_files(tmp_path):
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')
    result = CliRunner().invoke(main, ["validate", str(bomb), str(tmp_path / "missing.xml")])
    assert result.exit_code == 1
    assert "DOCTYPE is not allowed" in result.output
    assert "cannot read" in result.output


def test_schemas_lists_sets_from_any_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["schemas"])
    assert result.exit_code == 0
    assert "urn:onepoint:workorder:1" in result.output
    assert "QueryCustomerTier" in result.output


def test_hash_token():
    result = CliRunner().invoke(main, ["hash-token", "abc"])
    assert result.output.strip().startswith("sha256$")


def _responses(examples_dir):
    return sorted(examples_dir.glob("*/responses/*.xml"))


def test_validate_takes_every_response_example(examples_dir):
    files = _responses(examples_dir)
    assert {p.parent.parent.name for p in files} == {"boss", "crm", "dsmp", "mail", "nsp", "oa", "workorder"}
    result = CliRunner().invoke(main, ["validate", *map(str, files)])
    assert result.exit_code == 0, result.output
    assert "valid boss.QueryCustomerTierResponse" in result.output


def test_validate_takes_ack_and_error_and_refuses_a_bad_one(tmp_path):
    ack = tmp_path / "ack.xml"
    ack.write_text(
        '<c:Ack xmlns:c="urn:onepoint:common:1"><c:MessageId>cs-20261123-000001</c:MessageId>'
        "<c:Status>ACCEPTED</c:Status><c:ReceivedAt>2026-11-23T10:00:00+08:00</c:ReceivedAt></c:Ack>"
    )
    error = tmp_path / "error.xml"
    error.write_text(
        '<c:Error xmlns:c="urn:onepoint:common:1"><c:Code>invalid</c:Code><c:Message>no</c:Message>'
        "<c:Violation><c:Line>3</c:Line><c:Path>/a</c:Path><c:Reason>b</c:Reason></c:Violation></c:Error>"
    )
    bad_ack = tmp_path / "bad-ack.xml"
    bad_ack.write_text(ack.read_text().replace("ACCEPTED", "MAYBE"))
    result = CliRunner().invoke(main, ["validate", str(ack), str(error), str(bad_ack)])
    assert result.exit_code == 1
    assert "valid common.Ack" in result.output
    assert "valid common.Error" in result.output
    refusal = next(ln for ln in result.output.splitlines() if ln.startswith(f"{bad_ack}:"))
    assert "/c:Ack/c:Status" in refusal
    assert "ACCEPTED" in refusal  # the reason names the allowed values


def test_validate_refuses_an_invalid_response_with_its_violations(tmp_path, examples_dir):
    response = examples_dir / "boss" / "responses" / "QueryCustomerTierResponse.xml"
    bad = tmp_path / "bad.xml"
    bad.write_bytes(response.read_bytes().replace(b"<boss:Msisdn>", b"<boss:Msisdn>x", 1))
    assert bad.read_bytes() != response.read_bytes()
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 1
    line = next(ln for ln in result.output.splitlines() if ln.startswith(f"{bad}:"))
    assert "/boss:QueryCustomerTierResponse/" in line
    assert "boss:Msisdn" in line


def test_validate_refuses_an_element_that_is_no_document_of_its_set(tmp_path):
    stray = tmp_path / "stray.xml"
    stray.write_text('<boss:Msisdn xmlns:boss="urn:onepoint:boss:1">13800138000</boss:Msisdn>')
    result = CliRunner().invoke(main, ["validate", str(stray)])
    assert result.exit_code == 1
    assert "'Msisdn' is not a document of boss" in result.output


def test_the_ingress_validator_still_refuses_responses_and_acks(examples_dir):
    validator = DocumentValidator(CommandSetRegistry.installed())
    for path in _responses(examples_dir):
        with pytest.raises(DocumentRefused) as refused:
            validator.validate_bytes(path.read_bytes())
        assert refused.value.kind is RefusalKind.UNKNOWN_COMMAND, path
    ack = b'<c:Ack xmlns:c="urn:onepoint:common:1"><c:MessageId>m</c:MessageId></c:Ack>'
    with pytest.raises(DocumentRefused, match="unknown namespace"):
        validator.validate_bytes(ack)


def test_the_xml_ingress_still_refuses_a_response_posted_as_a_command(examples_dir):
    from hub import create_app, load_settings

    hub = create_app(load_settings())
    response_doc = (examples_dir / "boss" / "responses" / "QueryCustomerTierResponse.xml").read_bytes()

    headers = {"authorization": "Bearer cs-dev-token", "content-type": "application/xml"}

    async def post() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(hub.asgi), base_url="http://hub") as client:
            return await client.post("/xml/boss", content=response_doc, headers=headers)

    answer = asyncio.run(post())
    assert answer.status_code == 400
    assert "'QueryCustomerTierResponse' is not a command of boss" in answer.text



def test_a_command_runs_with_standard_error_closed() -> None:
    """Started with fd 2 closed (``2>&-``), Python's ``sys.stderr`` is None: enabling faulthandler raised
    RuntimeError and every command exited 1 saying nothing (review of 6fe09f4)."""
    import os
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "hub.cli.main", "schemas"], capture_output=False,
                            stdout=subprocess.PIPE, preexec_fn=lambda: os.close(2), timeout=60, check=False)
    assert result.returncode == 0 and b"workorder" in result.stdout, result
