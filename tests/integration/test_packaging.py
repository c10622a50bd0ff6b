"""The wheel carries the command sets and defaults, so an installed hub never reads the working directory."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_ships_schemas_examples_and_defaults(tmp_path):
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    [wheel] = tmp_path.glob("onepoint_hub-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for xsd in ("common", "workorder", "boss", "crm", "nsp", "dsmp", "oa"):
        assert f"schemas/{xsd}.xsd" in names
    assert "schemas/examples/workorder/CreateWorkOrder.valid.xml" in names
    assert "schemas/examples/boss/responses/QueryCustomerTierResponse.xml" in names
    assert "hub/config/defaults.toml" in names
    assert "hub/routing/default_routes.toml" in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "onepoint = hub.cli.main:main" in text
    assert "onepoint_emulators = emulators.pytest_plugin" in text
    assert not any(n.startswith("tests/") for n in names)


def test_installed_command_sets_are_found_from_another_directory(tmp_path):
    result = subprocess.run([sys.executable, "-W", "ignore", "-m", "hub.cli.main", "schemas"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 6
