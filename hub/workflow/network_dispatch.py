"""NSP's ``NetworkComplaintDispatch`` for a dispatched work order: the work order's facts, and every field of the
phenomenon's template as the agent gave it (normalised as the template checks it: ``DispatchTemplate.normalised``).

``Description`` is the complaint's description, then the dispatch's instructions (``Instructions: ...``), within
nsp:Description's 4000 characters, each given its own room (``dispatch_description``): the instructions always
arrive. The named elements summarise (``FaultPlace``, ``TerminalType``, ``AnnouncementHeard``, ``ContactNumber``); the
agent's own words go with them, word for word, as ``Field`` elements (template fields first, in the template's
order, then any other field the agent gave), so nothing the template made the agent ask for is lost on the way:
the other party's number of "cannot be called", a free-text "calling functions affected", how often it happens,
the roaming place, the APN, the WLAN hotspot, the web address. ``CheckDone`` lists the template's pre-processing
checks the agent made (stated with this Dispatch, at intake or with an earlier dispatch: ``hub.workflow.checks_done``),
each as the template words it, so that NSP does not repeat them. ``OccurredAt`` is the template's fault time when
the dispatch gave one (``fault_time``, read by ``dispatch_effects`` in the operator's zone when it has no
offset), else when the complaint says it began. ``FunctionAffected`` lists the functions the agent named when they
are codes of nsp:FunctionAffected (``RECEIVE_CALL, SEND_SMS``), else the one the phenomenon's template concerns (its
``function`` in the taxonomy's data: ``[templates.ID] function``), else one by the phenomenon's domain. ``DueAt``
is the agent's ``wo:Dispatch/DueAt`` when given, else the work order's reply limit as the dispatch itself
recomputed it (``effects.with_new_deadlines``; four hours on when it has none).

**Which dispatch NSP's reply answers** (``answered_dispatch``): NSP's NetworkComplaintReply carries the MessageId of
the dispatch it answers as its CorrelationId. That id is derived (``hub.routing.message_ids``) from the message
that caused the dispatch (the DISPATCH move's ``message_id`` in the work order's history: the WorkOrderAction, the
complaint dispatched at intake, the complaint that opened an incident), the workflow's consumer and the step
``hub.workflow.sending`` sent it at (``hub.workflow.follow_up_steps``: ``nsp-dispatch-<position among the
follow-ups for the message's own work order>``, or ``nsp-dispatch-<work order id>`` for another's, the incident a
complaint opened), so the history tells which of the work order's dispatches a reply names, without a column of
its own: a work order dispatched by an older hub (positions among all of the run's follow-ups) is matched as
well. A CorrelationId derived from none of them (a reply made by hand) names no dispatch.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lxml import etree

from hub.gateways.documents import add_child, shortened
from hub.routing.message_ids import derive_message_id
from hub.workflow.changes import DISPATCH_FOLLOW_UP, FollowUp
from hub.workflow.follow_up_header import follow_up_root
from hub.workflow.follow_up_steps import other_work_order_step
from hub.workflow.lifecycle import LifecycleAction
from hub.workflow.taxonomy import Taxonomy
from hub.workflow.taxonomy.dispatch_limits import (
    CHECKS_DONE,
    DISPATCH_FIELDS,
    FIELD_NAME_LENGTH,
    FIELD_VALUE_LENGTH,
    FUNCTION_CODES,
)

__all__ = ["CAUSE_SYSTEMS", "DESCRIPTION_LENGTH", "DISPATCH_FOLLOW_UP", "FOLLOW_UPS_PER_MESSAGE", "FUNCTION_CODES",
           "MAX_FIELDS", "AnsweredDispatch", "answered_dispatch", "checks_carried", "dispatch_description",
           "dispatch_field_items", "functions_affected", "nsp_dispatch"]

C = "urn:onepoint:common:1"
NSP = "urn:onepoint:nsp:1"
MAX_FIELDS = DISPATCH_FIELDS  # nsp:NetworkComplaintDispatch's Field maxOccurs (as the WorkOrderAction's Dispatch)
FIELD_LENGTH = FIELD_VALUE_LENGTH  # c:ShortText
DESCRIPTION_LENGTH = 4000  # nsp:Description, c:LongText
INSTRUCTIONS_LABEL = "\n\nInstructions: "
# The function of a phenomenon whose template names none (nsp:FunctionAffected), by its domain, else call quality.
_FUNCTION_OF_DOMAIN = {"02": "DATA", "03": "SEND_SMS"}
_WORDS = re.compile(r"[A-Za-z_]+")
_FIELD_NAME = re.compile(f"[a-z][a-z0-9_]{{0,{FIELD_NAME_LENGTH - 1}}}")  # nsp:FieldName
# how far into one message's follow-ups a dispatch is looked for (a complaint's own, its intake rules', then the
# dispatch: a handful); a dispatch sent further on would go unrecognised, its reply taken as any unmatched one
FOLLOW_UPS_PER_MESSAGE = 64
# the systems a dispatch's cause can come from (schemas/common.xsd SystemCode): part of the dispatch's derived id
CAUSE_SYSTEMS = ("CS", "HUB", "OA", "NSP", "MAIL", "BOSS", "CRM", "DSMP")


@dataclass(frozen=True, slots=True)
class AnsweredDispatch:
    """The dispatch NSP's reply answers and the work order's current one, each its number among the DISPATCH
    moves of the work order's history (1, then 2 after a dispatch marked invalid ...)."""

    dispatch: int
    current: int

    @property
    def stale(self) -> bool:
        """The reply answers a dispatch the work order has left behind (dispatched again since)."""
        return self.dispatch != self.current


