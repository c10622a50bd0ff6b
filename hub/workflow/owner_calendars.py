"""Every department the hub makes an owner of work orders has a calendar of its own in ``calendars.toml``.

The calendars' ``default_calendar`` is for departments nobody foresaw (an ``ESCALATE`` naming a ``ToDepartment``
the file does not list). The departments the hub itself hands work orders to are known when it starts: the
``[workflow] intake_department`` (every new work order's owner) and each dispatch target of the taxonomy
(``[targets.CODE]``: a dispatch makes its target the owner). One of them missing from ``[departments]`` (a typo
there, ``CUSTOMER_SERIVCE = "hotline"``, or an intake department the file does not know) would count its limits
on the default calendar, office hours instead of the 7x24 hotline's, without a word; so the workflow refuses the
calendars at start and on a reload (``rule_files``), naming each such department and the listed name it is
probably a misspelling of.
"""

from __future__ import annotations

import difflib

from hub.workflow.calendars import Calendars
from hub.workflow.datafile import Problems
from hub.workflow.taxonomy import Taxonomy

__all__ = ["check_owner_calendars"]


def check_owner_calendars(calendars: Calendars, taxonomy: Taxonomy, intake_department: str) -> None:
    """``DataFileError`` of the calendars' file naming every owner ``[departments]`` does not list."""
    owners = {intake_department: "the [workflow] intake_department, owner of every new work order"}
    for code in sorted(taxonomy.targets):
        owners.setdefault(code, f"a dispatch target of the taxonomy ([targets.{code}]), owner of what is "
                                "dispatched to it")
    listed = set(calendars.departments)
    unused = sorted(listed - set(owners))
    problems = Problems(calendars.source)
    for department, role in owners.items():
        if department in listed:
            continue
        close = difflib.get_close_matches(department, unused, n=1, cutoff=0.8)
        hint = f"; [departments] lists {close[0]}, a misspelling of it?" if close else ""
        problems.add(f"departments.{department}",
                     f"missing: {department} is {role}; its limits would count on the default calendar "
                     f"{calendars.default_calendar!r}: name its calendar under [departments]{hint}")
    problems.raise_if_any()
