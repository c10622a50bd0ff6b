"""Who may query SMS logs: the operator account's role (by account pattern) and the roles allowed to query; and
for how long a period one query may ask.

DSMP's own rule is that only the back-office network group may read a subscriber's SMS records. The hub checks
it before DSMP is asked, from ``[adapters.dsmp]``::

    sms_log_roles = ["network-backoffice"]                                  # the roles allowed to query
    operator_roles = [{ account = "net-bo-*", role = "network-backoffice" },   # first matching pattern wins
                      { account = "cs-*", role = "customer-service" }]

An account no pattern matches has no role and is denied, as is a role not in ``sms_log_roles``. Without these
keys nobody may query (closed by default).

``OperatorAccount`` is written by the caller: any caller the authorization table lets send ``dsmp.QuerySmsLog``
could name a back-office account. An entry's ``callers`` binds its accounts to the callers the hub authenticates
(the ingress's ``caller`` header: HTTP basic, bearer token or WS-Security UsernameToken)::

    operator_roles = [{ account = "net-bo-*", role = "network-backoffice", callers = ["cs-frontend"] }]

A query naming such an account sent by another caller (or by none the message names, e.g. an older hub's) is
refused (``operator-caller-mismatch``, audited ``denied`` with both the account and the caller); an entry without
``callers`` lets any authenticated caller name its accounts (the caller is still audited beside them).

``sms_log_max_days`` (default 31, 1 to 366) is the longest period one query may cover: a point-to-point SMS query
is for the days of one complaint, not a subscriber's history; a longer one is refused before DSMP is asked
(``period-too-long``, audited ``denied``).

The purpose of a query is a complaint of the queried subscriber (``adapters.dsmp.purpose``), and it binds the
period too (``adapters.dsmp.complaint_window``)::

    sms_log_days_before_complaint = 31   # the period may start this many days before the trouble began
    sms_log_days_after_close = 30        # a CLOSED work order justifies queries this long after its closing

(each 0 to 366 days; a CANCELLED work order justifies none).

It lives in ``hub.audit`` because two layers read it: the DSMP adapter (which decides) and the ingress (which
audits, with the operator's role, a query it refused before any adapter saw it); the ingress may not import an
adapter (``adapters`` sit outside the hub's layers, pyproject ``[tool.importlinter]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from fnmatch import fnmatchcase
from typing import Any

__all__ = ["DEFAULT_DAYS_AFTER_CLOSE", "DEFAULT_DAYS_BEFORE_COMPLAINT", "DEFAULT_MAX_PERIOD_DAYS",
           "LONGEST_MAX_PERIOD_DAYS", "NO_ROLE", "OperatorRole", "SmsLogAccess"]

NO_ROLE = "none"  # the role audited for an account no pattern maps
DEFAULT_MAX_PERIOD_DAYS = 31  # a month of records: DSMP's own window (the emulator keeps 30 days before its anchor)
LONGEST_MAX_PERIOD_DAYS = 366  # what sms_log_max_days may be set to at most
DEFAULT_DAYS_BEFORE_COMPLAINT = 31  # how long before the trouble began the period may start: a longest period too
DEFAULT_DAYS_AFTER_CLOSE = 30  # how long after its closing a CLOSED work order still justifies a query


@dataclass(frozen=True, slots=True)
class OperatorRole:
    """Operator accounts matching ``account`` (a glob: ``net-bo-*``) have ``role``; ``callers``: the authenticated
    callers who may name them (empty: any)."""

    account: str
    role: str
    callers: frozenset[str] = frozenset()

    def named_by(self, caller: str | None) -> bool:
        """Whether ``caller`` (the one the hub authenticated, None when unknown) may name these accounts."""
        return not self.callers or (caller is not None and caller in self.callers)


@dataclass(frozen=True, slots=True)
class SmsLogAccess:
    allowed_roles: frozenset[str] = frozenset()
    operator_roles: tuple[OperatorRole, ...] = ()
    max_period_days: int = DEFAULT_MAX_PERIOD_DAYS  # the longest period one query may cover
    days_before_complaint: int = DEFAULT_DAYS_BEFORE_COMPLAINT
    days_after_close: int = DEFAULT_DAYS_AFTER_CLOSE

    @property
    def max_period(self) -> timedelta:
        return timedelta(days=self.max_period_days)

    @property
    def before_complaint(self) -> timedelta:
        return timedelta(days=self.days_before_complaint)

    @property
    def after_close(self) -> timedelta:
        return timedelta(days=self.days_after_close)

    def entry_of(self, account: str) -> OperatorRole | None:
        """The first entry whose pattern ``account`` matches (case-sensitive), or None."""
        return next((entry for entry in self.operator_roles if fnmatchcase(account, entry.account)), None)

    def role_of(self, account: str) -> str | None:
        """The role of the first pattern ``account`` matches (case-sensitive), or None."""
        entry = self.entry_of(account)
        return None if entry is None else entry.role

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
            mapped.append(_operator_role(entry, f"{where}: operator_roles[{index}]"))
        days = _days(options, "sms_log_max_days", DEFAULT_MAX_PERIOD_DAYS, 1, where)
        before = _days(options, "sms_log_days_before_complaint", DEFAULT_DAYS_BEFORE_COMPLAINT, 0, where)
        after = _days(options, "sms_log_days_after_close", DEFAULT_DAYS_AFTER_CLOSE, 0, where)
        return cls(frozenset(roles), tuple(mapped), days, before, after)


def _days(options: Mapping[str, Any], key: str, default: int, least: int, where: str) -> int:
    """A number of days from ``least`` to ``LONGEST_MAX_PERIOD_DAYS``; ``ValueError`` naming the key otherwise."""
    days = options.get(key, default)
    if isinstance(days, bool) or not isinstance(days, int) or not least <= days <= LONGEST_MAX_PERIOD_DAYS:
        raise ValueError(f"{where}: {key} must be a whole number of days from {least} to "
                         f"{LONGEST_MAX_PERIOD_DAYS}, not {days!r}")
    return days


def _operator_role(entry: object, where: str) -> OperatorRole:
    """One ``operator_roles`` entry; ``ValueError`` naming it when it is not one."""
    shape = '{ account = "<glob>", role = "<role>"[, callers = ["<caller>", ...]] }'
    if (not isinstance(entry, dict) or not {"account", "role"} <= set(entry) <= {"account", "role", "callers"}
            or not all(isinstance(entry[key], str) and entry[key] for key in ("account", "role"))):
        raise ValueError(f"{where} must be {shape}, not {entry!r}")
    callers = entry.get("callers", [])
    if "callers" in entry and (not isinstance(callers, list) or not callers
                               or not all(isinstance(c, str) and c for c in callers)):
        raise ValueError(f"{where}: callers must be a non-empty list of caller names, not {callers!r}")
    return OperatorRole(entry["account"], entry["role"], frozenset(callers))
