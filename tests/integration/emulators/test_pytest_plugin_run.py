"""The pytest plugin as a project's tests use it: a separate pytest run with the installed entry point."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]

INNER_TESTS = '''
from emulators.pytest_plugin import emulator_fixture, register_emulator
from tests.unit.emulators.demo_apps import ping

register_emulator("demo", "tests.unit.emulators.demo_apps:make_xml_emulator")
register_emulator("ghost", "emulators.no_such_system:create_emulator")
demo_emulator = emulator_fixture("demo", seed=5)


def test_named_fixture(demo_emulator):
    assert demo_emulator.base_url.startswith("http://127.0.0.1:")
    assert demo_emulator.http.post("/", content=ping()).status_code == 200
    demo_emulator.assert_called("Ping", times=1)
    assert demo_emulator.admin.health()["seed"] == 5


def test_lazy_mapping(emulators):
    assert "demo" in emulators
    demo = emulators["demo"]
    assert emulators["demo"] is demo
    demo.http.post("/", content=ping())
    demo.assert_called("Ping", times=1)  # a fresh emulator for every test


def test_missing_emulator_package(emulators):
    emulators["ghost"]


def test_started_emulators_are_stopped(emulator_factory):
    from tests.unit.emulators.demo_apps import make_xml_emulator
    global LEFT
    LEFT = emulator_factory(make_xml_emulator()).server


def test_after():
    assert not LEFT.running
'''


def test_plugin_fixtures_in_a_separate_pytest_run(tmp_path):
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(INNER_TESTS))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning",
         "-W", "ignore::ImportWarning", str(tmp_path / "test_inner.py")],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=240,
    )
    out = run.stdout + run.stderr
    assert "1 failed, 4 passed" in out, out
    assert "FAILED test_inner.py::test_missing_emulator_package" in out
    assert "emulator 'ghost': cannot import 'emulators.no_such_system'" in out
