"""The README's examples, run as they are written."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[2] / "README.md"


def example(name: str) -> str:
    match = re.search(rf"<!-- readme-example: {name} -->\n```python\n(.*?)```", README.read_text(), re.S)
    assert match, f"README example {name!r} not found"
    return match.group(1)


def test_handler_example_runs(tmp_path):
    script = tmp_path / "handlers.py"
    script.write_text(example("handlers"))
    result = subprocess.run([sys.executable, "-W", "ignore", str(script)], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True"]


def test_pytest_plugin_example_runs_as_a_testers_test_file(tmp_path):
    test_file = tmp_path / "test_my_system.py"
    test_file.write_text(example("plugin"))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore", str(test_file)],
        capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout


def test_seeded_plugin_example_with_its_own_call_back_endpoint_runs_as_a_testers_test_file(tmp_path):
    test_file = tmp_path / "test_my_seeded_system.py"
    test_file.write_text(example("plugin-seeded"))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore", str(test_file)],
        capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout


def test_validate_example_output_format(examples_dir):
    documented = re.search(
        r"# (schemas/examples/workorder/CreateWorkOrder\.invalid-bad-channel\.xml:\d+: \S+): ", README.read_text()
    )
    assert documented
    result = CliRunner().invoke(
        main, ["validate", str(examples_dir / "workorder" / "CreateWorkOrder.invalid-bad-channel.xml")]
    )
    assert result.exit_code == 1
    location = documented.group(1).split(":", 1)[1]
    assert location in result.output
