"""``onepoint stats``' tables per department and per group customer: the department grain (each count under the
department that owned the work order at the event: "the downstream rates the upstream") and the complaints of a
group customer's members. Three department tables, so that an 80-column terminal shows each whole: the dispatches
received, sent back and refused with the escalations and reminders; the replies; the return visits' satisfaction.
Counts are never cut; a department code longer than its column is folded onto further lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.table import Table

    from hub.workflow.statistics.figures import Figures

__all__ = ["department_tables", "group_table"]


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
                   ("department", "received", "invalid", "refused", "escalated", "reminded"))
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
    """The complaints of the top group customers' members, with their share of the window's complaints."""
    groups = _table("complaints per group customer", ("group", "complaints", "share"))
    for group in figures.groups:
        groups.add_row(group.group_id, str(group.complaints), _share(group.share))
    return groups
