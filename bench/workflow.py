"""Benchmark: work orders from CreateWorkOrder to DISPATCHED through the hub's workflow, against a minimal consumer
written by hand, side by side in one run (issue 12, item 9). Not a test. Needs Debian's rabbitmq-server (a private
node on free 127.0.0.1 ports, stopped at the end, also on errors, Ctrl-C or SIGTERM). From the repository root:

    .venv/bin/python bench/workflow.py [--orders 5000] [--rounds 3] [--prefilled 1000000] [--seed 1] [--quick]

The load: the province-day simulator's CreateWorkOrder documents (``workflowkit/documents.py``): the network
complaints of the seeded day taken with every template field, which the hub dispatches at intake, from the
callers of the BOSS emulator's seeded population (their tiers as BOSS answers them, ``workflowkit/callers.py``);
a distinct document (message id) for every work order of the run.

1. Rate: N CreateWorkOrder requests are published onto the workflow queue as the ingress does (persistent,
   reply-to), and timed from the first publish until N work orders are DISPATCHED in the store (committed). The
   hub: the real ``Worker`` with the workflow's handlers and ``WorkOrderProcessedStore`` on SQLite, in its own
   process as ``onepoint worker workflow`` runs it, the callers' tiers warm in its cache, the dispatch to NSP
   published with its confirm (and CRM's NotifyAccountManager for a caller with an account manager), the answer
   sent to the reply-to. The minimal consumer (``workflowkit/minimal_worker.py``): pika and sqlite3 by hand, the
   same rows, the same confirmed publishes. Both sides take ``--batch`` waiting messages at a time: one
   transaction, the dispatches' confirms awaited together before the commit, the answers' after it. Each round on
   a new empty database, the sides alternating. Targets: >= 1,000/s, >= 60 % of minimal.
2. The hub's rate with ``--prefilled`` work orders already in the store: >= 80 % of its rate on an empty store.
3. One ``DeadlineScheduler.run_pass`` claiming ``--pass-size`` due alarms with ``--prefilled`` open work orders,
   against the same with ``--small`` open work orders: at most twice as long.
4. RSS of the consumer processes at the end of their rounds.

Checks (exit 1): every work order DISPATCHED, every request answered with a DISPATCHED work order, N dispatches in
the NSP queue (published and confirmed), a CRM notice per caller with an account manager, nothing dead-lettered or
left in the workflow queue, every pass fires its rows. Exit status: 0 all targets met, 3 a target missed, 1 a check
failed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # tests.support.rabbitmq_server and bench.workflowkit

from bench.private_node import private_broker, stop_on_sigterm  # noqa: E402
from bench.workflowkit.callers import write_callers  # noqa: E402
from bench.workflowkit.documents import BenchDocument, Load, simulated_load  # noqa: E402
from bench.workflowkit.prefill import SCHEMA_REVISION, empty_store, prefilled_store  # noqa: E402
from bench.workflowkit.scheduler import median_ms, pass_seconds  # noqa: E402
from bench.workflowkit.sides import BenchFailure, ConsumerProcess, RoundResult, run_round  # noqa: E402
from hub.transport import TopologyConfig, open_broker  # noqa: E402

TARGET_RATE = 1000.0
TARGET_RATIO = 0.60
TARGET_FILLED = 0.80
TARGET_PASS = 2.0
PREFIX = "bench"
SERIES = ("hub", "minimal", "hub filled")


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def hub_side(url: str, database: Path, callers: Path, args: argparse.Namespace) -> ConsumerProcess:
    return ConsumerProcess("hub_worker.py", url, PREFIX, str(database), str(callers), str(args.prefetch),
                           str(args.hub_threads), args.hub_log_level, str(args.batch),
                           log=database.parent / "hub-worker.log")


def minimal_side(url: str, database: Path, callers: Path, args: argparse.Namespace) -> ConsumerProcess:
    return ConsumerProcess("minimal_worker.py", url, PREFIX, str(database), str(callers), str(args.prefetch),
                           str(args.batch), log=database.parent / "minimal-worker.log")


def one_round(url: str, topology: TopologyConfig, database: Path, side: str, load: list[BenchDocument],
              args: argparse.Namespace, tag: str) -> RoundResult:
    callers = database.parent / "callers.json"
    consumer = (hub_side if side.startswith("hub") else minimal_side)(url, database, callers, args)
    try:
        result = run_round(url, topology, database, consumer, load, tag, args.timeout)
    finally:
        consumer.close()
    print(f"  {tag:<28} {result.rate:8,.0f} work orders/s  ({result.orders:,} in {result.seconds:.2f} s, "
          f"RSS {result.rss_mib:.0f} MiB)", flush=True)
    return result


def generate(workdir: Path, args: argparse.Namespace) -> dict[tuple[str, int], list[BenchDocument]]:
    """The simulator's documents, one series per side and round; the callers' file both consumers read."""
    print(f"\nload: {args.rounds} x {args.orders:,} x {len(SERIES)} CreateWorkOrder documents", flush=True)
    load: Load = simulated_load(args.seed, args.rounds * args.orders * len(SERIES))
    print(load.summary(), flush=True)
    write_callers(workdir / "callers.json", load.callers)
    series = load.series(args.rounds * len(SERIES))
    return {(side, number): series[number * len(SERIES) + index]
            for number in range(args.rounds) for index, side in enumerate(SERIES)}


def run(url: str, workdir: Path, args: argparse.Namespace) -> bool:
    topology = TopologyConfig(prefix=PREFIX)
    open_broker(url, topology).close()  # the topology, declared as the hub does
    loads = generate(workdir, args)
    results: dict[str, list[RoundResult]] = {side: [] for side in SERIES}
    print(f"\nrate on an empty store: {args.rounds} rounds of {args.orders:,} work orders, batches of up to "
          f"{args.batch} (both sides)", flush=True)
    for number in range(args.rounds):
        for side in (("hub", "minimal") if number % 2 == 0 else ("minimal", "hub")):
            database = empty_store(workdir / f"{side}-{number}.db")
            results[side].append(one_round(url, topology, database, side, loads[side, number], args,
                                           f"{side} round {number + 1}"))
            database.unlink()
    due = (args.rounds + 1) * args.pass_size
    print(f"\nrate with {args.prefilled:,} work orders in the store (schema {SCHEMA_REVISION})", flush=True)
    filled = prefilled_store(workdir / "filled.db", args.prefilled, due)
    for number in range(args.rounds):
        results["hub filled"].append(one_round(url, topology, filled, "hub filled", loads["hub filled", number],
                                               args, f"hub filled round {number + 1}"))
    print(f"\nscheduler passes of {args.pass_size} due alarms", flush=True)
    small = prefilled_store(workdir / "small.db", args.small, due)
    passes = {}
    for label, database in (("small", small), ("large", filled)):
        times = pass_seconds(database, args.pass_size, args.rounds + 1)[1:]  # the first pass warms up
        passes[label] = median_ms(times)
        print(f"  {label:<6} {', '.join(f'{t * 1000:.0f}' for t in times)} ms", flush=True)
    return report(args, results, passes)


def report(args: argparse.Namespace, results: dict[str, list[RoundResult]], passes: dict[str, float]) -> bool:
    verdict = {True: "met", False: "MISSED"}
    hub, minimal, filled = (median([r.rate for r in results[k]]) for k in ("hub", "minimal", "hub filled"))
    rss = {k: max(r.rss_mib for r in v) for k, v in results.items()}
    rows: list[tuple[str, str, str, str]] = []
    met = [hub >= TARGET_RATE]
    rows.append(("work orders/s, empty store", f"hub {hub:,.0f}/s  minimal {minimal:,.0f}/s",
                 f">= {TARGET_RATE:,.0f}/s", verdict[met[-1]]))
    met.append(hub >= TARGET_RATIO * minimal)
    rows.append(("hub / minimal consumer", f"{hub / minimal:.0%}", f">= {TARGET_RATIO:.0%}", verdict[met[-1]]))
    met.append(filled >= TARGET_FILLED * hub)
    rows.append((f"work orders/s, {args.prefilled:,} in the store",
                 f"hub {filled:,.0f}/s = {filled / hub:.0%} of empty", f">= {TARGET_FILLED:.0%} of empty",
                 verdict[met[-1]]))
    met.append(passes["large"] <= TARGET_PASS * passes["small"])
    rows.append((f"scheduler pass of {args.pass_size}, {args.prefilled:,} open",
                 f"{passes['large']:.0f} ms against {passes['small']:.0f} ms with {args.small:,} open = "
                 f"{passes['large'] / passes['small']:.2f}x", f"<= {TARGET_PASS:.0f}x", verdict[met[-1]]))
    rows.append(("RSS of the consumer processes", f"hub {rss['hub']:.0f} MiB (filled store {rss['hub filled']:.0f}),"
                 f" minimal {rss['minimal']:.0f} MiB", "-", "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    header = ("row", f"measured (medians of {args.rounds} rounds)", "target", "")
    print("\n" + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    return all(met)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=5000, help="work orders per round and side")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (medians are printed)")
    parser.add_argument("--prefilled", type=int, default=1_000_000, help="work orders already in the store")
    parser.add_argument("--small", type=int, default=1000, help="open work orders of the scheduler's reference")
    parser.add_argument("--pass-size", type=int, default=200, help="due deadlines a scheduler pass claims")
    parser.add_argument("--seed", type=int, default=1,
                        help="the simulator's day (hub.simulate.build_scenario) and the BOSS population the callers"
                             " come from")
    parser.add_argument("--prefetch", type=int, default=16, help="consumer prefetch (both sides; the hub's default)")
    parser.add_argument("--batch", type=int, default=32,
                        help="batch size, both sides: the hub's [workflow] worker_batch; the minimal consumer's"
                             " batches (1: a transaction and confirms per message); prefetch >= 2 x batch")
    parser.add_argument("--hub-threads", type=int, default=1, help="the hub worker's handler threads (default 1)")
    parser.add_argument("--hub-log-level", default="INFO",
                        help="the hub worker's log level, as onepoint worker --log-level (its lines go to a file)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds a round may take before it fails")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes for the test: 100 orders, 1 round, 3,000 prefilled, passes of 50")
    args = parser.parse_args()
    if args.quick:
        args.orders, args.rounds, args.prefilled, args.small, args.pass_size = 100, 1, 3000, 1000, 50
        args.timeout = min(args.timeout, 120.0)
    if min(args.orders, args.rounds, args.prefilled, args.small, args.pass_size, args.batch) < 1:
        parser.error("sizes must be positive")
    if (args.rounds + 1) * args.pass_size > args.small:
        parser.error("--small must hold (--rounds + 1) x --pass-size due work orders")
    stop_on_sigterm()
    try:
        with private_broker() as url, tempfile.TemporaryDirectory(prefix="onepoint-bench-") as tmp:
            met = run(url, Path(tmp), args)
    except BenchFailure as exc:
        print(f"\nFAILED: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    print("\nall targets met" if met else "\nsome targets missed (see above)")
    return 0 if met else 3


if __name__ == "__main__":
    started = time.monotonic()
    code = main()
    print(f"({time.monotonic() - started:.0f} s)")
    sys.exit(code)
