"""``WorkflowRuntime``: what the workflow's handlers and scheduler share in one process — the work-order store,
the engine with its SLA table, calendars and taxonomy (each checked at start, every error named, the calendars
listing every department the hub makes an owner: ``owner_calendars``; the SLA table and calendars reloaded when
their files change, ``rule_files``; the taxonomy read at start only, an edit of its files warned of as needing a
restart, ``taxonomy_files``, and the open work orders whose category it lacks named, ``withdrawn_categories``),
the tier cache, the clock and the link OA items carry back to a work order."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from hub.config.workflow import DEFAULT_LINK, ListenerSettings, WorkflowSettings
from hub.observability.metrics import Metrics
from hub.workflow.calendars import load_calendars
from hub.workflow.cancellation_notices import CancellationNotices
from hub.workflow.clock import Clock, SystemClock
from hub.workflow.department_todos import DepartmentTodoCloser
from hub.workflow.dissatisfied_visits import DissatisfiedVisits
from hub.workflow.engine import EngineSettings, WorkOrderEngine
from hub.workflow.escalation_managers import check_escalation_managers
from hub.workflow.held_repeats import HeldRepeats
from hub.workflow.incidents import mass_incident_rules
from hub.workflow.intake import IntakeRule
from hub.workflow.mail_withdrawal import MailWithdrawals
from hub.workflow.network_withdrawal import NspWithdrawals
from hub.workflow.offline_departments import check_offline_departments
from hub.workflow.outages import OutageRule, load_outage_services
from hub.workflow.owner_calendars import check_owner_calendars
from hub.workflow.rule_files import RuleFiles
from hub.workflow.sla import load_sla_table
from hub.workflow.statistics import CounterObserver
from hub.workflow.statistics.backfill import fill_missing_counters
from hub.workflow.store import WorkOrderStore
from hub.workflow.taxonomy import load_taxonomy
from hub.workflow.taxonomy_files import TaxonomyFiles
from hub.workflow.tiers import TierLookup
from hub.workflow.todos import TodoCloser
from hub.workflow.withdrawn_categories import warn_of_withdrawn_categories
from hub.workflow.withdrawn_to_reads import ToReadWithdrawals

__all__ = ["WorkflowRuntime", "open_runtime"]

log = logging.getLogger("onepoint.workflow")


@dataclass
class WorkflowRuntime:
    store: WorkOrderStore
    engine: WorkOrderEngine
    tiers: TierLookup
    clock: Clock = field(default_factory=SystemClock)
    link_base: str = DEFAULT_LINK
    metrics: Metrics | None = None
    intake_rules: list[IntakeRule] = field(default_factory=list)  # outage auto-answer, mass complaints (in order)
    listener_settings: ListenerSettings = field(default_factory=ListenerSettings)  # [workflow.listeners]
    rules: RuleFiles | None = None  # the SLA table's and calendars' files, reloaded when they change

    def close(self) -> None:
        self.store.close()

    def counted(self, action: str) -> None:
        if self.metrics is not None:
            self.metrics.work_order_action(action)

    def refused(self, code: str) -> None:
        if self.metrics is not None:
            self.metrics.work_order_refused(code)


def open_runtime(settings: WorkflowSettings, *, clock: Clock | None = None, metrics: Metrics | None = None,
                 offline_mailboxes: Mapping[str, str] | None = None,
                 reading: bool = False) -> WorkflowRuntime:
    """Load and check the data files (the intake department and every dispatch target with a calendar of its own:
    ``owner_calendars``; every offline department a dispatch target: ``offline_departments``), open (and migrate)
    the store; ``reading``: a store at this release's head, never migrated (``WorkOrderStore.open``)."""
    used = clock or SystemClock()
    zone = ZoneInfo(settings.statistics_timezone)

    def today() -> date:  # the clock's date where the operator works: the years the holiday sets must cover
        return used.now().astimezone(zone).date()

    taxonomy_files = TaxonomyFiles(settings.taxonomy)  # as before the read: an edit meanwhile is warned of later
    calendars, taxonomy = load_calendars(settings.calendars, today=today()), load_taxonomy(settings.taxonomy)
    check_owner_calendars(calendars, taxonomy, settings.intake_department)
    check_offline_departments(offline_mailboxes or {}, taxonomy)
    engine = WorkOrderEngine(
        load_sla_table(settings.sla), calendars, taxonomy,
        EngineSettings(intake_department=settings.intake_department,
                       repeat_window=timedelta(hours=settings.repeat_window_hours),
                       customer_orders_shown=settings.customer_orders_shown,
                       enforce_templates=settings.enforce_templates,
                       local_zone=zone,
                       escalation_managers=settings.escalation_managers,
                       return_visit_attempts=settings.return_visit_attempts,
                       offline_mailboxes=dict(offline_mailboxes or {})))
    check_escalation_managers(settings.escalation_managers, engine.sla, calendars)
    engine.observers.append(CounterObserver(settings.statistics_timezone))  # first: the statistics' counters
    engine.observers.append(TodoCloser())  # escalation to-dos closed in OA once finished or superseded
    engine.observers.append(DepartmentTodoCloser())  # a dispatched department's to-do, once its part is over
    store = WorkOrderStore.open(settings.database, clock=used.now, reading=reading)
    if not reading:  # before any handler writes counters of its own, which would hide the missing ones for good
        _fill_missing_counters(store, engine.settings)
        warn_of_withdrawn_categories(store, taxonomy)  # the analyst learns it at the restart, not from a caller
    tiers = TierLookup(ttl=max(settings.tier_cache_seconds, 0.001), timeout=settings.tier_timeout_seconds,
                       pause=settings.tier_pause_seconds, zone=engine.settings.local_zone)
    rules = RuleFiles(engine, settings.sla, settings.calendars, taxonomy=taxonomy_files, today=today)
    engine.refresh_rules = rules.refresh
    runtime = WorkflowRuntime(store, engine, tiers, used, settings.link, metrics,
                              listener_settings=settings.listeners, rules=rules)
    if settings.outage_auto_answer:  # issue 13: answered from NSP's outage notices, the first intake rule
        outages = OutageRule(engine, load_outage_services(settings.outage_services, engine.taxonomy))
        runtime.intake_rules.insert(0, outages)
        engine.observers.append(outages)  # keeps the answered ones off the SLA clock
    mass_rule, resolution = mass_incident_rules(engine, threshold=settings.mass_complaint_threshold,
                                                window_minutes=settings.mass_complaint_window_minutes)
    engine.observers.append(resolution)  # always: an incident opened before a switch-off still answers its children
    engine.observers.append(HeldRepeats(engine))  # a reply answers the repeats held for it; a cancellation releases
    engine.observers.append(CancellationNotices())  # last: a cancelled VIP's manager told after the rest
    engine.observers.append(NspWithdrawals())  # and NSP told of it after that (the others' steps unchanged)
    engine.observers.append(MailWithdrawals(engine.settings.offline_mailboxes))  # mailbox recorded; withdrawn: last
    engine.observers.append(DissatisfiedVisits(engine))  # a dissatisfied return visit: its OA to-reads, CRM notice
    engine.observers.append(ToReadWithdrawals())  # last: a closed or cancelled work order's to-reads withdrawn
    if settings.mass_incidents:  # after the outage rule: a complaint an outage explains is no mass complaint
        runtime.intake_rules.append(mass_rule)
    return runtime


def _fill_missing_counters(store: WorkOrderStore, settings: EngineSettings) -> None:
    """The statistics counters of a store that has work orders and none (upgraded from before migration 0005, or
    filled by other means: ``statistics.backfill``), counted when the store is opened, before this process handles
    a message: counted later (the scheduler's thread did), one complaint handled first (a backlog queued during
    the upgrade) wrote counters and the old work orders were never counted. A failure leaves the figures short
    until ``onepoint stats rebuild``; the workflow goes on."""
    try:
        fill_missing_counters(store.engine, settings.local_zone, settings.repeat_window)
    except Exception as exc:
        log.error("statistics counters could not be filled: run `onepoint stats rebuild`",
                  extra={"reason": str(exc)})
