"""The pre-processing checks an agent made before dispatching (``wo:CheckDone`` of CreateWorkOrder and Dispatch).

A phenomenon's template lists the checks an agent makes before handing a complaint over (the network notices board,
another handset, the HLR synchronised after a reconnection ...): ``DispatchTemplate.checks``. The agent names each
check made by its number in that list, 1 the first, as QueryTemplate's answer numbers them (``PreCheck number``).
A number the template has not, or one named twice, is refused ``unknown-check``, each named (nothing is written:
a CreateWorkOrder creates no work order, a Dispatch moves nothing). The checks stated are kept in the work
order's history, a field entry each (action ``CHECK_DONE``, field ``check.N``, the check's text as the template
words it, a note saying which template and with what they were stated), and every dispatch carries the checks
recorded so far with those of its own Dispatch (``nsp:CheckDone``: so that NSP does not repeat them; a dispatch
sent again after one marked invalid carries them too). Nothing is read or written when none is stated: the
history the Dispatch reads anyway tells the ones recorded before.

The checks are merged by their text, not their number: the template's list may have changed since a check was
recorded (a check inserted, the list reordered, the hub restarted: the taxonomy is read at start), so a recorded
``check.1`` may not be today's check 1. A dispatch carries each check once, in the template's current order, and
after them any recorded check the template no longer lists (or words otherwise now): the agent did make it. The
history entries stay as they were recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from hub.workflow.commands import Complaint, WorkOrderRefused
from hub.workflow.store import HistoryEntry, WorkOrderTransaction
from hub.workflow.taxonomy import DispatchTemplate

__all__ = ["CHECK_DONE", "CHECK_PREFIX", "UNKNOWN_CHECK", "check_entries", "check_problems", "checks_done",
           "keep_stated_checks", "recorded_checks", "stated_checks"]

CHECK_DONE = "CHECK_DONE"  # the history action of a check the agent stated
CHECK_PREFIX = "check."  # its field: "check." + the check's number in the template's list
UNKNOWN_CHECK = "unknown-check"  # the c:Error code of a check the template has not, or one named twice


def _number(given: str) -> int | None:
    try:
        return int(given.strip())
    except ValueError:
        return None


def check_problems(template: DispatchTemplate, numbers: Sequence[str]) -> list[str]:
    """Each check named that ``template`` has not, and each named twice (once), in the order given; [] when all
    are the template's, each once."""
    problems: list[str] = []
    seen: set[int] = set()
    twice: set[int] = set()
    count = len(template.checks)
    for given in numbers:
        number = _number(given)
        if number is None or not 1 <= number <= count:
            problems.append(f"check {given.strip()}: template {template.id} has no such check (its checks are "
                            f"1 to {count})")
        elif number in seen and number not in twice:
            twice.add(number)
            problems.append(f"check {number}: named twice")
        elif number is not None:
            seen.add(number)
    return problems


def stated_checks(template: DispatchTemplate, numbers: Sequence[str], refused: str) -> dict[int, str]:
    """The checks named, by number, with their text as ``template`` words them; refused ``unknown-check`` (the
    message ``refused``, then every problem) when any is not the template's or is named twice."""
    problems = check_problems(template, numbers)
    if problems:
        raise WorkOrderRefused(f"{refused}: " + "; ".join(problems) + " (a check is named by its number in the "
                               "template's list, 1 the first, as QueryTemplate's PreCheck number gives it)",
                               code=UNKNOWN_CHECK)
    return {number: template.checks[number - 1] for number in sorted({int(n) for n in numbers})}


def check_entries(stated: Mapping[int, str], *, template: str, at: datetime, actor: str, system: str,
                  message_id: str | None, stated_with: str) -> list[HistoryEntry]:
    """The history's field entries of the checks ``stated`` (by number), in the template's order."""
    return [HistoryEntry(at=at, kind="field", actor=actor, system=system, action=CHECK_DONE,
                         field=f"{CHECK_PREFIX}{number}", new_value=text,
                         note=f"check {number} of template {template}, stated {stated_with}", message_id=message_id)
            for number, text in sorted(stated.items())]


def recorded_checks(history: Iterable[Mapping[str, Any]]) -> list[str]:
    """The checks the history records as done, by their text as recorded (the number they had then may since
    name another check), each once, in the order first recorded."""
    recorded: dict[str, None] = {}
    for entry in history:
        if entry.get("action") == CHECK_DONE and entry.get("new_value"):
            recorded.setdefault(str(entry["new_value"]))
    return list(recorded)


def checks_done(listed: Sequence[str], recorded: Sequence[str], stated: Mapping[int, str]) -> list[str]:
    """What a dispatch carries as done: the checks ``recorded`` before with those ``stated`` now, merged by their
    text (each once), in the order the template ``listed`` them now; a recorded check the template no longer
    lists comes after them, in the order recorded (the agent did make it)."""
    done = {*recorded, *stated.values()}
    if not done:
        return []
    carried = [check for check in dict.fromkeys(listed) if check in done]
    return carried + [check for check in dict.fromkeys(recorded) if check not in carried]


def keep_stated_checks(tx: WorkOrderTransaction, work_order_id: str, template: DispatchTemplate,
                       complaint: Complaint, at: datetime) -> None:
    """The checks a complaint stated at intake that did not dispatch it, kept in the work order's history for its
    Dispatch (``WorkOrderEngine.create`` refused any the template has not before the work order was written)."""
    stated = stated_checks(template, complaint.checks_done, "CreateWorkOrder refused")
    tx.append_history(work_order_id, check_entries(
        stated, template=template.id, at=at, actor=complaint.taken_by or complaint.source_system,
        system=complaint.source_system, message_id=complaint.message_id, stated_with="at intake"))
