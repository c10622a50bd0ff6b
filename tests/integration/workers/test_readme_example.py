"""The README's "Writing a handler that answers and sends" example, run as it is written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[3] / "README.md"


def test_answering_and_sending_example_runs(tmp_path: Path) -> None:
    match = re.search(r"<!-- readme-example: answering -->\n```python\n(.*?)```", README.read_text(), re.S)
    assert match, "README example 'answering' not found"
    script = tmp_path / "answering.py"
    script.write_text(match.group(1))
    result = subprocess.run([sys.executable, "-W", "ignore", str(script)], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["True", "True", "nsp.NetworkComplaintDispatch ('nsp',)"]
