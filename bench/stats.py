"""Benchmark: QueryStatistics's figures on a store of 1,000 and of 1,000,000 work orders, side by side (issue 13,
point 3), and the rebuild of the counters. Not a test. (Named ``stats.py``: a ``bench/statistics.py`` would shadow
the standard library's ``statistics`` for every script in bench/.) From the repository root (hold the benchmarks' lock):

    flock /tmp/bench.lock .venv/bin/python bench/stats.py [--small 1000] [--large 1000000] [--rounds 5] [--quick]

1. A SQLite work-order store (the store's own migrations) is filled with ``n`` work orders over the 365 days up to
   2026-11-30 — a skewed category mix over the taxonomy's 120 phenomena, 21 areas, the ten tiers, five channels,
   an SP on 8 % of them, a customer base of n/3 numbers (so repeat complaints happen) — with the history the
   engine leaves for each: 5 % auto-answered, 45 % replied at first contact, 45 % dispatched (6 % of those
   rejected and dispatched again) then started and replied, 5 % still open; 10 % of the replies late; 80 % of the
   replies visited and closed. Rows written with ``executemany``, the secondary indexes built after; the file is
   cached in the temporary directory (keyed by the schema revision, the generator and ``n``) and copied per run.
2. ``onepoint stats rebuild``'s function recomputes the counters from those work orders and their history (timed).
3. The figures QueryStatistics answers (``read_figures`` and the answer document) are timed, median of
   ``--rounds``, for November (a whole month: one period key), 30 days across two months (2 day and 4 week
   keys), the whole year (12 month keys) and November in one area; and, for contrast, November's hot spots
   counted straight from ``work_orders`` (what they would cost without counters).

Checks (exit 1): the rebuild counts every work order; the year's figures count every complaint; the hot spots
from the counters equal those counted from the work orders. Target (exit 3 if missed): 30 days' figures on the
large store within 100 ms (the slower of the two 30-day windows).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from hub.envelope import Envelope  # noqa: E402
from hub.workflow.statistics import StatisticsQuery, read_figures, rebuild_counters, statistics_answer  # noqa: E402
from hub.workflow.store import WorkOrderStore  # noqa: E402
from hub.workflow.taxonomy import load_taxonomy  # noqa: E402

MIGRATIONS = REPO / "hub" / "workflow" / "store" / "migrations" / "versions"
SCHEMA_REVISION = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(MIGRATIONS.glob("*.py")))).hexdigest()[:12]
GENERATOR = "1"  # bump when the rows generated change
CACHE = Path(tempfile.gettempdir()) / "onepoint-bench-statistics"
CHUNK = 50_000
ZONE = ZoneInfo("Asia/Shanghai")
LAST_DAY = date(2026, 11, 30)
SPAN_DAYS = 365
TARGET_MS = 100.0
AREAS = ("020", "0755", "0756", "0757", "0760", "0769", "0751", "0752", "0753", "0754", "0758", "0759", "0762",
         "0763", "0766", "0768", "0660", "0662", "0663", "0750", "0668")
TIERS = (("PREPAID", 30), ("CONTRACT", 25), ("OTHER_BRAND", 8), ("SHENZHOUXING", 10), ("GROUP_MEMBER", 10),
         ("GROUP_KEY_PERSON", 3), ("LONG_DISTANCE_ROAMING", 4), ("VIP_SILVER", 5), ("VIP_GOLD", 3), ("VIP_DIAMOND", 2))
CHANNELS = (("HOTLINE", 60), ("WEB", 12), ("SMS", 10), ("BUSINESS_HALL", 15), ("EMAIL", 3))
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def store_of(path: Path, n: int, say: Callable[[str], None]) -> Path:
    """Copy the cached store of ``n`` work orders (generating it the first time) to ``path``."""
    CACHE.mkdir(exist_ok=True)
    cached = CACHE / f"statistics-{SCHEMA_REVISION}-g{GENERATOR}-{n}.db"
    if not cached.exists():
        started = time.monotonic()
        building = cached.with_suffix(".building")
        building.unlink(missing_ok=True)
        WorkOrderStore.open(f"sqlite:///{building}").close()
        _generate(building, n)
        building.rename(cached)
        say(f"  generated {n:,} work orders in {time.monotonic() - started:.0f} s → {cached}")
    shutil.copyfile(cached, path)
    return path


def _generate(path: Path, n: int) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-262144")
    found = list(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND "
                            "tbl_name IN ('work_orders', 'work_order_history')"))
    for name, _sql in found:
        db.execute(f"DROP INDEX {name}")
    codes = [c.code for c in load_taxonomy() if c.level >= 3]
    rng = random.Random(13)
    weights = [1.0 / (rank + 1) for rank in range(len(codes))]  # a Zipf mix: a few phenomena dominate
    rng.shuffle(codes)
    dims = (codes, weights)
    for start in range(0, n, CHUNK):
        _chunk(db, rng, dims, start, min(n, start + CHUNK), n)
    for _name, sql in found:
        db.execute(sql)
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def _pick(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def _chunk(db: sqlite3.Connection, rng: random.Random, dims: tuple[list[str], list[float]], first: int, end: int,
           n: int) -> None:
    codes, weights = dims
    begin = datetime.combine(LAST_DAY - timedelta(days=SPAN_DAYS - 1), datetime.min.time(), ZONE)
    seconds = SPAN_DAYS * 86400
    customers = max(1, n // 3)
    orders: list[tuple[Any, ...]] = []
    history: list[tuple[Any, ...]] = []
    categories = rng.choices(codes, weights, k=end - first)
    for offset, number in enumerate(range(first, end)):
        created = begin + timedelta(seconds=seconds * number / n + rng.random())
        wid = "WO" + created.astimezone(UTC).strftime("%Y%m%d") + "".join(rng.choice(ALPHABET) for _ in range(8))
        steps, state, replied, dispatched = _outcome(rng, created)
        due = created + timedelta(hours=6)
        sp = f"80{rng.randrange(40):04d}" if rng.random() < 0.08 else None
        orders.append((wid, _pick(rng, CHANNELS), f"13{rng.randrange(customers):09d}", categories[offset],
                       rng.choice(AREAS), _pick(rng, TIERS), state, stamp(created), stamp(created), stamp(due),
                       None if replied is None else stamp(replied), "{}" if dispatched else None, sp))
        for seq, (at, action, before, after) in enumerate(steps, start=1):
            history.append((wid, seq, stamp(at), "state", action, before, after))
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO work_orders (id, channel, msisdn, category_code, area_code, tier, state, created_at, updated_at,"
        " reply_due, replied_at, dispatch_fields, sp_code, ticket_type, escalation_level, paused_seconds,"
        " invalid_dispatches, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'COMPLAINT', 0, 0, 0, 1)",
        orders)
    db.executemany("INSERT INTO work_order_history (work_order_id, seq, at, kind, action, from_state, to_state)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?)", history)
    db.execute("COMMIT")


def _outcome(rng: random.Random,
             created: datetime) -> tuple[list[tuple[datetime, str, str | None, str]], str, datetime | None, bool]:
    """A work order's state entries (at, action, from, to), its state, when it was replied, whether dispatched."""
    steps: list[tuple[datetime, str, str | None, str]] = [(created, "CREATE", None, "NEW"),
                                                         (created, "ACCEPT", "NEW", "ACCEPTED")]
    at, state, replied, dispatched = created, "ACCEPTED", None, False

    def step(action: str, target: str, after: timedelta) -> None:
        nonlocal at, state
        at += after
        steps.append((at, action, state, target))
        state = target

    roll = rng.random()
    if roll < 0.05:
        step("AUTO_ANSWER", "AUTO_ANSWERED", timedelta(seconds=20))
    elif roll < 0.95:
        if roll >= 0.50:
            dispatched = True
            step("DISPATCH", "DISPATCHED", timedelta(minutes=5))
            if rng.random() < 0.06:
                step("REJECT_DISPATCH", "DISPATCH_REJECTED", timedelta(minutes=40))
                step("DISPATCH", "DISPATCHED", timedelta(minutes=10))
            step("START", "IN_PROGRESS", timedelta(minutes=30))
        late = rng.random() < 0.10
        step("REPLY", "REPLIED", timedelta(hours=rng.uniform(6.5, 30) if late else rng.uniform(0.2, 5.5)))
        replied = at
    elif roll < 0.975:
        pass  # still ACCEPTED
    else:
        dispatched = True
        step("DISPATCH", "DISPATCHED", timedelta(minutes=5))
    if state in ("REPLIED", "AUTO_ANSWERED") and rng.random() < 0.80:
        step("RETURN_VISIT", "RETURN_VISITED", timedelta(hours=rng.uniform(1, 20)))
        step("CLOSE", "CLOSED", timedelta(minutes=1))
    return steps, state, replied, dispatched


