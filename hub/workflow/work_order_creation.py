"""A complaint becomes a work order: checked against its phenomenon's template (a category the taxonomy lacks, or a
pre-processing check it does not number, refused before anything is written), its deadlines computed from BOSS's
tier on the intake department's calendar, the customer's earlier work orders and a repeat complaint found (under a
lock on the number: a creation for it in another process waits), the row, its CREATE and ACCEPT history, deadline
rows and creation event written in one transaction, the creation observers told.

``WorkOrderCreation`` is the base of ``hub.workflow.engine.WorkOrderEngine``, whose ``__init__`` sets the rules it
reads (the SLA table, the calendars, the taxonomy, the engine's settings, its observers); the handlers call these on
the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from hub.workflow import events
from hub.workflow.calendars import Calendars
from hub.workflow.change_events import add_events
from hub.workflow.changes import Created, EngineSettings, FollowUp, WorkOrderObserver, WorkOrderRefused
from hub.workflow.checks_done import stated_checks
from hub.workflow.commands import Complaint
from hub.workflow.deadlines import TimingFacts, compute_deadlines
from hub.workflow.dispatch_numbers import refuse_other_subscriber
from hub.workflow.lifecycle import LifecycleAction, WorkOrderState
from hub.workflow.limit_columns import limit_columns
from hub.workflow.schedule import deadline_rows
from hub.workflow.sla import SlaTable
from hub.workflow.store import HistoryEntry, WorkOrderTransaction
from hub.workflow.store.dialect import lock_customer
from hub.workflow.store.queries import complained_of_before, customer_work_orders, new_work_order_view
from hub.workflow.taxonomy import Taxonomy, UnknownCategory
from hub.workflow.tiers import TierFacts

__all__ = ["RulesRefresh", "WorkOrderCreation"]

A = LifecycleAction
S = WorkOrderState
Row = dict[str, Any]
RulesRefresh = Callable[[bool], object]  # looks at the SLA table's and calendars' files (True: now, not throttled)


class WorkOrderCreation:
    """The creation side of ``WorkOrderEngine``; its ``__init__`` sets these attributes."""

    sla: SlaTable
    calendars: Calendars
    taxonomy: Taxonomy
    settings: EngineSettings
    observers: list[WorkOrderObserver]
    refresh_rules: RulesRefresh | None

    def create(self, tx: WorkOrderTransaction, complaint: Complaint, tier: TierFacts, now: datetime) -> Created:
        try:
            template = self.taxonomy.phenomenon(complaint.category_code)
        except UnknownCategory as exc:
            raise WorkOrderRefused(str(exc).strip("'\""), code="unknown-category") from None
        if complaint.checks_done:  # refused before anything is written (kept by the handler: ``checks_done``)
            stated_checks(template, complaint.checks_done, "CreateWorkOrder refused")
        refuse_other_subscriber(complaint.msisdn, complaint.dispatch_fields)  # NSP would get two: nothing written
        if self.refresh_rules is not None:
            self.refresh_rules(False)
        owner = self.settings.intake_department
        created_at = complaint.accepted_at(now)
        facts = TimingFacts(created_at=created_at, tier=tier.tier, department=owner)
        sla, calendars = self.sla, self.calendars  # one table throughout, whatever a reload does meanwhile
        deadlines = compute_deadlines(facts, sla, calendars)
        row: Row = {
            "channel": complaint.channel, "msisdn": complaint.msisdn, "contact_number": complaint.contact_number,
            "category_code": complaint.category_code, "phenomenon": complaint.phenomenon,
            "description": complaint.description, "occurred_at": complaint.occurred_at,
            "location": complaint.location, "area_code": complaint.area_code, "district": complaint.district,
            "taken_by": complaint.taken_by, "tier": tier.tier, "state": S.ACCEPTED.value, "owner": owner,
            "ticket_type": "COMPLAINT", "intake_point": complaint.intake, "sp_code": complaint.sp_code,
            "escalation_level": 0, "created_at": created_at, "updated_at": now, **limit_columns(deadlines),
        }
        actor = complaint.taken_by or complaint.source_system
        if tier.note:  # the lookup's own word (an unknown number: another network's caller) over "from BOSS"
            tier_note = f"{tier.note}: priority {deadlines.priority}" if tier.known else tier.note
        else:
            tier_note = (f"tier {tier.tier} from BOSS: priority {deadlines.priority}" if tier.known
                         else "tier unknown: ordinary time limits")
        history = [
            HistoryEntry(at=created_at, kind="state", actor=actor, system=complaint.source_system, action="CREATE",
                         to_state=S.NEW.value, note=f"{complaint.channel} complaint", message_id=complaint.message_id),
            HistoryEntry(at=now, kind="state", actor="hub", system="HUB", action=A.ACCEPT.value,
                         from_state=S.NEW.value, to_state=S.ACCEPTED.value, note=tier_note,
                         message_id=complaint.message_id),
        ]
        since = created_at - self.settings.repeat_window  # from when it began, as its limits run
        lock_customer(tx.db, complaint.msisdn)  # PostgreSQL: a creation for the number in another process waits
        earlier = customer_work_orders(tx.db, complaint.msisdn, since=since,
                                       limit=self.settings.customer_orders_shown)
        repeat_of = complained_of_before(tx.db, complaint.msisdn, complaint.category_code[:8], since=since,
                                         until=created_at)
        repeat = repeat_of is not None
        row["repeat_complaint"] = repeat  # kept: QueryWorkOrder(s) show it (store migration 0009)
        row["account_manager_id"] = tier.account_manager_id if tier.has_account_manager else None  # (0010)
        row.update(tier.group_columns)  # a group customer always marked as one, whatever tier won (0020)
        work_order_id = tx.insert_work_order(row, history=history, id_zone=self.settings.local_zone,
                                             id_key=complaint.message_id, id_at=created_at)  # its statistics day
        row["id"] = work_order_id
        tx.replace_deadlines(work_order_id, deadline_rows(deadlines, facts, sla, calendars,
                                                          state=S.ACCEPTED, fired=()))
        add_events(tx, row, [events.CREATE], now, repeat_complaint=repeat)
        follow_ups = [FollowUp("crm-notify", row, {"account_manager": tier.account_manager_id})
                      ] if tier.has_account_manager else []
        created = Created(row, earlier, repeat, follow_ups, new_work_order_view(row, history), repeat_of)
        for observer in self.observers:
            follow_ups += observer.created(tx, created, complaint, now)
        return created

    def missing_at_intake(self, complaint: Complaint) -> tuple[str, list[str]]:
        """The phenomenon's template and what the fields filled at intake leave missing of it (none: the complaint
        is dispatched at once; else the fields are kept for a later Dispatch, ``hub.workflow.intake_fields``)."""
        template = self.taxonomy.phenomenon(complaint.category_code)
        given = {"msisdn": complaint.msisdn, "contact_number": complaint.contact_number, **complaint.dispatch_fields}
        return template.id, template.missing_fields(given)
