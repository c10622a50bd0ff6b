"""``onepoint taxonomy check --config``: the checks the hub's start runs, with the settings' calendars (every
dispatch target needs one) and outage services (their codes must be in the taxonomy). Checked alone, a taxonomy
with a new target was "ok" and the hub then refused to start."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.config.workflow import WorkflowSettings
from hub.workflow.datafile import DataFileError
from hub.workflow.runtime import open_runtime
from hub.workflow.start_checks import DataFilesRefused, check_data_files

pytestmark = pytest.mark.unit

NEW_TARGET = """
[targets.LOCAL_HALLS]
name = "Shenzhen business halls"
system = "OA"

[templates.hall_local]
name = "Business hall refused a service"
target = "LOCAL_HALLS"
questions = ["Which hall?"]
checks = ["The hall's staff roster"]
fields = ["msisdn", "staff_id"]
"""


def _with_new_target(seed: Path) -> Path:
    (seed / "local.toml").write_text(NEW_TARGET, "utf-8")
    categories = seed / "categories.toml"
    anchor = '{ code = "01.02.01", name = "Cannot be called", name_zh = "无法被叫", template = "voice_terminate" },\n'
    text = categories.read_text("utf-8")
    categories.write_text(text.replace(anchor, anchor + '{ code = "01.02.01.009", name = "Hall refused", '
                                       'template = "hall_local" },\n'), "utf-8")
    return seed


def _config(tmp_path: Path, taxonomy: Path, extra: str = "") -> Path:
    config = tmp_path / "hub.toml"
    config.write_text(f'[workflow]\ndatabase = "{tmp_path / "wo.db"}"\ntaxonomy = "{taxonomy}"\n{extra}', "utf-8")
    return config


def test_a_target_without_a_calendar_passes_alone_and_is_refused_with_the_settings(seed: Path,
                                                                                    tmp_path: Path) -> None:
    taxonomy = _with_new_target(seed)
    alone = CliRunner().invoke(main, ["taxonomy", "check", str(taxonomy)])
    assert alone.exit_code == 0, alone.output
    with pytest.raises(DataFileError, match=r"departments\.LOCAL_HALLS: missing"):  # what the start does
        open_runtime(WorkflowSettings(database=f"sqlite:///{tmp_path / 'wo.db'}", taxonomy=taxonomy))
    result = CliRunner().invoke(main, ["taxonomy", "check", "--config", str(_config(tmp_path, taxonomy))])
    assert result.exit_code == 1
    assert "the hub would not start" in result.output
    assert "departments.LOCAL_HALLS: missing: LOCAL_HALLS is a dispatch target of the taxonomy" in result.output


def test_a_code_the_outage_services_name_that_the_taxonomy_lost_is_refused(seed: Path, tmp_path: Path) -> None:
    outages = tmp_path / "outages.toml"
    outages.write_text('[services.VOICE]\ncategories = ["42"]\n', "utf-8")
    config = _config(tmp_path, seed, f'outage_services = "{outages}"\n')
    with pytest.raises(DataFilesRefused) as caught:
        check_data_files(WorkflowSettings(taxonomy=seed, outage_services=outages))
    assert any(str(outages) in refusal and "42" in refusal for refusal in caught.value.refusals)
    result = CliRunner().invoke(main, ["taxonomy", "check", "--config", str(config)])
    assert result.exit_code == 1 and "42" in result.output


def test_every_file_is_named_at_once(seed: Path, tmp_path: Path) -> None:
    calendars = tmp_path / "calendars.toml"
    calendars.write_text("default_calendar = ", "utf-8")
    (seed / "templates.toml").write_text("[templates.x\n", "utf-8")
    with pytest.raises(DataFilesRefused) as caught:
        check_data_files(WorkflowSettings(taxonomy=seed, calendars=calendars))
    calendars_refusal, taxonomy_refusal = caught.value.refusals
    assert calendars_refusal.startswith(f"{calendars}: not valid TOML")
    assert taxonomy_refusal.startswith("2 problem(s) in the complaint taxonomy")
    assert f"{seed / 'templates.toml'}: -: not valid TOML" in taxonomy_refusal


def test_a_taxonomy_the_start_takes_is_ok_with_what_it_was_checked_with(seed: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["taxonomy", "check", "--config", str(_config(tmp_path, seed))])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("(every dispatch target has a calendar) and the outage services "
                                           f"{resources.files('hub.workflow') / 'data' / 'outage_services.toml'}")


def test_path_checks_another_taxonomy_with_the_settings_files(seed: Path, tmp_path: Path) -> None:
    config = _config(tmp_path, seed)
    changed = _with_new_target(Path(shutil.copytree(seed, tmp_path / "copy")))
    result = CliRunner().invoke(main, ["taxonomy", "check", "--config", str(config), str(changed)])
    assert result.exit_code == 1 and "LOCAL_HALLS" in result.output
