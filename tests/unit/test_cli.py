import pytest
from click.testing import CliRunner

from hub.cli.main import main

pytestmark = pytest.mark.unit


def test_validate_valid_files_exits_0(examples_dir):
    files = [str(p) for p in sorted((examples_dir / "workorder").glob("*.valid*.xml"))]
    result = CliRunner().invoke(main, ["validate", *files])
    assert result.exit_code == 0, result.output
    assert "valid workorder.CreateWorkOrder" in result.output


def test_validate_prints_file_line_path_reason_and_exits_1(tmp_path, examples_dir):
    valid = examples_dir / "workorder" / "CreateWorkOrder.valid.xml"
    bad = tmp_path / "bad.xml"
    bad.write_bytes(valid.read_bytes().replace(b"<wo:Channel>HOTLINE", b"<wo:Channel>FAX"))
    result = CliRunner().invoke(main, ["validate", str(valid), str(bad)])
    assert result.exit_code == 1
    line = next(ln for ln in result.output.splitlines() if ln.startswith(str(bad)))
    location, path, reason = line.split(": ", 2)
    file_, lineno = location.rsplit(":", 1)
    assert (file_, path) == (str(bad), "/wo:CreateWorkOrder/wo:Channel")
    assert "FAX" in bad.read_text().splitlines()[int(lineno) - 1]
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
