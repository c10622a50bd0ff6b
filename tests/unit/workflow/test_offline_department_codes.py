"""[mail.offline] checked against the taxonomy's dispatch targets where the workflow starts (and by ``onepoint
taxonomy check --config``): a typo (BILING) refuses the start naming the code and the target it misspells."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config.workflow import WorkflowSettings
from hub.workflow.datafile import DataFileError
from hub.workflow.runtime import open_runtime
from hub.workflow.start_checks import DataFilesRefused, check_data_files

pytestmark = pytest.mark.unit

TYPO = {"BILING": "billing-desk@example.com"}


def test_the_workflow_does_not_start_with_an_offline_department_that_is_no_dispatch_target(tmp_path: Path) -> None:
    settings = WorkflowSettings(database=f"sqlite:///{tmp_path / 'workorders.db'}")
    with pytest.raises(DataFileError, match=r"mail\.offline\.BILING: BILING is no dispatch target.*BILLING\?"):
        open_runtime(settings, offline_mailboxes=TYPO)
    assert not (tmp_path / "workorders.db").exists()


def test_the_start_checks_name_it_too_and_take_a_known_target() -> None:
    with pytest.raises(DataFilesRefused, match="BILING is no dispatch target"):
        check_data_files(WorkflowSettings(), offline_mailboxes=TYPO)
    checked = check_data_files(WorkflowSettings(), offline_mailboxes={"BILLING": "billing-desk@example.com"})
    assert any("[mail.offline]" in line for line in checked.checked_with)
