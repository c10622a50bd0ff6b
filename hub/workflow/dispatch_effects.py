"""What a Dispatch changes beyond the state, and the command its target is owed: the dispatch checked against its
phenomenon's template with the fields kept from intake beneath its own (``intake_fields``; refused, listing what is
missing, when the template is enforced, else recorded as unchecked), the system it went to kept in
``dispatch_system`` (``MAIL`` for a department marked offline, e-mailed instead of given an OA to-do:
docs/offline-mail.md), the pre-processing checks it states kept and carried with those recorded before
(``checks_done``; one the template has not refused ``unknown-check``). Refused ``unknown-category`` when the taxonomy
no longer has the work order's category: a Dispatch is the only action that reads it. A field ``msisdn`` naming
another subscriber number is refused ``msisdn-mismatch``, counted as a refusal for missing fields is; a new call-back
number (``contact_number``) becomes the work order's (``hub.workflow.dispatch_numbers``). A ``DueAt`` that has
passed (``due-not-future``) or lies more than 365 days ahead (``due-too-far``) is refused before anything is written
(``hub.workflow.future_times``): NSP would be told a ticket overdue before it exists.
``effects.action_effects`` applies it in the action's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any, NoReturn

from hub.workflow.changes import (
    DISPATCH_FOLLOW_UP,
    MAIL_DISPATCH,
    MAIL_SYSTEM,
    DispatchRefusalObserver,
    EngineSettings,
    FollowUp,
    WorkOrderRefused,
)
from hub.workflow.checks_done import check_entries, checks_done, stated_checks
from hub.workflow.commands import ActionRequest
from hub.workflow.dispatch_numbers import (
    CALL_BACK_FIELD,
    MISMATCH,
    call_back_change,
    kept_subscriber_set_aside,
    other_subscriber,
)
from hub.workflow.future_times import DISPATCH_DUE_AT, time_ahead
from hub.workflow.store import HistoryEntry, WorkOrderTransaction
from hub.workflow.taxonomy import DispatchTemplate, Taxonomy, UnknownCategory

__all__ = ["DEPARTMENT_TODO", "dispatch_effects", "dispatch_template", "fault_time"]

DEPARTMENT_TODO = "oa-dispatch"  # a dispatch to a department not reached through NSP: the department's OA to-do

Row = dict[str, Any]
_FIELDS_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode  # built once


def fault_time(fields: Mapping[str, str], zone: tzinfo) -> datetime | None:
    """The template's ``fault_time`` as an instant (a time without offset is the operator's, ``zone``); None when
    the dispatch gave none (or one the template's type would refuse: its check is the template's), or a moment no
    ``datetime`` holds in UTC (``0001-01-01T00:00+08:00``), which no xs:dateTime of NSP's could carry either.
    An offset with seconds (``+08:00:30``, a zone's local mean time before 1901) is kept: ``OccurredAt`` is
    written as the same instant in UTC (``hub.gateways.documents.timestamp``)."""
    given = (fields.get("fault_time") or "").strip()
    try:
        at = datetime.fromisoformat(given) if given else None
    except ValueError:
        return None
    if at is None:
        return None
    at = at if at.tzinfo is not None else at.replace(tzinfo=zone)
    try:
        at.astimezone(UTC)
    except OverflowError:
        return None
    return at


def dispatch_template(taxonomy: Taxonomy, row: Row) -> DispatchTemplate:
    """The template a Dispatch of the work order is checked against; a category the taxonomy no longer has (a
    refinement withdrawn, the hub restarted) refused ``unknown-category``, before anything is written: only a
    Dispatch reads the taxonomy, every other action goes on (``runtime`` warns of such work orders at start)."""
    code = row["category_code"]
    try:
        return taxonomy.phenomenon(code)
    except UnknownCategory as exc:
        reason = (f"its category {code} is no longer in the taxonomy ({taxonomy.source})" if code not in taxonomy
                  else str(exc.args[0]))
        raise WorkOrderRefused(
            f"Dispatch of work order {row['id']} refused: {reason}, so there is no dispatch template to check it "
            f"against; put {code} back in the taxonomy and restart the hub to dispatch it (the actions that need "
            "no template, such as Start, Reply, Suspend, Escalate or Cancel, still work)",
            code="unknown-category") from None


def _from_intake(entry: str, kept: Mapping[str, str], given: Mapping[str, str]) -> str:
    """A missing-field entry (``name (label): what``) saying so when the value it judges was given at intake, not by
    this Dispatch (the agent would look for it in the Dispatch it sent)."""
    name = entry.partition(" ")[0]
    if name in kept and name not in given and not entry.endswith(": missing"):
        return f"{entry} (the value given at intake)"
    return entry


def _given_at_intake(name: str, kept: Mapping[str, str], request: ActionRequest) -> bool:
    return name in kept and name not in request.dispatch_fields


def _refused(tx: WorkOrderTransaction, row: Row, request: ActionRequest, changes: Row, observers: Sequence[object],
             refusal: str, *, note: str, code: str, listed: str | None = None) -> NoReturn:
    """A dispatch refused after all: its DISPATCH_REFUSED entry (``listed``, else the refusal) kept in the history
    (it commits with the c:Error answer) and counted by the refusal observers, then ``WorkOrderRefused`` carrying
    that record (``kept``: written again when the command's writes are rolled back)."""

    def record(kept_in: WorkOrderTransaction) -> None:
        kept_in.append_history(row["id"], [HistoryEntry(
            at=changes["updated_at"], kind="field", actor=request.operator, system=request.system,
            action="DISPATCH_REFUSED", field="dispatch", new_value=(listed or refusal)[:2000], note=note,
            message_id=request.message_id)])
        for observer in observers:
            if isinstance(observer, DispatchRefusalObserver):
                observer.dispatch_refused(kept_in, row, changes["updated_at"])

    record(tx)
    raise WorkOrderRefused(refusal, code=code, kept=record)


def dispatch_effects(tx: WorkOrderTransaction, row: Row, request: ActionRequest, changes: Row, *,
                     taxonomy: Taxonomy, settings: EngineSettings, observers: Sequence[object],
                     kept: Mapping[str, str], checked: Sequence[str]) -> list[FollowUp]:
    """What a Dispatch changes (into ``changes``) and the command it owes its target. ``kept``: the fields given at
    intake; ``checked``: the pre-processing checks recorded before (at intake, with an earlier dispatch; their text),
    carried with the Dispatch's own, merged by text (``hub.workflow.checks_done``)."""
    template = dispatch_template(taxonomy, row)
    due_at = request.details.get("DueAt")  # refused before anything is written: passed, or over a year ahead
    asked_due = time_ahead(due_at, DISPATCH_DUE_AT, row["id"], changes["updated_at"],
                           settings.local_zone) if due_at else None
    stated = (stated_checks(template, request.checks_done, f"Dispatch of work order {row['id']} refused")
              if request.checks_done else {})  # refused before anything is written
    set_aside = kept_subscriber_set_aside(row, kept, request, changes["updated_at"])
    if set_aside is not None:  # another subscriber number kept before msisdn-mismatch: the work order's dispatched
        kept = {name: value for name, value in kept.items() if name != "msisdn"}
    asked = {**kept, **request.dispatch_fields}  # the fields kept from intake beneath the Dispatch's own
    typed = {"msisdn": row["msisdn"], "contact_number": row["contact_number"] or "", **asked}
    given = template.normalised(typed)  # what NSP gets; checked in that form and as typed (a pattern may be either's)
    with_kept = f"template {template.id}" + (f"; with the {len(kept)} field(s) given at intake" if kept else "")
    other = other_subscriber(row["msisdn"], request.dispatch_fields, f"Dispatch of work order {row['id']} refused")
    if other is not None:  # NSP would be sent two subscriber numbers: refused, enforced templates or not
        _refused(tx, row, request, changes, observers, other, note=with_kept, code=MISMATCH)
    missing = [_from_intake(entry, kept, request.dispatch_fields) for entry in template.missing_fields(typed)]
    if missing and not settings.enforce_templates:
        tx.append_history(row["id"], [HistoryEntry(
            at=changes["updated_at"], kind="field", actor=request.operator, system=request.system,
            action="DISPATCH_UNCHECKED", field="dispatch", new_value="; ".join(missing)[:2000],
            note=f"template {template.id} not enforced", message_id=request.message_id)])
    elif missing:
        _refused(tx, row, request, changes, observers, f"dispatch of {row['id']} refused, template {template.id} "
                 "needs: " + "; ".join(missing), note=with_kept, code="dispatch-incomplete", listed="; ".join(missing))
    call_back = call_back_change(row, asked, request, changes["updated_at"],
                                 from_intake=_given_at_intake(CALL_BACK_FIELD, kept, request))
    if call_back is not None:  # the number NSP is given to call the customer back on is the work order's too
        changes[CALL_BACK_FIELD] = call_back.new_value
        tx.append_history(row["id"], [call_back])
    if set_aside is not None:
        tx.append_history(row["id"], [set_aside])
    if stated:  # kept in the history, just before the DISPATCH state entry
        tx.append_history(row["id"], check_entries(
            stated, template=template.id, at=changes["updated_at"], actor=request.operator, system=request.system,
            message_id=request.message_id, stated_with="with the dispatch"))
    changes["owner"] = request.details.get("ToDepartment") or template.target.code
    changes["dispatch_fields"] = _FIELDS_JSON(given)
    system = request.details.get("ToSystem") or template.target.system
    mailbox = None if system == "NSP" else settings.offline_mailboxes.get(changes["owner"])
    if mailbox is not None:  # an offline department: its handler gets the work order by e-mail
        system = MAIL_SYSTEM
    changes["dispatch_system"] = system  # whose call-back the work order awaits (NSP's reply is checked by it)
    added = [name for name in ("msisdn", "contact_number") if name not in asked]  # the hub's
    details = {"fields": {**given, "_template": template.id}, "template_fields": template.field_names,
               "added_fields": added, "instructions": request.details.get("Instructions"),
               "checks_done": checks_done(template.checks, checked, stated)}
    if system == "NSP":  # NSP's DueAt: the agent's, else the reply limit (``with_new_deadlines``, once recomputed)
        return [FollowUp(DISPATCH_FOLLOW_UP, {**row, **changes},
                         {**details, "fault_time": fault_time(given, settings.local_zone), "due_at": asked_due})]
    # no command set of DSMP, BOSS or CRM takes a dispatch: the department's people hear of it as an OA to-do
    dispatch = int(row["invalid_dispatches"] or 0) + 1  # a DISPATCH comes first, or after each refused one
    if mailbox is not None:
        return [FollowUp(MAIL_DISPATCH, {**row, **changes},
                         {**details, "department": changes["owner"], "dispatch": dispatch, "mailbox": mailbox})]
    return [FollowUp(DEPARTMENT_TODO, {**row, **changes},
                     {**details, "department": changes["owner"], "system": system, "dispatch": dispatch})]
