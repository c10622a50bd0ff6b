"""``onepoint stats``' tables per department and per group customer: the department grain (each count under the
department that owned the work order at the event: "the downstream rates the upstream") and the complaints of a
group customer's members. Three department tables, so that an 80-column terminal shows each whole: the dispatches
received, its own returned (sent back as invalid) and refused, with the escalations and reminders (a caption states the
grain's rule); the replies; the return visits' satisfaction.
Counts are never cut; a department code longer than its column is folded onto further lines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.table import Table

    from hub.workflow.statistics.departments import DepartmentFigures
    from hub.workflow.statistics.figures import Figures, StatisticsQuery

__all__ = ["GRAIN_RULE", "department_tables", "group_table", "nothing_counted"]

NAME_WIDTH = 40  # columns of a group's name at most (folded onto further lines)
GRAIN_RULE = "counted under the holder after the event; returned: its dispatches sent back"  # one line


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _table(title: str, columns: tuple[str, ...]) -> Table:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column(columns[0], overflow="fold", min_width=len(columns[0]))  # folded, never cut
    for name in columns[1:]:
        table.add_column(name, justify="right", no_wrap=True, min_width=len(name))
    return table


def department_tables(figures: Figures) -> tuple[Table, Table, Table]:
    """The departments' dispatches, escalations and reminders; their replies; their return visits."""
    from rich.markup import escape

    steps = _table("per department: dispatches, escalations, reminders",
                   ("department", "received", "returned", "refused", "escalated in", "reminded"))
    steps.caption, steps.min_width = GRAIN_RULE, len(GRAIN_RULE)  # the table as wide as its one-line caption
    steps.caption_justify = "left"
    replies = _table("per department: replies (FCR: first-contact resolutions)",
                     ("department", "replied", "FCR", "in SLA", "late", "overdue", "SLA"))
    visits = _table("per department: return visits (rate: satisfied or basically, of those reached)",
                    ("department", "visits", "sat.", "basic.", "dissat.", "n/r", "rate"))
    for d in figures.departments:
        name = escape(d.department) if d.department else "(unknown)"
        steps.add_row(name, str(d.dispatched), str(d.invalid_dispatches), str(d.dispatches_refused),
                      str(d.escalated), str(d.reminded))
        replies.add_row(name, str(d.replied), str(d.first_contact_resolved), str(d.replied_in_sla),
                        str(d.replied_late), str(d.overdue), _share(d.sla_compliance))
        visits.add_row(name, str(d.return_visited), str(d.satisfied), str(d.basically_satisfied),
                       str(d.dissatisfied), str(d.not_reached), _share(d.satisfaction))
    return steps, replies, visits


def group_table(figures: Figures) -> Table:
    """The complaints of the top group customers' members, with their share of the window's complaints; the group
    by BOSS's number and its name (the latest its members' work orders keep)."""
    from rich.markup import escape
    from rich.table import Table

    groups = Table(title="complaints per group customer", title_justify="left")
    groups.add_column("group", no_wrap=True, min_width=len("group"))  # BOSS's number: never cut
    groups.add_column("name", overflow="fold", min_width=len("name"), max_width=NAME_WIDTH)  # folded, never cut
    for name in ("complaints", "share"):
        groups.add_column(name, justify="right", no_wrap=True, min_width=len(name))
    for group in figures.groups:
        groups.add_row(group.group_id, escape(group.group_name) if group.group_name else "—", str(group.complaints),
                       _share(group.share))
    return groups


def nothing_counted(query: StatisticsQuery, counted: Sequence[DepartmentFigures]) -> str:
    """The line for a ``--department`` that counted nothing in the window (codes are exact: ``noc-prov`` is not
    ``NOC-PROV``), naming the departments that did."""
    names = ", ".join(d.department or "(unknown)" for d in sorted(counted, key=lambda d: d.department)) or "none"
    return (f"no counts for department {query.department!r} in {query.first_day} … {query.last_day} "
            f"(codes are exact); departments counted: {names}")
