"""``onepoint emulate``'s ports: ``--port`` places one emulator and is a usage error with ``all`` (which takes
``--base-port``; it used to be ignored silently), and a port that cannot be bound is one line naming the emulator
and the host:port tried. The emulators are stand-ins; nothing is served."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

import emulators.toolkit.runner
from emulators.pytest_plugin import EMULATORS
from hub.cli.emulate import emulate

pytestmark = pytest.mark.integration


class _App:
    def __init__(self, name: str) -> None:
        self.name = name
        self.faults: set[str] = set()


class _Server:
    def __init__(self, app: _App, port: int) -> None:
        self.name, self.url = app.name, f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        pass


@pytest.fixture
def created(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The emulators created, in order; each a stand-in."""
    names: list[str] = []
    for name in list(EMULATORS):
        def factory(*, seed: int = 0, _name: str = name) -> _App:
            names.append(_name)
            return _App(_name)

        monkeypatch.setitem(EMULATORS, name, factory)
    return names


@pytest.fixture
def taken() -> Iterator[int]:
    """A port on 127.0.0.1 something already listens on."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        yield int(listener.getsockname()[1])


def test_port_with_all_is_a_usage_error_naming_base_port(created: list[str]) -> None:
    result = CliRunner().invoke(emulate, ["all", "--port", "9301"])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert "--port places one emulator" in result.output and "give --base-port 9301 instead" in result.output
    assert created == []  # refused before any emulator was created


def test_one_emulators_port_taken_names_the_emulator_and_host_port(created: list[str], taken: int) -> None:
    result = CliRunner().invoke(emulate, ["boss", "--port", str(taken)])
    assert result.exit_code == 1, result.output
    assert f"cannot serve the boss emulator on 127.0.0.1:{taken}:" in result.output
    assert "(try --port 0 for a free one)" in result.output and "Traceback" not in result.output


def test_a_port_of_all_taken_names_the_emulator_that_could_not_bind(created: list[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    base = 9301

    def start_server(app: _App, *, host: str, port: int) -> _Server:
        if port == base + 2:
            raise OSError(98, "Address already in use")
        return _Server(app, port)

    monkeypatch.setattr(emulators.toolkit.runner, "start_server", start_server)
    result = CliRunner().invoke(emulate, ["all", "--base-port", str(base)])
    assert result.exit_code == 1, result.output
    assert created == ["boss", "crm", "nsp", "dsmp", "oa", "mail"]
    assert (f"cannot serve the nsp emulator on 127.0.0.1:{base + 2}: Address already in use "
            "(try --base-port 0 for free ports)") in result.output
