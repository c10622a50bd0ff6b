"""A work-order database already holding ``n`` open work orders, generated fast and cached between runs.

The rows are what the engine leaves (a work-order row, three history rows, its open deadline rows, an outbox event,
the processed message id), written with ``executemany`` in one transaction per chunk, the secondary indexes dropped
while filling and built again after (the same SQL, read back from ``sqlite_master``). Every work order is open
(ACCEPTED, DISPATCHED, IN_PROGRESS or PENDING), created in November 2026; its deadlines fall in 2030, except the
REPLY:ALARM of the first ``due`` work orders, due in January 2026: what a scheduler pass finds due. The file is kept
in the temporary directory under a name keyed by the schema revision (a hash of the migrations) and the sizes, and
copied for each run.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hub.workflow.store import WorkOrderStore

__all__ = ["SCHEMA_REVISION", "empty_store", "prefilled_store"]

MIGRATIONS = Path(__file__).resolve().parents[2] / "hub" / "workflow" / "store" / "migrations" / "versions"
SCHEMA_REVISION = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(MIGRATIONS.glob("*.py")))).hexdigest()[:12]
GENERATOR = "1"  # bump when the rows generated change
CACHE = Path(tempfile.gettempdir()) / "onepoint-bench-workflow"
CHUNK = 50_000
STATES = ("ACCEPTED", "DISPATCHED", "IN_PROGRESS", "PENDING")
TIERS = ("PREPAID", "CONTRACT", "VIP_GOLD", "GROUP_MEMBER", "OTHER_BRAND", "VIP_DIAMOND")
CATEGORIES = ("01.02.03", "01.02.01", "01.01.01", "02.01.01", "03.01.02")
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
START = datetime(2026, 11, 1, tzinfo=UTC)
FAR = datetime(2030, 1, 1, tzinfo=UTC)
PAST = datetime(2026, 1, 1, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def empty_store(path: Path) -> Path:
    """A new database at ``path`` with the schema at head (the store's own migrations)."""
    WorkOrderStore.open(f"sqlite:///{path}").close()
    return path


def prefilled_store(path: Path, n: int, due: int, *, say: Callable[[str], object] = print) -> Path:
    """Copy the cached database of ``n`` work orders (``due`` of them with a due alarm) to ``path``."""
    CACHE.mkdir(exist_ok=True)
    cached = CACHE / f"workorders-{SCHEMA_REVISION}-g{GENERATOR}-{n}-{due}.db"
    if not cached.exists():
        started = time.monotonic()
        building = cached.with_suffix(".building")
        building.unlink(missing_ok=True)
        _generate(empty_store(building), n, due)
        building.rename(cached)
        say(f"  generated {n:,} work orders in {time.monotonic() - started:.0f} s → {cached}")
    shutil.copyfile(cached, path)
    return path


def _generate(path: Path, n: int, due: int) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-262144")
    indexes = [sql for (sql,) in db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN "
        "('work_orders', 'work_order_history', 'deadlines', 'work_order_events')")]
    names = [name for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN "
        "('work_orders', 'work_order_history', 'deadlines', 'work_order_events')")]
    for name in names:
        db.execute(f"DROP INDEX {name}")
    rng = random.Random(12)
    for start in range(0, n, CHUNK):
        _chunk(db, rng, start, min(n, start + CHUNK), due)
    for sql in indexes:
        db.execute(sql)
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def _chunk(db: sqlite3.Connection, rng: random.Random, first: int, end: int, due: int) -> None:
    orders, history, deadlines, events, processed = [], [], [], [], []
    for number in range(first, end):
        created = START + timedelta(seconds=number * 2.0 + rng.random())
        wid = "WO" + created.strftime("%Y%m%d") + "".join(rng.choice(ALPHABET) for _ in range(8))
        state, at = STATES[number % len(STATES)], stamp(created)
        mid = f"prefill-{number:08d}"
        orders.append((wid, "HOTLINE", f"13{rng.randrange(10**9):09d}", "0755-83765432",
                       CATEGORIES[number % len(CATEGORIES)], "Cannot originate calls", "A prefilled complaint.",
                       at, "Futian", "0755", "Futian", "agent-1", TIERS[number % len(TIERS)], 1 + number % 4, state,
                       "CUSTOMER_SERVICE" if state == "ACCEPTED" else "NETWORK_OPS", at, at,
                       stamp(FAR), stamp(FAR + timedelta(days=1)), "prefill", "prefill",
                       None if state == "ACCEPTED" else at, at if state == "PENDING" else None))
        history += [(wid, 1, at, "agent-1", "CS", mid, "state", "CREATE", None, "NEW"),
                    (wid, 2, at, "hub", "HUB", mid, "state", "ACCEPT", "NEW", "ACCEPTED"),
                    (wid, 3, at, "hub", "HUB", mid, "state" if state != "ACCEPTED" else "field",
                     "MOVE" if state != "ACCEPTED" else None, "ACCEPTED" if state != "ACCEPTED" else None,
                     state if state != "ACCEPTED" else None)]
        alarm = PAST if number < due else FAR + timedelta(days=1)
        deadlines += [(wid, "REPLY:WARNING", stamp(FAR)), (wid, "REPLY:ALARM", stamp(alarm))]
        events.append((f"{number:08d}-0000-4000-8000-000000000000", wid, 1, "WorkOrderCreateEvent", "{}", at, at))
        processed.append((f"workflow:{mid}", f"created {wid}", at))
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO work_orders (id, channel, msisdn, contact_number, category_code, phenomenon, description,"
        " occurred_at, location, area_code, district, taken_by, tier, priority, state, owner, created_at,"
        " updated_at, first_response_due, reply_due, sla_version, calendar_version, first_responded_at,"
        " paused_since, escalation_level, paused_seconds, invalid_dispatches, version)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 1)", orders)
    db.executemany("INSERT INTO work_order_history (work_order_id, seq, at, actor, system, message_id, kind, action,"
                   " from_state, to_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", history)
    db.executemany("INSERT INTO deadlines (work_order_id, kind, due_at) VALUES (?, ?, ?)", deadlines)
    db.executemany("INSERT INTO work_order_events (event_id, work_order_id, seq, kind, payload, created_at,"
                   " published_at) VALUES (?, ?, ?, ?, ?, ?, ?)", events)
    db.executemany("INSERT INTO workflow_processed_messages (message_id, outcome, recorded_at) VALUES (?, ?, ?)",
                   processed)
    db.execute("COMMIT")
