"""How ``onepoint workorders show`` and ``list`` print a work order: every instant in the operator's zone
(``[workflow] statistics_timezone``, the zone of ``onepoint stats``' days), named in the tables' titles
(``WO…: CLOSED (times in Asia/Shanghai)``, ``history (times in Asia/Shanghai)``) and in the deadlines' columns the
way ``stats`` names it (``due (Asia/Shanghai)``); the customer's and the contact number to their last 4 digits
wherever they are printed (their rows, and as they are written in the description, dispatch fields, notes and
changed values: a fixed-line contact number such as ``0755-83765432`` is no mobile number, which the free-text
masking alone would leave whole; every number of its history's ``contact_number``, ``msisdn`` and ``intake.``
entries too, such as a contact number a dispatch replaced, and any other fixed-line number in free text), other
mobile numbers in free text as ``138****8000``, and the mailboxes the
history holds (``mail_sent_to``, ``mail_from``) as ``b***@example.com``, unless unmasked.

Every cell is plain text (``rich.text.Text``): what a customer wrote (``[urgent]``, ``[/x]``) is printed as it
is, never read as markup."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from hub.observability.fixed_lines import mask_fixed_lines_in
from hub.observability.masking import mask_msisdn, mask_number_in
from hub.workflow.history_mailboxes import shown_value

__all__ = ["print_work_order", "when", "zoned"]

_NONE = "—"
_OWN_NUMBERS = ("msisdn", "contact_number")  # the work order's columns, and the dispatch fields the hub adds
_HISTORY_NUMBERS = frozenset({*_OWN_NUMBERS, *(f"intake.{name}" for name in _OWN_NUMBERS)})  # their field entries


def zoned(label: str, zone: ZoneInfo) -> str:
    """A time column's or table's label with the zone its times are in, as ``onepoint stats`` labels its own."""
    return f"{label} ({zone.key})"


def when(moment: Any, zone: ZoneInfo) -> str:
    """An instant of the store in ``zone`` (to the second), ``—`` for none."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if isinstance(moment, datetime) else _NONE


def _text(value: Any) -> str:
    return _NONE if value is None or value == "" else str(value)


def _group(row: Mapping[str, Any]) -> str:
    """The group customer BOSS listed the customer in (migration 0020): its code, name and the member's role."""
    if not row.get("group_id"):
        return _NONE
    name = f" {row['group_name']}" if row.get("group_name") else ""
    role = f" ({row['group_role']})" if row.get("group_role") else ""
    return f"{row['group_id']}{name}{role}"


def _tail(number: Any, unmasked: bool) -> str:
    """A number of the work order's own (the customer's, the contact's): to its last 4 characters."""
    if number is None or number == "":
        return _NONE
    return str(number) if unmasked else f"…{str(number)[-4:]}"


