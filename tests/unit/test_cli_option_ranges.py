"""Options checked by click before anything starts: pages, log levels, ports, hosts -- a usage error (exit 2),
never a traceback (audit d1, d10, d11; audit 5: validate's caps)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.cli.workorders import PAGE_SIZE_MAX
from hub.validation.parser import ParserLimits
from hub.workflow.store.queries import MAX_PAGE_SIZE

pytestmark = pytest.mark.unit


def usage_error(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), (result.output, result.exception)
    return result.output


@pytest.mark.parametrize(("args", "said"), [
    (["--page", "0"], "'--page': 0 is not in the range 1<=x<=100000"),  # c:PageNumber
    (["--page", "100001"], "'--page': 100001 is not in the range 1<=x<=100000"),
    (["--page-size", "0"], "'--page-size': 0 is not in the range 1<=x<=500"),
    (["--page-size", "501"], "'--page-size': 501 is not in the range 1<=x<=500"),
])
def test_workorders_list_pages_out_of_range_are_usage_errors(args: list[str], said: str) -> None:
    assert said in usage_error("workorders", "list", *args)


def test_the_cli_page_size_limit_is_the_stores() -> None:
    assert PAGE_SIZE_MAX == MAX_PAGE_SIZE


@pytest.mark.parametrize("command", [["worker", "billing"], ["serve", "--port", "0"], ["simulate"],
                                     ["emulate", "boss", "--port", "0"], ["demo"]])
def test_an_unknown_log_level_is_a_usage_error(command: list[str]) -> None:
    assert "'--log-level': 'verbose' is not one of" in usage_error(*command, "--log-level", "verbose")


def test_log_levels_are_taken_in_any_case() -> None:
    result = CliRunner().invoke(main, ["worker", "billing", "--log-level", "warning"])
    assert result.exit_code == 1 and "no package consumes queue 'billing'" in result.output  # not the level


@pytest.mark.parametrize(("args", "said"), [
    (["serve", "--port", "70000"], "'--port': 70000 is not in the range 0<=x<=65535"),
    (["serve", "--port", "-1"], "'--port': -1 is not in the range 0<=x<=65535"),
    (["serve", "--port", "0", "--emulator-base-port", "65534"],  # boss ... oa on base + 0 ... base + 4
     "'--emulator-base-port': 65534 is not in the range 0<=x<=65530"),
    (["emulate", "boss", "--port", "70000"], "'--port': 70000 is not in the range 0<=x<=65535"),
    (["emulate", "all", "--base-port", "65532"], "'--base-port': 65532 is not in the range 0<=x<=65530"),
    (["worker", "billing", "--metrics-port", "65536"], "'--metrics-port': 65536 is not in the range"),
])
def test_ports_outside_tcps_range_are_usage_errors(args: list[str], said: str) -> None:
    # click checks options in the order given: a later bad option stops a command that took the port (before the
    # fix, serve --port 70000 served on 4464), so the test ends either way
    guard = {"serve": ["--config", "/nonexistent/hub.toml"], "emulate": ["--seed", "x"]}.get(args[0], [])
    assert said in usage_error(*args, *guard)


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["emulate", "boss", "--port", "0"]])
def test_a_host_that_does_not_resolve_is_a_usage_error(command: list[str]) -> None:
    guard = ["--seed", "x"] if command[0] == "emulate" else []  # checked after --host (see above)
    output = usage_error(*command, "--host", "no-such-host.invalid", *guard)
    assert "'no-such-host.invalid' does not resolve to an address to bind" in output


@pytest.mark.parametrize(("args", "said"), [
    (["--max-bytes", "0"], "'--max-bytes': 0 is not in the range x>=1"),
    (["--max-bytes", "-1"], "'--max-bytes': -1 is not in the range x>=1"),
    (["--max-depth", "0"], "'--max-depth': 0 is not in the range 2<=x<=256"),
    (["--max-depth", "1"], "'--max-depth': 1 is not in the range 2<=x<=256"),
    (["--max-depth", "257"], "'--max-depth': 257 is not in the range 2<=x<=256"),
    (["--max-depth", "300"], "'--max-depth': 300 is not in the range 2<=x<=256"),
])
def test_validate_caps_the_parser_refuses_are_usage_errors(tmp_path: Path, args: list[str], said: str) -> None:
    # before the fix: ParserLimits' ValueError as a traceback, exit 1 ("a file is invalid")
    document = tmp_path / "a.xml"
    document.write_text('<a xmlns="urn:unknown"/>')
    output = usage_error("validate", *args, str(document))
    assert said in output and "Traceback" not in output


def test_validate_takes_every_cap_the_parser_takes(tmp_path: Path) -> None:
    """The ranges are ParserLimits' own: its edges are taken (a refused document, exit 1), one beyond is not."""
    document = tmp_path / "a.xml"
    document.write_text('<a xmlns="urn:unknown"/>')
    for args in (["--max-bytes", "1"], ["--max-depth", "2"], ["--max-depth", "256"]):
        result = CliRunner().invoke(main, ["validate", *args, str(document)])
        assert result.exit_code == 1 and result.exception is not None and isinstance(result.exception, SystemExit)
    ParserLimits(max_bytes=1, max_depth=2)
    ParserLimits(max_depth=256)
    for bad in ({"max_bytes": 0}, {"max_depth": 1}, {"max_depth": 257}):
        with pytest.raises(ValueError, match="must be"):
            ParserLimits(**bad)


@pytest.mark.parametrize(("args", "said"), [
    (["--limit", "0"], "'--limit': 0 is not in the range x>=1"),
    (["--limit", "-3"], "'--limit': -3 is not in the range x>=1"),
    (["--status", "42"], "'--status': 42 is not in the range 100<=x<=599"),
])
def test_emulator_journal_filters_out_of_range_are_usage_errors(args: list[str], said: str) -> None:
    assert said in usage_error("emulator", "journal", "http://127.0.0.1:9", *args)


@pytest.mark.parametrize(("args", "said"), [
    (["--prefetch", "-1"], "'--prefetch': -1 is not in the range x>=1"),  # a reconnect loop, consuming nothing
    (["--prefetch", "0"], "'--prefetch': 0 is not in the range x>=1"),  # AMQP's "no limit": not what it says
    (["--concurrency", "0"], "'--concurrency': 0 is not in the range x>=1"),
])
def test_worker_prefetch_and_concurrency_below_one_are_usage_errors(args: list[str], said: str) -> None:
    assert said in usage_error("worker", "boss", *args)
