"""Every department the hub makes an owner (the intake department, each dispatch target of the taxonomy) has a
calendar of its own in calendars.toml: one missing (a typo under [departments], an intake department the file does
not list) is refused at start and on a reload, named, instead of counting its limits on the default calendar."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from hub.workflow.calendars import load_calendars
from hub.workflow.datafile import DataFileError, packaged
from hub.workflow.owner_calendars import check_owner_calendars
from hub.workflow.taxonomy import load_taxonomy
from tests.unit.workflow.deadline_kit import open_on, write

pytestmark = pytest.mark.unit

SEED = packaged("calendars.toml").read_text(encoding="utf-8")
TYPO = SEED.replace('CUSTOMER_SERVICE = "hotline"', 'CUSTOMER_SERIVCE = "hotline"')


def test_the_seed_lists_every_owner() -> None:
    check_owner_calendars(load_calendars(), load_taxonomy(), "CUSTOMER_SERVICE")


def test_a_misspelt_intake_department_is_named_with_the_listed_name_it_resembles(tmp_path: Path) -> None:
    calendars = load_calendars(write(tmp_path / "calendars.toml", TYPO))
    with pytest.raises(DataFileError) as caught:
        check_owner_calendars(calendars, load_taxonomy(), "CUSTOMER_SERVICE")
    assert caught.value.problems == ((
        "departments.CUSTOMER_SERVICE",
        "missing: CUSTOMER_SERVICE is the [workflow] intake_department, owner of every new work order; its limits "
        "would count on the default calendar 'office': name its calendar under [departments]; [departments] lists "
        "CUSTOMER_SERIVCE, a misspelling of it?"),)


def test_every_unlisted_owner_is_named(tmp_path: Path) -> None:
    text = SEED.replace('NMC = "network_ops"', "").replace('BILLING = "office"', "")
    with pytest.raises(DataFileError) as caught:
        check_owner_calendars(load_calendars(write(tmp_path / "calendars.toml", text)), load_taxonomy(),
                              "COMPLAINT_CENTRE")
    assert [key for key, _ in caught.value.problems] == [
        "departments.COMPLAINT_CENTRE", "departments.BILLING", "departments.NMC"]
    assert "a dispatch target of the taxonomy ([targets.NMC])" in str(caught.value)


def test_a_department_nobody_routes_to_may_take_the_default_calendar(tmp_path: Path) -> None:
    """An ESCALATE's ToDepartment the file does not list is what default_calendar is for."""
    text = SEED.replace('ACCOUNT_MANAGEMENT = "office"', "")
    check_owner_calendars(load_calendars(write(tmp_path / "calendars.toml", text)), load_taxonomy(),
                          "CUSTOMER_SERVICE")


def test_the_workflow_does_not_start_with_an_owner_missing(tmp_path: Path) -> None:
    calendars = write(tmp_path / "calendars.toml", TYPO)
    with pytest.raises(DataFileError, match=r"departments\.CUSTOMER_SERVICE: missing"):
        open_on(f"sqlite:///{tmp_path / 'wo.db'}", calendars=calendars)
    with pytest.raises(DataFileError, match=r"departments\.COMPLAINT_CENTRE: missing"):
        open_on(f"sqlite:///{tmp_path / 'wo.db'}", intake_department="COMPLAINT_CENTRE")


def test_a_reload_that_drops_an_owner_keeps_the_running_calendars(tmp_path: Path,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    calendars = write(tmp_path / "calendars.toml", SEED)
    hub = open_on(f"sqlite:///{tmp_path / 'wo.db'}", calendars=calendars)
    try:
        running = hub.engine.calendars.version
        assert hub.rules is not None
        write(calendars, TYPO.replace('NMC = "network_ops"', ""))
        with caplog.at_level(logging.ERROR, "onepoint.workflow"):
            assert hub.rules.refresh() is False
        assert hub.engine.calendars.version == running
        assert hub.engine.calendars.for_department("CUSTOMER_SERVICE").always_open
        reason = next(r for r in caplog.records if r.getMessage() == "calendars not reloaded: the running calendars "
                      "stay").__dict__["reason"]
        assert "departments.CUSTOMER_SERVICE: missing" in reason and "departments.NMC: missing" in reason
    finally:
        hub.close()
