"""Who may query SMS logs: the operator account's role (by account pattern) and the roles allowed to query.

DSMP's own rule is that only the back-office network group may read a subscriber's SMS records. The hub checks
it before DSMP is asked, from ``[adapters.dsmp]``::

    sms_log_roles = ["network-backoffice"]                                  # the roles allowed to query
    operator_roles = [{ account = "net-bo-*", role = "network-backoffice" },   # first matching pattern wins
                      { account = "cs-*", role = "customer-service" }]

An account no pattern matches has no role and is denied, as is a role not in ``sms_log_roles``. Without these
keys nobody may query (closed by default).

It lives in ``hub.audit`` because two layers read it: the DSMP adapter (which decides) and the ingress (which
audits, with the operator's role, a query it refused before any adapter saw it); the ingress may not import an
adapter (``adapters`` sit outside the hub's layers, pyproject ``[tool.importlinter]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

__all__ = ["NO_ROLE", "OperatorRole", "SmsLogAccess"]

NO_ROLE = "none"  # the role audited for an account no pattern maps


@dataclass(frozen=True, slots=True)
class OperatorRole:
    """Operator accounts matching ``account`` (a glob: ``net-bo-*``) have ``role``."""

    account: str
    role: str


@dataclass(frozen=True, slots=True)
class SmsLogAccess:
    allowed_roles: frozenset[str] = frozenset()
    operator_roles: tuple[OperatorRole, ...] = ()

    def role_of(self, account: str) -> str | None:
        """The role of the first pattern ``account`` matches (case-sensitive), or None."""
        return next((entry.role for entry in self.operator_roles if fnmatchcase(account, entry.account)), None)

    def allows(self, role: str | None) -> bool:
        return role is not None and role in self.allowed_roles

    @classmethod
    def from_options(cls, options: Mapping[str, Any], where: str = "[adapters.dsmp]") -> SmsLogAccess:
        """From the adapter's options (``AdapterSettings.options``); ``ValueError`` names the bad entry."""
        roles = options.get("sms_log_roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) and r for r in roles):
            raise ValueError(f"{where}: sms_log_roles must be a list of role names, not {roles!r}")
        entries = options.get("operator_roles", [])
        if not isinstance(entries, list):
            raise ValueError(f"{where}: operator_roles must be a list of {{ account = \"...\", role = \"...\" }}")
        mapped = []
        for index, entry in enumerate(entries):
            if (not isinstance(entry, dict) or set(entry) != {"account", "role"}
                    or not all(isinstance(v, str) and v for v in entry.values())):
                raise ValueError(f"{where}: operator_roles[{index}] must be "
                                 f"{{ account = \"<glob>\", role = \"<role>\" }}, not {entry!r}")
            mapped.append(OperatorRole(entry["account"], entry["role"]))
        return cls(frozenset(roles), tuple(mapped))
