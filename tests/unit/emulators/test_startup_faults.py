"""Faults given at start (``onepoint emulate --fault``, a factory's or fixture's ``faults=[...]``) are part of the
seeded start: a reset installs them again, with their ids; a fault added later through the admin API is gone."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

import emulators.toolkit
from emulators.toolkit import in_process_emulator
from hub.cli.emulate import emulate
from tests.unit.emulators.demo_apps import make_xml_emulator

pytestmark = pytest.mark.unit

LATENCY = {"kind": "latency", "distribution": "fixed", "seconds": 0.2}


def kinds(faults: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(fault["id"], fault["kind"]) for fault in faults]


def test_a_reset_installs_the_start_up_faults_again_and_drops_the_later_ones() -> None:
    with in_process_emulator(make_xml_emulator(faults=[LATENCY, {"kind": "error", "status": 503}])) as demo:
        demo.admin.add_fault("reset")
        demo.admin.delete_fault("f1")
        demo.reset()
        assert kinds(demo.admin.faults()) == [("f1", "latency"), ("f2", "error")]
        demo.reset(seed=9)  # another fault seed: the start-up faults draw from it
        assert kinds(demo.admin.faults()) == [("f1", "latency"), ("f2", "error")]
        assert demo.admin.health()["seed"] == 9


def test_the_plugins_factory_takes_start_up_faults_that_outlive_a_reset(emulator_factory) -> None:
    boss = emulator_factory("boss", in_process=True, seed=7, subscribers=50,
                            faults=[{"kind": "error", "operation": "SyncHLR"}])
    boss.reset()
    assert [(f["kind"], f["operation"]) for f in boss.admin.faults()] == [("error", "SyncHLR")]


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[tuple[str, Any]]]:
    """What each emulator ``onepoint emulate`` built holds after a reset (the faults' kind and operation);
    nothing is served."""
    seen: dict[str, list[tuple[str, Any]]] = {}

    def serve_all(apps: Any, **_: Any) -> None:
        for app, _port in apps:
            try:
                app.reset()
                seen[app.name] = [(fault.kind, fault.operation) for fault in app.faults.list()]
            finally:
                app.close()

    monkeypatch.setattr(emulators.toolkit, "serve_all", serve_all)
    return seen


def test_a_fault_given_on_the_command_line_outlives_a_reset(served) -> None:
    result = CliRunner().invoke(emulate, ["boss", "--port", "0", "--seed", "7",
                                          "--fault", '{"kind": "latency", "distribution": "fixed", "seconds": 0.2}'])
    assert result.exit_code == 0, result.output
    assert served == {"boss": [("latency", None)]}


def test_with_all_a_scoped_fault_goes_only_to_the_emulators_serving_its_operation(served) -> None:
    result = CliRunner().invoke(emulate, ["all", "--base-port", "0", "--skip-missing",
                                          "--fault", '{"kind": "error", "operation": "SyncHLR"}',
                                          "--fault", '{"kind": "latency", "distribution": "fixed", "seconds": 0.1}'])
    assert result.exit_code == 0, result.output
    assert served["boss"] == [("error", "SyncHLR"), ("latency", None)]
    assert all(faults == [("latency", None)] for name, faults in served.items() if name != "boss")


def test_with_all_an_operation_no_emulator_serves_is_a_usage_error(served) -> None:
    result = CliRunner().invoke(emulate, ["all", "--base-port", "0", "--skip-missing",
                                          "--fault", '{"kind": "error", "operation": "SyncHRL"}'])
    assert result.exit_code == 2, result.output
    assert "no emulator started serves the operation 'SyncHRL'" in result.output and "SyncHLR" in result.output
    assert served == {}


def test_one_emulator_still_refuses_an_operation_it_does_not_know(served) -> None:
    result = CliRunner().invoke(emulate, ["crm", "--port", "0", "--fault", '{"kind": "error", "operation": "SyncHLR"}'])
    assert result.exit_code == 1
    assert "crm: unknown operation 'SyncHLR'" in result.output
