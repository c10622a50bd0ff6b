"""``[workflow]``: the work-order engine's database, data files and intake rules.

::

    [workflow]
    database = "onepoint-workorders.db"  # SQLite file (relative to the settings file's folder), or a URL:
                                         # sqlite:///path (a relative path: to the settings file's folder too),
                                         # postgresql+psycopg://user@host:5432/db (several hubs)
    sla = "sla.toml"                     # the SLA table; without it the packaged seed (hub/workflow/data)
    calendars = "calendars.toml"         # business calendars and departments; packaged seed without it
    taxonomy = "taxonomy/"               # complaint taxonomy and dispatch templates; packaged seed without it.
                                         # Read at start only (the SLA table and calendars are reloaded live):
                                         # restart the hub to apply an edit; a running one logs a WARNING per
                                         # change of its files saying so (hub/workflow/taxonomy_files.py)
    intake_department = "CUSTOMER_SERVICE"   # owner of new work orders, an OA user id (c:PartyId), checked
    repeat_window_hours = 168            # same number, same phenomenon within it: a repeat complaint
    customer_orders_shown = 20           # the customer's work orders in CreateWorkOrder's answer (1-50)
    tier_cache_seconds = 300             # the workflow's cache of BOSS tiers
    tier_timeout_seconds = 3             # how long a new work order waits for BOSS's tier (then ordinary limits;
                                         # the tier recheck waits the boss route's reply_timeout)
    tier_pause_seconds = 30              # after BOSS did not answer (not: refused one number): new work orders do
                                         # not wait for it that long
    link = "http://127.0.0.1:8000/workorders/{work_order_id}"   # OA items link back here
    scheduler_interval_seconds = 5       # how often due deadlines are looked for (0: no scheduler here)
    publisher_interval_seconds = 1       # how often the event listeners' next events are looked for (0: none here)
    listener_connect_timeout_seconds = 5 # a listener's call-back: connecting, then waiting for its answer
    listener_read_timeout_seconds = 10
    listener_gap_seconds = 60            # a hole in the outbox's positions: PostgreSQL waits for the transactions
                                         # that may fill it and warns after this long; SQLite passes it after this
    outage_services = "outage-services.toml"  # which categories an outage of which service explains (packaged seed)
    outage_auto_answer = true            # answer complaints an active outage notice explains at intake
    mass_incidents = true                # open an incident for a mass complaint
    mass_complaint_threshold = 10        # complaints of one phenomenon at one intake point …
    mass_complaint_window_minutes = 30   # … within this window open an incident
    enforce_templates = true             # refuse a dispatch that misses its template's fields
    return_visit_attempts = 3            # calls a return visit takes (1-10): an unreached Callback before the last
                                         # is an attempt, the work order stays REPLIED (hub/workflow/visit_attempts.py)
    statistics_timezone = "Asia/Shanghai"  # the operator's day: statistics counters, work-order ids, the day
                                         # BOSS identities are valid on (the BOSS adapter)
    worker_batch = 32                    # the workflow worker runs up to this many waiting messages in one
                                         # transaction, their confirms awaited once (1: one at a time)
    keep_processed_days = 7              # a processed message's record (its answer, its fingerprint) is deleted
                                         # this long after it was made: a copy arriving later is taken as new
    keep_events_days = 7                 # an event of the listeners' outbox is deleted this long after it was
                                         # published (never before every served listener has passed it)

    [workflow.listeners]                 # the event listeners' registrations and call-backs (docs/event-listeners.md)
    allowed_destinations = []            # networks ("10.20.0.0/16") and host-name suffixes (".crm.example.net");
                                         # none: public addresses only (loopback and private ones only when
                                         # named here; link-local, unspecified, multicast, broadcast never)
    refused_paths = ["/__admin/"]        # path prefixes no call-back may have (the emulators' admin API)
    max_per_system = 20                  # listeners one system may hold
    park_after_failures = 10             # failed deliveries of one event in a row that park (suspend) a listener
                                         # (the backbone's [broker] delivery_limit by default)
    delivery_threads = 32                # threads POSTing events at most: one a listener with a POST under way,
                                         # started as needed; past it listeners wait for one another (1-1000)

    [workflow.escalation_managers.SHIFT_LEADER]   # who holds a role of the SLA chains (docs/deadlines.md), per breach:
    NMC = "nmc-shift-01"                 # the work order's owning department's (a department calendars.toml lists)
    "0755" = "sz-shift-01"               # else its area's (c:AreaCode)
    "*" = "cs-shift-01"                  # else this one; a role without a table: the OA user of its name, as before
                                         # (roles an SLA chain uses; users OA user ids, c:PartyId; checked at start)

Upper bounds (``1e10`` for "never" would break ``Event.wait``, ``timedelta`` or a socket timeout later): every
``*_seconds`` at most 86400 (a day), ``keep_*_days`` and the two windows at most 3650 days, ``worker_batch`` 1000,
``return_visit_attempts`` 10.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.config.escalation_managers import EscalationManagerTable, parse_escalation_managers
from hub.config.listeners import ListenerSettings, parse_listeners
from hub.config.values import (
    LONGEST_WAIT_SECONDS,
    database_url_problem,
    is_number,
    relative_path,
    sqlite_beside_settings,
)
from hub.transport.urls import redacted

__all__ = ["DEFAULT_LINK", "LONGEST_DAYS", "LONGEST_WAIT_SECONDS", "MOST_BATCH", "PARTY_ID", "ListenerSettings",
           "WorkflowSettings", "parse_workflow"]

DEFAULT_LINK = "http://127.0.0.1:8000/workorders/{work_order_id}"
PARTY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,31}")  # c:PartyId (schemas/common.xsd): owners, OA user ids

_KEYS = {"database", "sla", "calendars", "taxonomy", "intake_department", "repeat_window_hours",
         "customer_orders_shown", "tier_cache_seconds", "tier_timeout_seconds", "tier_pause_seconds", "link",
         "scheduler_interval_seconds", "publisher_interval_seconds",
         "listener_connect_timeout_seconds", "listener_read_timeout_seconds", "listener_gap_seconds",
         "outage_services", "outage_auto_answer", "mass_incidents", "mass_complaint_threshold",
         "mass_complaint_window_minutes", "enforce_templates", "return_visit_attempts", "statistics_timezone",
         "worker_batch",
         "keep_processed_days", "keep_events_days", "listeners", "escalation_managers"}
@dataclass(frozen=True, slots=True)
class WorkflowSettings:
    database: str = "sqlite:///onepoint-workorders.db"
    sla: Path | None = None
    calendars: Path | None = None
    taxonomy: Path | None = None
    intake_department: str = "CUSTOMER_SERVICE"
    repeat_window_hours: float = 168.0
    customer_orders_shown: int = 20  # at most 50: CreateWorkOrderResponse's CustomerWorkOrder
    tier_cache_seconds: float = 300.0
    tier_timeout_seconds: float = 3.0
    tier_pause_seconds: float = 30.0
    link: str = DEFAULT_LINK
    scheduler_interval_seconds: float = 5.0
    publisher_interval_seconds: float = 1.0
    listener_connect_timeout_seconds: float = 5.0
    listener_read_timeout_seconds: float = 10.0
    listener_gap_seconds: float = 60.0
    outage_services: Path | None = None
    outage_auto_answer: bool = True
    mass_incidents: bool = True
    mass_complaint_threshold: int = 10
    mass_complaint_window_minutes: float = 30.0
    enforce_templates: bool = True
    return_visit_attempts: int = 3  # 1-10: calls before a return visit's outcome is "customer not reached"
    statistics_timezone: str = "Asia/Shanghai"
    worker_batch: int = 32
    keep_processed_days: float = 7.0
    keep_events_days: float = 7.0  # the outbox's published events (hub.workflow.retention)
    listeners: ListenerSettings = field(default_factory=ListenerSettings)
    # role -> department, area code or "*" -> OA user id (hub.config.escalation_managers); empty: the role's name
    escalation_managers: EscalationManagerTable = field(default_factory=dict)



_SCHEME = re.compile(r"(?i)(postgres|sqlite)[a-z0-9+]*:")  # a database URL's scheme, however many slashes follow


def _database(value: Any, source: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{source}: workflow.database must be a file name or a database URL")
    if "://" in value or _SCHEME.match(value):  # a URL, mistyped ones too: "postgresql+psycopg:/db" was taken
        if problem := database_url_problem(value):  # for the name of a SQLite file in a folder "postgresql+psycopg:"
            raise ValueError(f"{source}: workflow.database {redacted(value)!r} {problem}")
        # sqlite:///workorders.db: beside the settings, as a bare name
        return sqlite_beside_settings(value, source, "workflow.database")
    return f"sqlite:///{relative_path(value, source)}"


# Upper bounds: a number past them is a mistake ("never" written as 1e10) that the settings check must refuse, not
# a thread or a start-up that dies later: timedelta, datetime arithmetic, Event.wait and socket timeouts overflow.
LONGEST_DAYS = 3650.0  # windows looked back over and records kept, as [bulletin] keep_cleared_days
MOST_BATCH = 1000  # worker_batch: its prefetch (twice it) stays far under AMQP's 65535
MOST_VISIT_ATTEMPTS = 10  # return_visit_attempts: calls of one return visit


def _number(section: dict[str, Any], key: str, default: float, source: str, *, most: float,
            zero_ok: bool = False) -> float:
    value = section.get(key, default)
    if not is_number(value) or value < 0 or (value == 0 and not zero_ok) or value > most:
        raise ValueError(f"{source}: workflow.{key} must be a positive number, not {value!r} (at most {most:g})")
    return float(value)


def _seconds(section: dict[str, Any], key: str, default: float, source: str, *, zero_ok: bool = False) -> float:
    return _number(section, key, default, source, most=LONGEST_WAIT_SECONDS, zero_ok=zero_ok)


def _count(section: dict[str, Any], key: str, default: int, source: str, *, least: int = 1, most: int | None = None,
           table: str = "workflow") -> int:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < least or (most and value > most):
        raise ValueError(f"{source}: {table}.{key} must be a whole number of at least {least}"
                         f"{f' and at most {most}' if most else ''}, not {value!r}")
    return value


def _orders_shown(section: dict[str, Any], source: str) -> int:
    shown = _count(section, "customer_orders_shown", 20, source)
    if shown > 50:
        raise ValueError(f"{source}: workflow.customer_orders_shown must be 50 or less (CreateWorkOrderResponse lists "
                         f"at most 50 CustomerWorkOrder), not {shown}")
    return shown


def _flag(section: dict[str, Any], key: str, source: str) -> bool:
    value = section.get(key, True)
    if not isinstance(value, bool):
        raise ValueError(f"{source}: workflow.{key} must be true or false")
    return value


def _timezone(value: Any, source: str) -> str:
    try:
        ZoneInfo(value)
    except (TypeError, ValueError, ZoneInfoNotFoundError):
        raise ValueError(f"{source}: workflow.statistics_timezone {value!r} is not a time zone name") from None
    return str(value)


def parse_workflow(section: Any, source: str) -> WorkflowSettings:
    """The ``[workflow]`` table; ``ValueError`` names each bad entry. A settings file without one gets the
    defaults, its files beside the settings file like those it names (every process of one settings file,
    whatever its working folder, shares one database: the DSMP worker reads the workflow's)."""
    if section is None:
        section = {}
    if not isinstance(section, dict):
        raise ValueError(f"{source}: [workflow] must be a table")
    if unknown := set(section) - _KEYS:
        raise ValueError(f"{source}: unknown keys in [workflow]: {sorted(unknown)}")
    paths: dict[str, Path | None] = {}
    for key in ("sla", "calendars", "taxonomy", "outage_services"):
        value = section.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ValueError(f"{source}: workflow.{key} must be a file name")
        paths[key] = None if value is None else relative_path(value, source)
    department = section.get("intake_department", "CUSTOMER_SERVICE")
    link = section.get("link", DEFAULT_LINK)
    if not isinstance(department, str) or not PARTY_ID.fullmatch(department):
        raise ValueError(f"{source}: workflow.intake_department must be a department code, {department!r} is not: "
                         "it becomes the owner of new work orders and the OA user id of their owners' items "
                         "(c:PartyId: a letter or digit, then up to 31 letters, digits, '.', '_' or '-')")
    if not isinstance(link, str) or "{work_order_id}" not in link or not link.startswith(("http://", "https://")):
        raise ValueError(f"{source}: workflow.link must be an http(s) URL with {{work_order_id}} in it")
    return WorkflowSettings(
        database=_database(section.get("database", "onepoint-workorders.db"), source),
        sla=paths["sla"], calendars=paths["calendars"], taxonomy=paths["taxonomy"],
        intake_department=department,
        repeat_window_hours=_number(section, "repeat_window_hours", 168.0, source, most=LONGEST_DAYS * 24),
        customer_orders_shown=_orders_shown(section, source),
        tier_cache_seconds=_seconds(section, "tier_cache_seconds", 300.0, source, zero_ok=True),
        tier_timeout_seconds=_seconds(section, "tier_timeout_seconds", 3.0, source),
        tier_pause_seconds=_seconds(section, "tier_pause_seconds", 30.0, source, zero_ok=True),
        link=link,
        scheduler_interval_seconds=_seconds(section, "scheduler_interval_seconds", 5.0, source, zero_ok=True),
        publisher_interval_seconds=_seconds(section, "publisher_interval_seconds", 1.0, source, zero_ok=True),
        listener_connect_timeout_seconds=_seconds(section, "listener_connect_timeout_seconds", 5.0, source),
        listener_read_timeout_seconds=_seconds(section, "listener_read_timeout_seconds", 10.0, source),
        listener_gap_seconds=_seconds(section, "listener_gap_seconds", 60.0, source, zero_ok=True),
        outage_services=paths["outage_services"],
        outage_auto_answer=_flag(section, "outage_auto_answer", source),
        mass_incidents=_flag(section, "mass_incidents", source),
        mass_complaint_threshold=_count(section, "mass_complaint_threshold", 10, source, least=2),
        mass_complaint_window_minutes=_number(section, "mass_complaint_window_minutes", 30.0, source,
                                              most=LONGEST_DAYS * 1440),
        enforce_templates=_flag(section, "enforce_templates", source),
        return_visit_attempts=_count(section, "return_visit_attempts", 3, source, most=MOST_VISIT_ATTEMPTS),
        statistics_timezone=_timezone(section.get("statistics_timezone", "Asia/Shanghai"), source),
        worker_batch=_count(section, "worker_batch", 32, source, most=MOST_BATCH),
        keep_processed_days=_number(section, "keep_processed_days", 7.0, source, most=LONGEST_DAYS),
        keep_events_days=_number(section, "keep_events_days", 7.0, source, most=LONGEST_DAYS),
        listeners=parse_listeners(section.get("listeners"), source),
        escalation_managers=parse_escalation_managers(section.get("escalation_managers"), source),
    )