def _had_numbers(row: Mapping[str, Any], history: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every number the work order has had as its own: its row's, the old and new values of its history's entries
    of them (a contact number a dispatch replaced), and those given at intake (``intake.msisdn``,
    ``intake.contact_number``)."""
    numbers = {str(row[name]) for name in _OWN_NUMBERS if row.get(name)}
    for entry in history:
        if entry.get("kind") == "field" and entry.get("field") in _HISTORY_NUMBERS:
            numbers.update(str(entry[side]) for side in ("old_value", "new_value") if entry.get(side))
    return sorted(numbers, key=len, reverse=True)  # a number with its extension before the line alone


def _own_numbers_hidden(numbers: Iterable[str]) -> Callable[[str], str]:
    """A text with the work order's own ``numbers`` (the customer's, the contacts'), however written there, to
    their last 4 digits as `_tail` shows them: the mask of their rows is not undone elsewhere in the same output;
    then any other fixed-line number likewise (the free-text masking finds only mobile numbers)."""
    def hidden(text: str) -> str:
        for number in numbers:
            text = mask_number_in(text, number, _tail(number, unmasked=False))
        return mask_fixed_lines_in(text, lambda found: _tail(found, unmasked=False))
    return hidden


def _dispatch_fields(text: Any, unmasked: bool) -> str:
    """The last dispatch's template fields (a JSON object), one ``name: value`` a line; the numbers the hub adds
    (``msisdn``, ``contact_number``, which a dispatch may give as others than the work order's) as `_tail` shows
    them."""
    if not text:
        return _NONE
    try:
        fields = json.loads(text)
    except ValueError:
        return str(text)
    if not isinstance(fields, dict):
        return str(text)
    return "\n".join(f"{name}: {_tail(value, unmasked) if name in _OWN_NUMBERS else _text(value)}"
                     for name, value in fields.items()) or _NONE


def _value(entry: Mapping[str, Any], side: str, unmasked: bool) -> str:
    """A field entry's old or new value; one of the work order's numbers (another contact number than today's
    among them) as `_tail` shows it, a mailbox (``mail_sent_to``, ``mail_from``) masked as the logs mask one."""
    value = entry[side]
    if not value:
        return ""
    if unmasked:
        return str(value)
    return _tail(value, unmasked) if entry["field"] in _HISTORY_NUMBERS else shown_value(entry["field"], str(value))


def _fields(row: Mapping[str, Any], zone: ZoneInfo, unmasked: bool) -> Iterable[tuple[str, str]]:
    """The rows of the fields table: what the complaint is, whose, where it stands, its times."""
    kind = _text(row.get("ticket_type") or "COMPLAINT") + (", repeat complaint" if row.get("repeat_complaint") else "")
    dispatched = _text(row.get("dispatch_system"))
    if row.get("invalid_dispatches"):
        dispatched += f" ({row['invalid_dispatches']} sent back as invalid)"
    paused = when(row.get("paused_since"), zone)
    if row.get("paused_since") and row.get("state_before_suspension"):
        paused += f" (from {row['state_before_suspension']})"
    return (
        ("type", kind), ("channel", _text(row.get("channel"))), ("intake point", _text(row.get("intake_point"))),
        ("taken by", _text(row.get("taken_by"))),
        ("category", f"{row.get('category_code')} {row.get('phenomenon') or ''}".strip()),
        ("description", _text(row.get("description"))), ("occurred", when(row.get("occurred_at"), zone)),
        ("location", _text(row.get("location"))),
        ("area / district", f"{_text(row.get('area_code'))} / {_text(row.get('district'))}"),
        ("number", _tail(row.get("msisdn"), unmasked)), ("contact number", _tail(row.get("contact_number"), unmasked)),
        ("SP", _text(row.get("sp_code"))), ("incident", _text(row.get("incident_id"))),
        ("repeat of", _text(row.get("repeat_of"))), ("outage notice", _text(row.get("outage_id"))),
        ("tier / priority", f"{_text(row.get('tier'))} / {_text(row.get('priority'))}"),
        ("group customer", _group(row)),
        ("owner", _text(row.get("owner"))), ("account manager", _text(row.get("account_manager_id"))),
        ("escalation level", _text(row.get("escalation_level"))), ("dispatched to", dispatched),
        ("dispatch fields", _dispatch_fields(row.get("dispatch_fields"), unmasked)),
        ("satisfaction", _text(row.get("satisfaction"))),
        ("created", when(row.get("created_at"), zone)), ("first responded", when(row.get("first_responded_at"), zone)),
        ("replied", when(row.get("replied_at"), zone)), ("return visited", when(row.get("return_visited_at"), zone)),
        ("closed", when(row.get("closed_at"), zone)),
        ("first response due", when(row.get("first_response_due"), zone)),
        ("reply due", when(row.get("reply_due"), zone)), ("return visit due", when(row.get("return_visit_due"), zone)),
        ("paused since", paused),
    )


def print_work_order(console: Console, view: Any, zone: ZoneInfo, *, unmasked: bool) -> None:
    """The fields table, the history as a timeline, the deadline rows."""
    row = view.row
    own = _own_numbers_hidden(_had_numbers(row, view.history))
    shown: Callable[[Any], Text] = (lambda value: Text(str(value))) if unmasked else (
        lambda value: Text(mask_msisdn(own(str(value)))))
    fields = Table(title=f"{row['id']}: {row['state']} (times in {zone.key})", title_justify="left",
                   show_header=False)
    fields.add_column("field", no_wrap=True)
    fields.add_column("value", overflow="fold")
    for label, value in _fields(row, zone, unmasked):
        fields.add_row(label, shown(value))
    console.print(fields)
    console.print(_timeline(view.history, zone, unmasked, shown))
    due = Table(title="deadline rows", title_justify="left")
    for column in ("kind", zoned("due", zone), zoned("fired", zone)):
        due.add_column(column)
    for deadline in sorted(view.deadlines, key=lambda d: d["due_at"]):
        due.add_row(deadline["kind"], when(deadline["due_at"], zone), when(deadline["fired_at"], zone))
    console.print(due)


def _timeline(history: Iterable[Mapping[str, Any]], zone: ZoneInfo, unmasked: bool,
              shown: Callable[[Any], Text]) -> Table:
    """The history, each entry laid out to fit an 80-column terminal with its ids whole: the date above the time,
    the system under who, the change above the note. When, who and what are never cut; the change wraps between
    its words only (a ticket id, an owner, a state stays on one line: its column is at least the longest of them
    wide); only a word of the note longer than its column is folded."""
    entries = [(entry, _change(entry, unmasked)) for entry in history]
    longest = max((cell_len(word) for _, change in entries for word in change.split()), default=0)
    timeline = Table(title=f"history (times in {zone.key})", title_justify="left")
    for name in ("when", "who", "what"):
        timeline.add_column(name, no_wrap=True)
    timeline.add_column("change / note", overflow="fold", min_width=max(longest, len("change / note")))
    for entry, change in entries:
        at = when(entry["at"], zone).replace(" ", "\n", 1)
        who = shown(entry["actor"] or "")
        if entry["system"]:
            who.append(f"\n{entry['system']}")
        what = shown(change)
        if entry["note"]:
            what.append("\n")
            what.append_text(shown(entry["note"]))
        timeline.add_row(at, who, Text(entry["action"] or entry["kind"]), what)
    return timeline


def _change(entry: Mapping[str, Any], unmasked: bool) -> str:
    """A state entry's ``from → to``, a field entry's ``field: old → new``."""
    if entry["kind"] == "state":
        return f"{entry['from_state'] or ''} → {entry['to_state']}".strip()
    old = _value(entry, "old_value", unmasked)
    return f"{entry['field']}: {old + ' ' if old else ''}→ {_value(entry, 'new_value', unmasked)}"
