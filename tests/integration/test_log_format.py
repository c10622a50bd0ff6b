"""``--log-format`` on a real process: JSON lines when standard error is a pipe (the default ``auto``), readable
lines with ``text``; either way the emulator runs (``onepoint emulate boss`` on a free port, then SIGTERM)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration


def _first_log_line(*options: str, environment: dict[str, str] | None = None) -> str:
    process = subprocess.Popen(
        [sys.executable, "-W", "ignore", "-m", "hub.cli.main", "emulate", "boss", "--port", "0", *options],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **(environment or {})})
    try:
        assert process.stdout is not None and process.stdout.readline().startswith("boss http://127.0.0.1:")
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=30)
    assert process.returncode == 0, errors
    return errors.splitlines()[0]


def test_a_piped_stderr_gets_json_lines_and_text_is_chosen_by_option_or_environment() -> None:
    entry = json.loads(_first_log_line())
    assert entry["level"] == "info" and entry["event"]
    readable = re.compile(r"\d\d:\d\d:\d\d\.\d{3} INFO {4}\S+ +\S.*")  # piped: no colour codes
    assert readable.fullmatch(_first_log_line("--log-format", "text"))
    assert readable.fullmatch(_first_log_line(environment={"ONEPOINT_LOG_FORMAT": "text"}))
