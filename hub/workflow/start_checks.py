"""The workflow's data files checked as its start checks them, without opening a database: ``onepoint taxonomy
check --config``.

A taxonomy that is fine on its own may still stop the hub: its dispatch targets become owners, which the calendars
must list (``owner_calendars``), and the outage services file names its category codes (``outages.services``).
Checked alone, such a taxonomy was "ok" and the hub then refused to start. `check_data_files` loads what
``runtime.open_runtime`` loads before it opens the store (the calendars, the taxonomy, the SLA table, the outage
services when ``outage_auto_answer`` is on, ``[workflow.escalation_managers]`` against the SLA table and calendars,
``[mail.offline]`` against the taxonomy's dispatch targets),
in the same checks, and names every problem of every file at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hub.config.workflow import WorkflowSettings
from hub.workflow.calendars import Calendars, load_calendars
from hub.workflow.datafile import DataFileError
from hub.workflow.escalation_managers import check_escalation_managers
from hub.workflow.offline_departments import check_offline_departments
from hub.workflow.outages import load_outage_services
from hub.workflow.owner_calendars import check_owner_calendars
from hub.workflow.sla import SlaTable, load_sla_table
from hub.workflow.taxonomy import Taxonomy, TaxonomyError, load_taxonomy

__all__ = ["DataFilesRefused", "StartChecks", "check_data_files"]


class DataFilesRefused(ValueError):
    """The workflow would not start: every refusal (one per file, each naming its problems), in the start's order."""

    def __init__(self, refusals: list[str]) -> None:
        self.refusals = tuple(refusals)
        super().__init__("\n".join(self.refusals))


@dataclass
class StartChecks:
    """What was checked: the taxonomy and the files it was checked with."""

    taxonomy: Taxonomy
    checked_with: list[str] = field(default_factory=list)


def check_data_files(settings: WorkflowSettings, taxonomy_path: Path | None = None,
                     offline_mailboxes: Mapping[str, str] | None = None) -> StartChecks:
    """Check ``settings``' data files as the workflow's start does (``taxonomy_path``, when given, instead of the
    settings' taxonomy: a copy checked before it replaces the one in use; ``offline_mailboxes``: ``[mail.offline]``,
    whose codes must be dispatch targets). Raises `DataFilesRefused` naming every
    problem found; the checks against the taxonomy are left out when it cannot be loaded (its problems say why)."""
    refusals: list[str] = []
    calendars: Calendars | None = None
    taxonomy: Taxonomy | None = None
    try:
        calendars = load_calendars(settings.calendars)
    except DataFileError as exc:
        refusals.append(str(exc))
    try:
        taxonomy = load_taxonomy(taxonomy_path if taxonomy_path is not None else settings.taxonomy)
    except TaxonomyError as exc:
        refusals.append(str(exc))
    sla: SlaTable | None = None
    try:
        sla = load_sla_table(settings.sla)
    except DataFileError as exc:
        refusals.append(str(exc))
    if sla is not None and calendars is not None:
        try:
            check_escalation_managers(settings.escalation_managers, sla, calendars)
        except DataFileError as exc:
            refusals.append(str(exc))
    checked_with: list[str] = []
    if taxonomy is not None and calendars is not None:
        try:
            check_owner_calendars(calendars, taxonomy, settings.intake_department)
            checked_with.append(f"the calendars {calendars.source} (every dispatch target has a calendar)")
        except DataFileError as exc:
            refusals.append(str(exc))
    if taxonomy is not None and offline_mailboxes:
        try:
            check_offline_departments(offline_mailboxes, taxonomy)
            checked_with.append("[mail.offline] (every offline department is a dispatch target)")
        except DataFileError as exc:
            refusals.append(str(exc))
    if taxonomy is not None and settings.outage_auto_answer:
        try:
            services = load_outage_services(settings.outage_services, taxonomy)
            checked_with.append(f"the outage services {services.source}")
        except DataFileError as exc:
            refusals.append(str(exc))
    if refusals:
        raise DataFilesRefused(refusals)
    assert taxonomy is not None  # no refusal: it was loaded
    return StartChecks(taxonomy, checked_with)
