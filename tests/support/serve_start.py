"""``onepoint serve`` run until it would start its emulators: what it says at start (its warnings, its table) is
read without any server left running (``no_emulators``: the emulators' start refused)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import hub.system
from hub.cli.main import main

__all__ = ["refuse_emulators", "serve_until_emulators"]


def refuse_emulators(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``onepoint serve``'s emulators fail to start, so that it stops right after saying what it says at start."""
    def start_emulators(*_: object, **__: object) -> None:
        raise OSError("not in this test")

    monkeypatch.setattr(hub.system, "start_emulators", start_emulators)


def serve_until_emulators(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    """What ``onepoint serve ARGS``, run in ``tmp_path``, printed before its emulators' start failed."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["serve", "--emulators", "--port", "0", "--emulator-base-port", "0",
                                       "--log-format", "text", *args])
    assert result.exit_code == 1 and "cannot start the emulators: not in this test" in result.output, result.output
    return result.output
