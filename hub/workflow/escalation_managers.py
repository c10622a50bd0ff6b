"""Who holds a role of the SLA chain for a work order (docs/deadlines.md, "who holds a role"): the OA user a breach's
to-do goes to. The SLA table names roles (``SHIFT_LEADER``, ``DEPARTMENT_MANAGER``...); ``[workflow.
escalation_managers]`` (``hub.config.escalation_managers``) names their holders per department and area, looked up
each time a breach is told, so a work order handed to another department between two levels has the next level
told to that department's holder:

1. the entry of the department that owes the breached limit (``owing_department``): the work order's owning
   department (``owner`` when the breach is told), but for the return visit's limit the intake department
   (``[workflow] intake_department``), the 7x24 hotline that makes the visit: the department that replied (a
   network desk) owes nothing more, as the return visit's warning says (``deadline_warnings``);
2. else the entry of its area code (``area_code``);
3. else the role's ``"*"`` entry;
4. else (no table for the role at all, or none of the three) the OA user whose id is the role's name, as before
   the table existed: an installation without it sends the to-dos it always did.

``check_escalation_managers`` checks the table against the SLA table and the calendars at start, naming every
problem: a role no SLA chain uses (its entries would never be read), a key neither a department the calendars list,
an area code (``c:AreaCode``) nor ``"*"``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from hub.config.escalation_managers import ANY_KEY, EscalationManagerTable
from hub.workflow.calendars import Calendars
from hub.workflow.datafile import DataFileError
from hub.workflow.deadlines import DeadlineKind
from hub.workflow.sla import SlaTable

__all__ = ["AREA_CODE", "SETTINGS_TABLE", "check_escalation_managers", "owing_department", "role_holder"]

AREA_CODE = re.compile(r"0[1-9][0-9]{1,2}")  # c:AreaCode (schemas/common.xsd)
SETTINGS_TABLE = "[workflow.escalation_managers]"


def owing_department(work_order: Mapping[str, Any], limit: DeadlineKind | None, intake_department: str) -> str:
    """The department that owes ``limit`` of ``work_order``: the hotline (``intake_department``) the return visit,
    the owner now any other limit (and an incident's manager to-do, ``limit`` None)."""
    return intake_department if limit is DeadlineKind.RETURN_VISIT else str(work_order.get("owner") or "")


def role_holder(managers: EscalationManagerTable, role: str, work_order: Mapping[str, Any],
                department: str | None = None) -> str:
    """The OA user who holds ``role`` for ``work_order`` (its ``owner`` and ``area_code`` as they are now):
    ``department``'s entry (the one owing the limit, ``owing_department``; None: the owner), else the area's, else
    ``"*"``, else the role's own name."""
    holders = managers.get(role)
    if not holders:
        return role
    for key in (work_order.get("owner") if department is None else department, work_order.get("area_code")):
        if key and (user := holders.get(str(key))) is not None:
            return user
    return holders.get(ANY_KEY, role)


def check_escalation_managers(managers: EscalationManagerTable, sla: SlaTable, calendars: Calendars) -> None:
    """Raise ``DataFileError`` naming every entry of ``managers`` that the SLA table and calendars make useless."""
    chain_roles = {role for row in (*sla.rows.values(), sla.unknown) for role in row.escalation}
    problems: list[tuple[str, str]] = []
    for role, holders in managers.items():
        if role not in chain_roles:
            problems.append((role, f"no escalation chain of the SLA table {sla.source} has this role "
                                   f"(they have {', '.join(sorted(chain_roles)) or 'none'}): remove it or fix its "
                                   "spelling"))
        for key in holders:
            if key != ANY_KEY and key not in calendars.departments and not AREA_CODE.fullmatch(key):
                problems.append((f"{role}.{key}", "neither a department the calendars "
                                                  f"{calendars.source} list, an area code (c:AreaCode: 0, then "
                                                  '2 or 3 digits) nor "*"'))
    if problems:
        raise DataFileError(SETTINGS_TABLE, problems)
