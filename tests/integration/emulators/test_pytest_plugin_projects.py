"""The pytest plugin in an integration tester's own project: its folders, its warning policy, its fixtures mixed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]

BOSS_IS_UP = '''
def test_boss(boss_emulator):
    assert boss_emulator.admin.health()["status"] == "ok"
'''


def run_project(project: Path, *args: str) -> str:
    """A separate pytest run in ``project``, as a tester starts it; its output."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                         capture_output=True, text=True, cwd=project, env=env, timeout=240, check=False)
    return run.stdout + run.stderr


@pytest.mark.parametrize("layout", ["package", "folder"])
def test_a_project_with_its_own_schemas_folder_keeps_the_hubs_command_sets(tmp_path, layout):
    (tmp_path / "schemas").mkdir()
    if layout == "package":
        (tmp_path / "schemas" / "__init__.py").write_text("")
    (tmp_path / "schemas" / "mysystem.xsd").write_text('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>\n')
    (tmp_path / "test_mine.py").write_text(BOSS_IS_UP)
    out = run_project(tmp_path, "test_mine.py")
    assert "1 passed" in out, out


def test_a_project_turning_warnings_into_errors_runs_soap_then_xml_emulators(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\nfilterwarnings =\n    error\n")
    (tmp_path / "test_two.py").write_text(BOSS_IS_UP + textwrap.dedent('''
        def test_nsp(nsp_emulator):
            assert nsp_emulator.admin.health()["status"] == "ok"
    '''))
    out = run_project(tmp_path, "test_two.py")
    assert "2 passed" in out, out


def test_the_named_fixture_and_the_mapping_are_one_server_in_a_test(tmp_path):
    (tmp_path / "test_same.py").write_text(textwrap.dedent('''
        import pytest


        def test_fixture_then_mapping(boss_emulator, emulators):
            assert emulators["boss"] is boss_emulator
            boss_emulator.admin.state()
            boss_emulator.http.get("/?wsdl")
            assert emulators["boss"].admin.count() == boss_emulator.admin.count() == 1


        @pytest.fixture
        def boss_first(emulators):
            return emulators["boss"]


        def test_mapping_then_fixture(boss_first, boss_emulator):
            assert boss_first is boss_emulator


        def test_a_fresh_server_in_the_next_test(boss_emulator, emulators):
            assert emulators["boss"].admin.count() == 0
    '''))
    out = run_project(tmp_path, "test_same.py")
    assert "3 passed" in out, out
