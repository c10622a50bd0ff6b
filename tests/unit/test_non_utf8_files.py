"""A routing table or settings file that is not UTF-8 (saved in GBK, a common editor default): a clear error, and a
running hub or worker asked to reload such a table keeps its own and answers "refused" (audit d16)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.routes import routes
from hub.config.settings import ConfigError, load_settings
from hub.routing.reloads import RouteReloads, outcome_path, read_outcome
from hub.routing.table import RoutingTable, RoutingTableError
from hub.transport.topology import DEFAULT_CONSUMERS
from hub.validation.command_sets import CommandSetRegistry

pytestmark = pytest.mark.unit

BUILTIN = Path(__file__).resolve().parents[2] / "hub" / "routing" / "default_routes.toml"


def gbk_table(tmp_path: Path) -> Path:
    path = tmp_path / "routes.toml"
    path.write_bytes(("# 路由表：投诉工单\n" + BUILTIN.read_text("utf-8")).encode("gbk"))
    return path


def load(path: Path) -> RoutingTable:
    command_types = CommandSetRegistry.installed(detailed=False).command_types()
    return RoutingTable.load(path, consumers=DEFAULT_CONSUMERS, command_types=command_types)


def test_a_table_that_is_not_utf8_is_a_routing_table_error_naming_the_file(tmp_path: Path) -> None:
    path = gbk_table(tmp_path)
    with pytest.raises(RoutingTableError, match=r"routes\.toml: not UTF-8 text \(byte 0x[0-9a-f]{2} at offset \d+\)"):
        load(path)


def test_routes_check_of_a_gbk_table_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(routes, ["check", str(gbk_table(tmp_path))])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "not UTF-8 text" in result.output and "save the table as UTF-8" in result.output


def test_a_reload_of_a_gbk_table_is_refused_and_the_outcome_written(tmp_path: Path) -> None:
    path, pid_file = gbk_table(tmp_path), tmp_path / "hub.pid"
    reloads = RouteReloads(lambda: load(path), source=str(path), pid_file=pid_file)
    outcome = reloads()  # before the fix: UnicodeDecodeError out of the signal handler, the process died
    assert not outcome.ok and "not UTF-8 text" in outcome.reason
    assert read_outcome(outcome_path(pid_file)) == outcome


def test_any_other_error_of_a_reload_is_refused_too_never_raised(tmp_path: Path) -> None:
    def broken() -> RoutingTable:
        raise UnicodeDecodeError("utf-8", b"\xd3", 0, 1, "invalid continuation byte")

    pid_file = tmp_path / "worker.pid"
    outcome = RouteReloads(broken, source="routes.toml", pid_file=pid_file)()
    assert (outcome.ok, outcome.routes, outcome.seq) == (False, 0, 1)
    assert outcome.reason.startswith("UnicodeDecodeError: 'utf-8' codec can't decode byte 0xd3")
    assert read_outcome(outcome_path(pid_file)) == outcome


def test_a_settings_file_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_bytes('# 设置\n[broker]\nurl = "memory://"\n'.encode("gbk"))
    with pytest.raises(ConfigError, match=r"hub\.toml: not UTF-8 text .*save the settings file as UTF-8"):
        load_settings(path)