def _sent_for(cause_id: str, consumer: str, message_id: str, work_order_id: str, system: str | None) -> bool:
    """Whether ``message_id`` is that of a dispatch of ``work_order_id`` that ``consumer`` sent while handling
    ``cause_id``: for another work order than the message's own, else at a position. The cause's source system is
    part of a derived id; the history entry's ``system`` (the one that moved the work order) is tried first, then
    every other, then none (a dispatch sent before the source was part of the ids)."""
    steps = [other_work_order_step(DISPATCH_FOLLOW_UP, work_order_id),
             *(f"{DISPATCH_FOLLOW_UP}-{position}" for position in range(FOLLOW_UPS_PER_MESSAGE))]
    sources = dict.fromkeys([system or "", *CAUSE_SYSTEMS, ""])
    return any(derive_message_id(cause_id, step, consumer, source) == message_id
               for source in sources for step in steps)


def answered_dispatch(history: Sequence[Mapping[str, Any]], correlation_id: str, consumer: str, *,
                      work_order_id: str) -> AnsweredDispatch | None:
    """Which of the dispatches of the work order ``work_order_id`` (its ``history``, oldest first) NSP's reply
    correlated with ``correlation_id`` answers, the dispatches sent by ``consumer``'s handlers; None when it names
    none of them. The current dispatch is tried first (a reply to it costs a derivation or two)."""
    causes = [(entry["message_id"], entry.get("system")) for entry in history
              if entry["kind"] == "state" and entry["action"] == LifecycleAction.DISPATCH.value]
    for number in range(len(causes), 0, -1):
        cause, system = causes[number - 1]
        if cause and _sent_for(str(cause), consumer, correlation_id, work_order_id, system and str(system)):
            return AnsweredDispatch(number, len(causes))
    return None


def functions_affected(fields: Mapping[str, str], function: str | None, category_code: str) -> list[str]:
    """The agent's ``calling_functions_affected`` when it names codes of nsp:FunctionAffected (each once, at most
    ten), else the template's ``function`` (the taxonomy's ``[templates.ID] function``), else by the category's
    domain (data for 02, SMS for 03, call quality for the rest)."""
    named = [word.upper() for word in _WORDS.findall(fields.get("calling_functions_affected") or "")]
    codes = list(dict.fromkeys(word for word in named if word in FUNCTION_CODES))[:10]
    if codes:
        return codes
    if function in FUNCTION_CODES:
        return [str(function)]
    return [_FUNCTION_OF_DOMAIN.get(category_code[:2], "CALL_QUALITY")]


def dispatch_field_items(fields: Mapping[str, str], template_fields: Sequence[str], *,
                         added: Collection[str] = ()) -> list[tuple[str, str]]:
    """The fields a dispatch carries, by name: the template's in its order, then the others the agent gave (sorted),
    blank ones and the hub's own (``_template``) left out, at most ``MAX_FIELDS``, each cut to c:ShortText.

    ``added`` names the entries the hub put in for the agent (``msisdn``, ``contact_number``: the work order's,
    which the dispatch's named elements carry too): beyond ``MAX_FIELDS`` those make way first, so the agent's
    own fields (``wo:Dispatch`` takes as many as ``nsp:NetworkComplaintDispatch``) are never cut for them."""
    names = [*dict.fromkeys(n for n in template_fields if n in fields),
             *sorted(n for n in fields if n not in template_fields)]
    items = [(name, shortened(str(fields[name]).strip(), FIELD_LENGTH)) for name in names
             if _FIELD_NAME.fullmatch(name) and str(fields[name] or "").strip()]
    over = len(items) - MAX_FIELDS
    if over > 0:
        spare = [name for name, _ in items if name in added][-over:]  # the last of them first
        items = [item for item in items if item[0] not in spare]
    return items[:MAX_FIELDS]