def timed_ms(operation: Callable[[], object], rounds: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = operation()
        times.append((time.perf_counter() - started) * 1000)
    return median(times), result


def direct_hot_spots(store: WorkOrderStore, query: StatisticsQuery) -> list[tuple[str, str, int]]:
    """The window's hot spots counted from ``work_orders`` itself (the contrast: no counters)."""
    start = datetime.combine(query.first_day, datetime.min.time(), ZONE)
    end = datetime.combine(query.last_day + timedelta(days=1), datetime.min.time(), ZONE)
    sql = ("SELECT substr(category_code, 1, 8) AS c, area_code, count(*) AS n FROM work_orders"
           " WHERE created_at >= ? AND created_at < ? AND ticket_type = 'COMPLAINT'"
           " GROUP BY c, area_code ORDER BY n DESC, c, area_code LIMIT ?")
    raw = store.engine.raw_connection()
    try:
        rows = raw.cursor().execute(sql, (stamp(start), stamp(end), query.top)).fetchall()
    finally:
        raw.close()
    return [(str(c), str(a), int(k)) for c, a, k in rows]


class Side:
    """One store size: its rebuild time, counter rows and the timings of the queries."""

    def __init__(self, n: int, folder: Path, rounds: int, say: Callable[[str], None]) -> None:
        self.n = n
        path = store_of(folder / f"statistics-{n}.db", n, say)
        self.store = WorkOrderStore.open(f"sqlite:///{path}")
        started = time.perf_counter()
        self.rebuilt = rebuild_counters(self.store.engine, ZONE)
        self.rebuild_s = time.perf_counter() - started
        self.rounds = rounds
        self.envelope = Envelope("bench-stats-1", "workorder.QueryStatistics", "CS", b"")

    def figures(self, query: StatisticsQuery) -> tuple[float, Any]:
        def answer() -> Any:
            with self.store.engine.connect() as connection:
                figures = read_figures(connection, query, ZONE)
            statistics_answer(self.envelope, figures, datetime.now(UTC))
            return figures
        return timed_ms(answer, self.rounds)

    def direct(self, query: StatisticsQuery) -> tuple[float, Any]:
        return timed_ms(lambda: direct_hot_spots(self.store, query), self.rounds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (200 and 2,000), 2 rounds: a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.small, args.large, args.rounds = 200, 2_000, 2
    failures: list[str] = []
    month = StatisticsQuery(LAST_DAY - timedelta(days=29), LAST_DAY, level=3, top=10)
    year = StatisticsQuery(LAST_DAY - timedelta(days=SPAN_DAYS - 1), LAST_DAY, level=2, top=10)
    across = StatisticsQuery(date(2026, 10, 17), date(2026, 11, 15), level=3, top=10)  # no whole month
    area = StatisticsQuery(month.first_day, month.last_day, area_code="0755", level=3, top=10)
    with tempfile.TemporaryDirectory(prefix="onepoint-stats-") as folder:
        sides = [Side(n, Path(folder), args.rounds, print) for n in (args.small, args.large)]
        rows: list[tuple[str, list[str]]] = []
        for label, query in (("figures, November (1 month key)", month),
                             ("figures, Oct 17 - Nov 15 (2 days, 4 weeks)", across),
                             ("figures, whole year (12 month keys)", year), ("figures, November, area 0755", area)):
            cells = []
            for side in sides:
                ms, figures = side.figures(query)
                cells.append(f"{ms:.1f} ms")
                if query is year and figures.totals.complaints != side.n:
                    failures.append(f"{side.n:,}: the year counts {figures.totals.complaints} complaints")
                if query in (month, across):
                    spots = [(s.category, s.area_code, s.complaints) for s in figures.hot_spots]
                    if spots != direct_hot_spots(side.store, query):
                        failures.append(f"{side.n:,}: hot spots from the counters differ from the work orders'")
                if query in (month, across):
                    side.month_ms = max(ms, getattr(side, "month_ms", 0.0))  # type: ignore[attr-defined]
            rows.append((label, cells))
        rows.append(("hot spots from work_orders, November", [f"{s.direct(month)[0]:.1f} ms" for s in sides]))
        rows.append(("counter rows", [f"{s.rebuilt.counter_rows:,}" for s in sides]))
        rows.append(("rebuild of the counters", [f"{s.rebuild_s:.1f} s" for s in sides]))
        for side in sides:
            if side.rebuilt.work_orders != side.n:
                failures.append(f"{side.n:,}: the rebuild counted {side.rebuilt.work_orders} work orders")
        print(f"\nQueryStatistics figures (median of {args.rounds} rounds; SQLite, counters rebuilt first)")
        print(f"{'':42}" + "".join(f"{f'{s.n:,} work orders':>24}" for s in sides))
        for label, cells in rows:
            print(f"{label:42}" + "".join(f"{cell:>24}" for cell in cells))
        large_ms = float(sides[-1].month_ms)  # type: ignore[attr-defined]
        for side in sides:
            side.store.close()
    for failure in failures:
        print(f"FAILED: {failure}")
    if failures:
        return 1
    met = large_ms <= TARGET_MS
    print(f"target: 30 days' figures on {args.large:,} work orders within {TARGET_MS:.0f} ms: "
          f"{'met' if met else 'MISSED'} ({large_ms:.1f} ms)")
    return 0 if met else 3


if __name__ == "__main__":
    sys.exit(main())
