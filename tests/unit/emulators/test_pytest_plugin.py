"""The pytest plugin: cheap import, registry, fixtures."""

from __future__ import annotations

import subprocess
import sys

import pytest

from emulators import pytest_plugin
from emulators.pytest_plugin import EmulatorUnavailable, register_emulator, resolve_emulator
from tests.unit.emulators.demo_apps import make_xml_emulator, ping

pytestmark = pytest.mark.unit

HEAVY = ("emulators.toolkit", "uvicorn", "lxml", "httpx", "spyne", "emulators.boss")


def test_plugin_import_is_cheap():
    code = (
        "import sys, emulators.pytest_plugin as p;"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r} or m in {HEAVY!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_plugin_is_loaded_through_its_entry_point(pytestconfig):
    assert pytestconfig.pluginmanager.get_plugin("onepoint_emulators") is pytest_plugin


@pytest.fixture
def registry():
    """The shared registry, emptied for the test and restored afterwards."""
    saved = dict(pytest_plugin.EMULATORS)
    pytest_plugin.EMULATORS.clear()
    yield pytest_plugin.EMULATORS
    pytest_plugin.EMULATORS.clear()
    pytest_plugin.EMULATORS.update(saved)


def test_registry_resolves_lazily_and_reports_missing_packages(registry):
    register_emulator("demo", "tests.unit.emulators.demo_apps:make_xml_emulator")
    register_emulator("ghost", "emulators.no_such_system:create_emulator")
    register_emulator("typo", "tests.unit.emulators.demo_apps:no_such_factory")
    assert resolve_emulator("demo") is make_xml_emulator
    with pytest.raises(EmulatorUnavailable, match=r"cannot import 'emulators\.no_such_system'"):
        resolve_emulator("ghost")
    with pytest.raises(EmulatorUnavailable, match="has no 'no_such_factory'"):
        resolve_emulator("typo")
    with pytest.raises(EmulatorUnavailable, match="no emulator registered as 'nsp'"):
        resolve_emulator("nsp")
    with pytest.raises(ValueError, match="already registered"):
        register_emulator("demo", make_xml_emulator)
    register_emulator("demo", make_xml_emulator, replace=True)
    assert resolve_emulator("demo") is make_xml_emulator


def test_factory_fixture_in_process(emulator_factory, registry):
    register_emulator("demo", make_xml_emulator)
    handle = emulator_factory("demo", in_process=True, seed=9)
    assert handle.http.post("/", content=ping()).status_code == 200
    handle.assert_called("Ping", times=1)
    assert handle.admin.health()["seed"] == 9
    with pytest.raises(TypeError):
        emulator_factory(make_xml_emulator(), seed=1)
