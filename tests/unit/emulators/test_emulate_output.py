"""``onepoint emulate --log-format json``: standard error is the log alone, one JSON object per line for a collector;
the lines for a person (``<name> <url>``, ``stopped``) go to standard output, and an emulator ``--skip-missing``
skips is a WARNING of the log (audit of on-call views, repro_2: they were plain lines on standard error)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

import emulators.toolkit
from emulators.catalog import EMULATORS, EmulatorUnavailable, resolve_emulator
from hub.cli import emulate as emulate_command
from hub.cli.emulate import emulate

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def root_logging() -> Iterator[None]:
    """The command configures the root logger on the runner's stream: put it back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def started_and_stopped(apps: Iterable[tuple[Any, int]], *, host: str,
                        on_started: Callable[[list[Any]], None]) -> None:
    """``serve_all`` without sockets: every app 'started' at once, then stopped (as by SIGTERM)."""
    servers = [SimpleNamespace(name=app.name, url=f"http://{host}:{9000 + n}") for n, (app, _) in enumerate(apps)]
    on_started(servers)


def test_in_json_mode_standard_error_holds_only_json_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    def resolve(name: str) -> Callable[..., Any]:
        if name == "ghost":
            raise EmulatorUnavailable("cannot import 'emulators.ghost'")
        return resolve_emulator(name)

    monkeypatch.setattr(emulate_command, "_catalog",
                        lambda: ({"oa": EMULATORS["oa"], "ghost": "emulators.ghost:create_emulator"}, resolve,
                                 EmulatorUnavailable))
    monkeypatch.setattr(emulators.toolkit, "serve_all", started_and_stopped)
    result = CliRunner().invoke(emulate, ["all", "--base-port", "0", "--skip-missing", "--log-format", "json"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["oa http://127.0.0.1:9000", "stopped"]
    records = [json.loads(line) for line in result.stderr.splitlines()]  # every line one JSON object
    skipped = [record for record in records if record.get("emulator") == "ghost"]
    assert len(skipped) == 1 and skipped[0]["level"] == "warning", records
    assert "cannot import 'emulators.ghost'" in skipped[0]["reason"]
