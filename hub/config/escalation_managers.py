"""``[workflow.escalation_managers]``: who holds each role of the SLA chains for a work order (docs/deadlines.md,
"who holds a role"). The SLA table names roles (``SHIFT_LEADER``...); without this table a breach's OA to-do goes
to an OA user whose id is the role's name, the same person for every department and area. With it::

    [workflow.escalation_managers.SHIFT_LEADER]
    NMC = "nmc-shift-01"        # the work order's owning department's
    "0755" = "sz-shift-01"      # else its area's (c:AreaCode)
    "*" = "cs-shift-01"         # else this one

Here only the table's shape is checked (every problem named at once): each role a table, each key ``"*"`` or a
department or area code (a ``c:PartyId``), each user an OA user id (``c:PartyId``). Whether a role is one of an SLA
chain and a key a department the calendars list is checked against those files at start
(``hub.workflow.escalation_managers.check_escalation_managers``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

__all__ = ["ANY_KEY", "EscalationManagerTable", "parse_escalation_managers"]

ANY_KEY = "*"  # the role's holder for a work order no department or area entry names
EscalationManagerTable = Mapping[str, Mapping[str, str]]  # role -> department, area code or "*" -> OA user id
_TABLE = "workflow.escalation_managers"
# c:PartyId (schemas/common.xsd), as hub.config.workflow.PARTY_ID (not imported: that module imports this one)
_PARTY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,31}")
_PARTY_ID_WORDS = "c:PartyId: a letter or digit, then up to 31 letters, digits, '.', '_' or '-'"


def parse_escalation_managers(value: Any, source: str) -> EscalationManagerTable:
    """The ``[workflow.escalation_managers]`` table (none: empty, every role's to-do to the user of its name);
    ``ValueError`` names every bad entry."""
    if value is None:
        return MappingProxyType({})
    if not isinstance(value, dict):
        raise ValueError(f"{source}: [{_TABLE}] must be a table of roles, each a table "
                         '(department, area code or "*" = OA user id)')
    problems: list[str] = []
    roles: dict[str, Mapping[str, str]] = {}
    for role, holders in value.items():
        if not _PARTY_ID.fullmatch(role):
            problems.append(f"{_TABLE}: {role!r} is no SLA role (roles are OA user ids, {_PARTY_ID_WORDS})")
            continue
        if not isinstance(holders, dict):
            problems.append(f'{_TABLE}.{role} must be a table (department, area code or "*" = OA user id), '
                            f"not {holders!r}")
            continue
        for key, user in holders.items():
            if key != ANY_KEY and not _PARTY_ID.fullmatch(key):
                problems.append(f'{_TABLE}.{role}: key {key!r} is neither a department, an area code nor "*"')
            if not isinstance(user, str) or not _PARTY_ID.fullmatch(user):
                problems.append(f"{_TABLE}.{role}.{key}: {user!r} is not an OA user id ({_PARTY_ID_WORDS})")
        roles[role] = MappingProxyType(dict(holders))
    if problems:
        raise ValueError(f"{source}: " + "; ".join(problems))
    return MappingProxyType(roles)
