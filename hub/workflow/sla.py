"""The SLA table: per customer tier its priority, time limits, warning share and escalation chain (``sla.toml``).

First response and reply limits are business time in the calendar of the department owning the work order. The
return-visit limit is wall-clock time after the reply: the operator's rule is "within 24 h of completion", a promise
to the customer kept by the 7×24 hotline, so nights and holidays count. Loading checks every row and names every
problem in one `DataFileError` (VIPs and group key persons ahead of ordinary customers by priority, and none of
their limits longer than an ordinary tier's); the table's version is a hash of what it says (its rows, parsed), as a
calendar's is: an edit of comments or layout keeps it, and recalculates nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hub.routing.table import TIERS
from hub.workflow.datafile import Problems, content_version, format_duration, packaged, read_toml

__all__ = ["GROUP_TIERS", "MAX_LIMIT", "PRIORITIES", "ROLE", "UNKNOWN_TIER", "VIP_TIERS", "Escalation", "SlaRow",
           "SlaTable", "load_sla_table", "parse_sla_table"]

log = logging.getLogger("onepoint.workflow")

PRIORITIES = (1, 2, 3, 4)  # 1 is the most urgent
# "Requests (complaints included) from VIP and group customers take priority over ordinary ones": every other tier
# (and the unknown tier's row) must be less urgent than each of these (a higher priority number), checked at load
VIP_TIERS = frozenset({"VIP_DIAMOND", "VIP_GOLD", "VIP_SILVER"})
GROUP_TIERS = frozenset({"GROUP_KEY_PERSON", "GROUP_MEMBER"})
UNKNOWN_TIER = "unknown_tier"  # the row for a tier BOSS did not give or the table does not know
_TOP_KEYS = {"defaults", "tiers", UNKNOWN_TIER}
_ROW_KEYS = {"priority", "first_response", "reply", "return_visit", "warning_share", "escalation",
             "escalation_interval"}
_DEFAULT_KEYS = _ROW_KEYS - {"priority", "first_response", "reply"}
ROLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,31}")  # OA's UserId (c:PartyId in schemas/common.xsd)
MAX_LIMIT = timedelta(days=365)  # the longest limit or escalation interval: a calendar places it within its search


@dataclass(frozen=True)
class Escalation:
    """One step up the chain: ``level`` 1 is the first role told on a breach."""

    level: int
    role: str


@dataclass(frozen=True)
class SlaRow:
    """The time limits of one tier."""

    tier: str
    priority: int
    first_response: timedelta  # business time from creation
    reply: timedelta  # business time from creation
    return_visit: timedelta  # wall-clock time from the reply
    warning_share: float  # the warning fires at this share of each limit, the alarm at the limit
    escalation: tuple[str, ...]  # roles, level 1 first
    escalation_interval: timedelta  # business time a level has before the next one is escalated to

    def next_escalation(self, current_level: int) -> Escalation | None:
        """The level after ``current_level`` (0 = not escalated yet), ``None`` once the chain is exhausted."""
        if current_level < 0:
            raise ValueError(f"escalation level {current_level} < 0")
        if current_level >= len(self.escalation):
            return None
        return Escalation(current_level + 1, self.escalation[current_level])

    def escalation_at(self, level: int) -> Escalation | None:
        """Level ``level`` of the chain (1 = its first role), ``None`` past its end."""
        if level < 1:
            raise ValueError(f"escalation level {level} < 1")
        return Escalation(level, self.escalation[level - 1]) if level <= len(self.escalation) else None


@dataclass(frozen=True)
class SlaTable:
    rows: Mapping[str, SlaRow]
    unknown: SlaRow
    version: str
    source: str = "<memory>"

    def row(self, tier: str | None) -> SlaRow:
        """The row of ``tier``; an unknown or missing tier gets the ``unknown_tier`` row."""
        return self.rows.get(tier or "", self.unknown)


def load_sla_table(path: Path | str | None = None) -> SlaTable:
    """Load and check an SLA table (default: the packaged ``hub/workflow/data/sla.toml``)."""
    source = Path(path) if path is not None else packaged("sla.toml")
    document, _ = read_toml(source)
    table = parse_sla_table(document, source=str(source))
    log.info("SLA table loaded", extra={"source": str(source), "version": table.version})
    return table


def parse_sla_table(document: Mapping[str, Any], version: str | None = None, source: str = "<memory>") -> SlaTable:
    """Check a parsed SLA document; raises `DataFileError` naming every problem. ``version``: by default the hash
    of its rows (`content_version`)."""
    problems = Problems(source)
    for key in sorted(set(document) - _TOP_KEYS):
        problems.add(key, f"unknown key (allowed: {', '.join(sorted(_TOP_KEYS))})")
    defaults = document.get("defaults", {})
    if not isinstance(defaults, dict):
        problems.add("defaults", "must be a table")
        defaults = {}
    for key in sorted(set(defaults) - _DEFAULT_KEYS):
        problems.add(f"defaults.{key}", f"unknown key (allowed: {', '.join(sorted(_DEFAULT_KEYS))})")
    tiers = document.get("tiers")
    if not isinstance(tiers, dict):
        problems.add("tiers", "missing or not a table")
        tiers = {}
    rows: dict[str, SlaRow] = {}
    for tier, table in tiers.items():
        if tier not in TIERS:
            problems.add(f"tiers.{tier}", f"unknown tier (known: {', '.join(TIERS)})")
            continue
        row = _row(problems, f"tiers.{tier}", tier, table, defaults)
        if row is not None:
            rows[tier] = row
    for tier in TIERS:
        if tier not in tiers:
            problems.add(f"tiers.{tier}", "missing: every tier needs its row")
    unknown = _row(problems, UNKNOWN_TIER, UNKNOWN_TIER, document.get(UNKNOWN_TIER), defaults)
    _check_order(problems, rows, unknown)
    _check_limits(problems, rows, unknown)
    problems.raise_if_any()
    assert unknown is not None  # every problem of the row was raised above
    if version is None:
        version = content_version(repr((sorted(rows.items()), unknown)).encode())
    return SlaTable(MappingProxyType(rows), unknown, version, source)


def _check_order(problems: Problems, rows: Mapping[str, SlaRow], unknown: SlaRow | None) -> None:
    """VIPs and group key persons before ordinary customers: an ordinary tier (or the unknown tier's row) as urgent
    as or more urgent than one of theirs is a problem naming both. A group's ordinary member is checked against
    neither side: the domain serves them "like contract customers, always marked as group customers", so a table
    may give GROUP_MEMBER the CONTRACT row, or keep it ahead of ordinary customers as the packaged table does."""
    preferred = [row for tier, row in rows.items() if tier in VIP_TIERS | {"GROUP_KEY_PERSON"}]
    if not preferred:
        return
    least = max(preferred, key=lambda row: row.priority)
    ordinary = [row for tier, row in rows.items() if tier not in VIP_TIERS | GROUP_TIERS]
    for row in [*ordinary, *([unknown] if unknown is not None else [])]:
        if row.priority <= least.priority:
            key = row.tier if row.tier == UNKNOWN_TIER else f"tiers.{row.tier}"
            problems.add(f"{key}.priority", f"{row.priority} is as urgent as or more urgent than {least.tier}'s "
                                            f"{least.priority}: an ordinary tier must come after every VIP and "
                                            "group key person tier (a higher number)")


def _check_limits(problems: Problems, rows: Mapping[str, SlaRow], unknown: SlaRow | None) -> None:
    """VIPs and group key persons get the shortest limits too: a first response or reply of theirs longer than an
    ordinary tier's (or the unknown tier's row's) is a problem naming each of those tiers and its limit (a slipped
    digit, "48h" for "4h", loaded while only the priorities were checked). GROUP_MEMBER: neither side, as above."""
    preferred = [row for tier, row in rows.items() if tier in VIP_TIERS | {"GROUP_KEY_PERSON"}]
    ordinary = [row for tier, row in rows.items() if tier not in VIP_TIERS | GROUP_TIERS]
    ordinary += [unknown] if unknown is not None else []
    for row in preferred:
        for name in ("first_response", "reply"):
            limit: timedelta = getattr(row, name)
            shorter = [f"{other.tier} ({_in_hours(getattr(other, name))})" for other in ordinary
                       if getattr(other, name) < limit]
            if shorter:
                problems.add(f"tiers.{row.tier}.{name}", f"{_in_hours(limit)} is longer than the {name} of "
                                                         f"{', '.join(shorter)}: a VIP or group key person tier's "
                                                         "limit must not be longer than any ordinary tier's")


def _in_hours(limit: timedelta) -> str:
    """``timedelta(days=2)`` → ``"48h"``, ``timedelta(minutes=90)`` → ``"1h30m"``: a limit as the seed writes it."""
    hours, rest = divmod(int(limit.total_seconds()), 3600)
    return (f"{hours}h" if hours else "") + (format_duration(timedelta(seconds=rest)) if rest else "")


def _row(problems: Problems, key: str, tier: str, table: Any, defaults: Mapping[str, Any]) -> SlaRow | None:
    if not isinstance(table, dict):
        problems.add(key, "missing or not a table")
        return None
    before = len(problems.found)
    for name in sorted(set(table) - _ROW_KEYS):
        problems.add(f"{key}.{name}", f"unknown key (allowed: {', '.join(sorted(_ROW_KEYS))})")
    merged = {**defaults, **table}
    for name in sorted(_ROW_KEYS - set(merged)):
        problems.add(f"{key}.{name}", "missing (and no default)")

    def where(name: str) -> str:
        return f"{key}.{name}" if name in table else f"defaults.{name}"

    priority = merged.get("priority")
    if "priority" in merged and (type(priority) is not int or priority not in PRIORITIES):
        problems.add(where("priority"), f"{priority!r} is not a priority 1..4")
    durations = {name: _duration(problems, where(name), merged[name]) if name in merged else None
                 for name in ("first_response", "reply", "return_visit", "escalation_interval")}
    first, reply = durations["first_response"], durations["reply"]
    if first is not None and reply is not None and reply < first:
        problems.add(f"{key}.reply", "shorter than first_response")
    share = merged.get("warning_share")
    if "warning_share" in merged and not (isinstance(share, int | float) and not isinstance(share, bool)
                                          and 0 < share < 1):
        problems.add(where("warning_share"), f"{share!r} is not a share strictly between 0 and 1")
    chain = merged.get("escalation")
    if "escalation" in merged and (
            not isinstance(chain, list) or not chain or not all(isinstance(r, str) and r.strip() for r in chain)):
        problems.add(where("escalation"), "must be a non-empty list of role names")
    elif isinstance(chain, list) and len(set(chain)) != len(chain):
        problems.add(where("escalation"), f"a role appears twice in {chain}")
    elif isinstance(chain, list):
        for role in chain:
            if not ROLE.fullmatch(role):
                problems.add(where("escalation"), f"{role!r} is not an OA user id (c:PartyId: a letter or digit, "
                                                  "then up to 31 letters, digits, '.', '_' or '-')")
    if len(problems.found) > before:
        return None
    zero = timedelta(0)
    return SlaRow(
        tier=tier,
        priority=int(merged["priority"]),
        first_response=first or zero,
        reply=reply or zero,
        return_visit=durations["return_visit"] or zero,
        warning_share=float(merged["warning_share"]),
        escalation=tuple(merged["escalation"]),
        escalation_interval=durations["escalation_interval"] or zero,
    )


def _duration(problems: Problems, key: str, value: Any) -> timedelta | None:
    duration = problems.duration(key, value)
    if duration is not None and duration > MAX_LIMIT:
        problems.add(key, f"{value!r} is longer than {MAX_LIMIT.days} days")
        return None
    return duration
