"""``[workflow]``: defaults, relative paths, URLs, and every bad entry named."""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from pathlib import Path

import pytest

from hub.config.settings import ConfigError, load_settings
from hub.config.workflow import ListenerSettings, WorkflowSettings, parse_workflow

pytestmark = pytest.mark.unit


def test_defaults_and_relative_paths(tmp_path: Path) -> None:
    built_in = load_settings().workflow  # the development defaults name loopback for their listeners (only that)
    assert replace(built_in, listeners=WorkflowSettings().listeners) == WorkflowSettings()
    assert built_in.listeners == replace(ListenerSettings(), allowed_networks=(
        ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128")))
    config = tmp_path / "hub.toml"
    parsed = parse_workflow({"database": "data/wo.db", "sla": "sla.toml", "scheduler_interval_seconds": 0},
                            str(config))
    assert parsed.database == f"sqlite:///{tmp_path / 'data' / 'wo.db'}"
    assert parsed.sla == tmp_path / "sla.toml"
    assert parsed.scheduler_interval_seconds == 0.0
    url = "postgresql+psycopg://hub@127.0.0.1:5432/workorders"
    assert parse_workflow({"database": url}, str(config)).database == url
    named = parse_workflow({"database": "postgresql-archive.db"}, str(config)).database  # a file, whatever its name
    assert named == f"sqlite:///{tmp_path / 'postgresql-archive.db'}"


@pytest.mark.parametrize(("section", "named"), [
    ({"database": "mysql://x"}, "workflow.database"),
    ({"database": ""}, "workflow.database"),
    ({"database": "postgresql+psycopg:/hub@db:5432/op"}, "workflow.database .* is not a database URL"),  # a file
    ({"database": "SQLite:/onepoint-workorders.db"}, "workflow.database .* is not a database URL"),  # name before
    ({"repeat_window_hours": -1}, "workflow.repeat_window_hours"),
    ({"link": "ftp://x/{work_order_id}"}, "workflow.link"),
    ({"link": "http://x/"}, "workflow.link"),
    ({"intake_department": ""}, "workflow.intake_department"),
    ({"colour": "blue"}, "unknown keys in [workflow]: ['colour']"),
    ({"mass_complaint_threshold": 0.5}, "workflow.mass_complaint_threshold must be a whole number of at least 2"),
    ({"mass_complaint_threshold": 1}, "workflow.mass_complaint_threshold"),
    ({"worker_batch": 2.5}, "workflow.worker_batch must be a whole number"),
])
def test_bad_entries_are_named(section: dict[str, object], named: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=named.replace("[", r"\[").replace("]", r"\]")):
        parse_workflow(section, str(tmp_path / "hub.toml"))


def test_a_bad_workflow_section_stops_the_settings(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text('[workflow]\ndatabase = "mysql://x"\n', "utf-8")
    with pytest.raises(ConfigError, match=r"workflow\.database"):
        load_settings(config)


def test_a_settings_file_without_a_workflow_table_keeps_the_database_beside_it(tmp_path: Path) -> None:
    """Every process started with one settings file shares one work-order database, whatever its working folder
    (the DSMP worker reads the workflow's work orders); only the built-in defaults use the working folder."""
    source = str(tmp_path / "hub.toml")
    assert parse_workflow(None, source).database == f"sqlite:///{tmp_path / 'onepoint-workorders.db'}"
    assert parse_workflow(None, source) == parse_workflow({}, source)
    assert parse_workflow(None, "built-in defaults").database == "sqlite:///onepoint-workorders.db"


def test_customer_orders_shown_is_a_setting_of_1_to_50() -> None:
    from hub.config.workflow import parse_workflow

    assert parse_workflow({}, "hub.toml").customer_orders_shown == 20
    assert parse_workflow({"customer_orders_shown": 50}, "hub.toml").customer_orders_shown == 50
    for bad in (0, 51, "20", True):
        with pytest.raises(ValueError, match="customer_orders_shown"):
            parse_workflow({"customer_orders_shown": bad}, "hub.toml")