def checks_carried(details: Mapping[str, Any]) -> list[str]:
    """The pre-processing checks a dispatch carries as done (``details["checks_done"]``: the template's texts, in
    its order, ``hub.workflow.checks_done``), at most ``CHECKS_DONE`` (the taxonomy lists no more), each within
    c:ShortText (a longer check's text cut with an ellipsis: the taxonomy lets a check be c:LongText)."""
    checks = [str(check).strip() for check in details.get("checks_done") or () if str(check).strip()]
    return [shortened(check, FIELD_LENGTH) for check in checks[:CHECKS_DONE]]


def dispatch_description(description: str, instructions: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """NSP's ``Description``: the complaint's description, then the dispatch's instructions on a paragraph of their
    own (``Instructions: ...``), within nsp:Description's ``limit`` characters.

    Both are c:LongText (4000) in the hub's commands, so together they may not fit: then each part gets its own
    room, the shorter one whole when it takes at most half, the other cut to what is left (both cut to half when
    each is longer), so the instructions (what the network department is asked to do) always arrive, and a long
    description never pushes them out."""
    instructions = instructions.strip()
    if not instructions:
        return shortened(description, limit)
    room = limit - len(INSTRUCTIONS_LABEL)
    kept, told = _shares(len(description), len(instructions), room)
    return f"{shortened(description, kept)}{INSTRUCTIONS_LABEL}{shortened(instructions, told)}"


def _shares(first: int, second: int, room: int) -> tuple[int, int]:
    """Room for two texts of these lengths: both whole when they fit, else the shorter whole if it takes at most
    half and the longer the rest, else half each."""
    if first + second <= room:
        return first, second
    half = room // 2
    if second <= half:
        return room - second, second
    if first <= half:
        return first, room - first
    return room - half, half


def _due(row: Mapping[str, Any], now: datetime) -> datetime:
    due = row.get("reply_due")
    return due if isinstance(due, datetime) else now + timedelta(hours=4)


def nsp_dispatch(follow_up: FollowUp, now: datetime, operator: str, *, taxonomy: Taxonomy) -> etree._Element:
    """The ``nsp-dispatch`` follow-up as NSP's document (the header's MessageId is replaced by the derived id);
    ``taxonomy``: the one the dispatch was checked against, whose template (``_template`` of the fields) gives
    the function affected."""
    row, details = follow_up.work_order, follow_up.details
    fields: Mapping[str, str] = details["fields"]
    root = follow_up_root("nsp", NSP, "NetworkComplaintDispatch", now)
    add_child(root, "WorkOrderId", row["id"])
    add_child(root, "Msisdn", row["msisdn"])
    add_child(root, "CategoryCode", row["category_code"])
    add_child(root, "Phenomenon", shortened(str(row["phenomenon"] or row["category_code"]), FIELD_LENGTH))
    add_child(root, "Description", dispatch_description(str(row["description"] or ""),
                                                        str(details.get("instructions") or "")))
    place = fields.get("fault_place") or row.get("location") or "unknown"
    add_child(root, "FaultPlace", shortened(place, FIELD_LENGTH))
    area = add_child(root, "Area", None)
    etree.SubElement(area, f"{{{C}}}AreaCode").text = row["area_code"]
    if row.get("district"):
        etree.SubElement(area, f"{{{C}}}District").text = row["district"]
    fault_time = details.get("fault_time")
    add_child(root, "OccurredAt", fault_time if isinstance(fault_time, datetime) else row["occurred_at"])
    add_child(root, "TerminalType", shortened(fields.get("terminal_type") or "unknown", 64))
    add_child(root, "AnnouncementHeard", shortened(fields.get("announcement_heard") or "none", FIELD_LENGTH))
    template = taxonomy.templates.get(str(fields.get("_template", "")))
    for function in functions_affected(fields, template.function if template else None, str(row["category_code"])):
        add_child(root, "FunctionAffected", function)
    add_child(root, "ContactNumber", fields.get("contact_number") or row["contact_number"] or row["msisdn"])
    for name, value in dispatch_field_items(fields, details.get("template_fields") or (),
                                            added=details.get("added_fields") or ()):
        add_child(root, "Field", value).set("name", name)
    for check in checks_carried(details):
        add_child(root, "CheckDone", check)
    if details.get("mass_complaint"):  # an incident's fault report (hub.workflow.incidents)
        add_child(root, "MassComplaint", "true")
        add_child(root, "ComplaintCount", details["complaint_count"])
    asked = details.get("due_at")  # the agent's wo:Dispatch/DueAt, else the reply limit the dispatch set
    add_child(root, "DueAt", asked if isinstance(asked, datetime) else _due(row, now))
    add_child(root, "Priority", row["priority"])
    add_child(root, "DispatchedBy", operator)
    return root
