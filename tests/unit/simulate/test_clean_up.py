"""A private run's clean-up (``DemoStage`` and ``SimulationStage`` share it, ``hub.demo.stage.PrivateStage.stop``):
every step runs even when one before it failed, the temporary folder last; a Ctrl-C or SIGTERM arriving while it
runs does not break it off (held, then the run is interrupted); and the command's last line says the queues and
the folder were removed only when they were (audit 5, defect 1)."""

from __future__ import annotations

import os
import shutil
import signal
from datetime import UTC, datetime
from typing import Any

import pytest

import hub.demo.stage
import hub.simulate.stage
from hub.cli.private_runs import INTERRUPTED, interruptible
from hub.demo.stage import DemoStage
from hub.simulate.clock import SimulatedTime
from hub.simulate.stage import SimulationStage

pytestmark = pytest.mark.unit


def _simulation() -> SimulationStage:
    return SimulationStage(SimulatedTime(datetime(2026, 11, 23, tzinfo=UTC), 720), rules=True, seed=1,
                           subscribers=10)


STAGES = {"simulation": _simulation, "demo": DemoStage}


class _System:
    """A hub system that was started but never served (stopped by the stage itself)."""

    app = None

    def __init__(self) -> None:
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True


class _Emulators:
    def __init__(self, fails: bool = False) -> None:
        self.fails = fails

    def stop(self) -> None:
        if self.fails:
            raise RuntimeError("an emulator would not stop")

    def urls(self) -> dict[str, str]:
        return {}


def _patch_remove_topology(monkeypatch: pytest.MonkeyPatch, replacement: Any) -> None:
    for module in (hub.demo.stage, hub.simulate.stage):  # wherever the stages take it from
        if hasattr(module, "remove_topology"):
            monkeypatch.setattr(module, "remove_topology", replacement)


@pytest.fixture(autouse=True)
def _back_home() -> Any:
    cwd = os.getcwd()
    yield
    os.chdir(cwd)


@pytest.mark.parametrize("kind", STAGES)
def test_a_failing_step_does_not_keep_the_later_ones_from_running(kind: str) -> None:
    stage = STAGES[kind]()
    system = _System()
    stage.system, stage.emulated = system, _Emulators(fails=True)  # type: ignore[assignment]
    with pytest.raises(RuntimeError, match="would not stop"):
        stage.stop()
    assert system.stopped and stage.system is None
    assert not stage.folder.exists()


def test_the_demo_and_the_simulation_share_one_clean_up() -> None:
    assert SimulationStage.stop is DemoStage.stop


@pytest.mark.parametrize("second", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
@pytest.mark.parametrize("kind", STAGES)
def test_a_signal_during_the_clean_up_is_held_until_it_is_done(
        kind: str, second: signal.Signals, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    stage = STAGES[kind]()
    stage.system, stage.emulated = _System(), _Emulators()  # type: ignore[assignment]

    def remove_topology(*args: Any) -> bool:
        os.kill(os.getpid(), second)  # the operator presses Ctrl-C again (or SIGTERM comes) while it cleans up
        return True

    _patch_remove_topology(monkeypatch, remove_topology)
    ctrl_c = signal.signal(signal.SIGINT, signal.default_int_handler)
    before = signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(SystemExit) as ended, interruptible("simulate"):
            stage.__exit__(None, None, None)  # a run that ended normally, cleaning up
    finally:
        signal.signal(signal.SIGINT, ctrl_c)
    assert ended.value.code == INTERRUPTED
    assert not stage.folder.exists()
    assert capsys.readouterr().err.strip() == (
        f"onepoint simulate: interrupted ({second.name}); its system was stopped and its queues and temporary folder "
        "removed")
    assert signal.getsignal(signal.SIGTERM) is before


def _interrupted_run(stage: SimulationStage) -> None:
    try:
        raise KeyboardInterrupt("SIGTERM")  # the run, interrupted: the stage's __exit__ cleans up
    except KeyboardInterrupt as exc:
        stage.__exit__(KeyboardInterrupt, exc, None)
        raise


def test_the_command_does_not_claim_a_removal_that_did_not_happen(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    stage = _simulation()
    stage.system, stage.emulated = _System(), _Emulators()  # type: ignore[assignment]
    _patch_remove_topology(monkeypatch, lambda *args: False)  # the broker could not be reached
    kept = stage.folder
    monkeypatch.setattr(hub.simulate.stage.shutil, "rmtree", lambda path, ignore_errors=False: None)
    try:
        with pytest.raises(SystemExit) as ended, interruptible("simulate"):
            _interrupted_run(stage)
    finally:
        monkeypatch.undo()
        shutil.rmtree(kept, ignore_errors=True)
    assert ended.value.code == INTERRUPTED
    said = capsys.readouterr().err.strip()
    assert said.startswith("onepoint simulate: interrupted (SIGTERM); its system was stopped but it left ")
    assert "removed" not in said and str(kept) in said and "queues" in said
