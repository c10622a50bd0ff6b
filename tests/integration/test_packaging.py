"""The wheel carries the command sets and defaults, so an installed hub never reads the working directory."""

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from setuptools import find_namespace_packages

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_ships_schemas_examples_and_defaults(tmp_path):
    # sdist first, the wheel from it: a stale build/ folder of the tree never leaks into what is checked
    built = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    [wheel] = tmp_path.glob("onepoint_hub-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for xsd in ("common", "workorder", "boss", "crm", "nsp", "dsmp", "oa", "mail"):
        assert f"onepoint_schemas/{xsd}.xsd" in names
    assert "onepoint_schemas/examples/workorder/CreateWorkOrder.valid.xml" in names
    assert "onepoint_schemas/examples/boss/responses/QueryCustomerTierResponse.xml" in names
    assert not any(n.startswith("schemas/") for n in names), "a top-level `schemas` is shadowed by a tester's own"
    assert "hub/workflow/data/sla.toml" in names
    assert any(n.startswith("hub/workflow/store/migrations/versions/") for n in names)
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
    assert len(result.stdout.splitlines()) == 7  # boss, crm, dsmp, mail, nsp, oa, workorder


def test_the_listed_packages_are_every_folder_of_the_tree():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    assert setuptools["package-dir"] == {"onepoint_schemas": "schemas"}
    on_disk = set(find_namespace_packages(str(ROOT), include=["hub*", "adapters*", "emulators*"]))
    on_disk |= {"onepoint_schemas" + name.removeprefix("schemas")
                for name in find_namespace_packages(str(ROOT), include=["schemas*"])}
    assert set(setuptools["packages"]) == on_disk, "a package of the tree is not listed in pyproject.toml, or gone"


def test_the_command_sets_are_installed_as_onepoint_schemas():
    result = subprocess.run([sys.executable, "-c", "import importlib.resources as r, onepoint_schemas; "
                             "print((r.files('onepoint_schemas') / 'common.xsd').is_file())"],
                            capture_output=True, text=True, timeout=60, check=False, cwd=ROOT / "tests")
    assert result.stdout.strip() == "True", result.stderr
