"""Benchmark: the flows through the whole hub against the same requests sent straight to the systems, side by side.

Not a test. Run from the repository root:

    .venv/bin/python bench/flows.py [--rounds 3] [--lookups 1000] [--queries 600] [--rate 200] [--seconds 10]
                                    [--connections 8] [--memory-lookups 300000] [--broker amqp://]

The hub runs as ``onepoint serve --config`` (its workers in its process; ``memory://`` by default, or a private
RabbitMQ node with ``--broker amqp://``), the emulators (the five systems and mail) in another process (``onepoint
emulate all``), the load generator in this one: none shares a GIL with another. Every request goes through the
hub's real ingress: tier lookups as SOAP with a WS-Security UsernameToken (digest, fresh nonce) as the front ends
send them, SMS-log queries as XML with the CS bearer token. Per round, in alternating order:

1. tier lookup, cached: SOAP lookups of already-cached msisdns at a fixed ``--rate`` for ``--seconds`` (open loop:
   latency from each request's planned start), then as fast as ``--connections`` connections go;
2. tier lookup, uncached: ``--lookups`` lookups of msisdns never asked before (the cache misses: ingress →
   broker → BOSS adapter → BOSS → reply) against the same lookups sent to BOSS directly by the same client;
3. SMS log: ``--queries`` QuerySmsLog through the hub (role check, audit row committed, DSMP) against the same
   queries straight to DSMP.

Then ``--memory-lookups`` lookups, ``--memory-miss-share`` of them (every tenth) of never-asked msisdns that go
all the way to BOSS and fill the tier cache until it evicts, the rest cached: the hub's RSS every
``--memory-step`` and its slope after warm-up, i.e. once the hub's bounded memories are full (the tier cache's
10,000 answers; the WS-Security nonces, each kept until its token expires: two replay windows into the load) and
at least 30 % into the run.
Checks: every answer is the expected one; cached lookups made no BOSS call; ``onepoint audit verify`` finds the
chain intact with two rows per query sent through the hub (pending, then allowed).

Exit status: 0 all targets met, 3 a target missed, 1 a check failed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(REPO)  # bench.flowkit, tests.support; "emulators" must not be bench/emulators.py

from bench.flowkit.documents import (  # noqa: E402
    sms_log_check,
    sms_log_query,
    sms_log_request,
    sms_purposes,
    tier_check,
    tier_request,
)
from bench.flowkit.load import BenchFailure, Load, Target, closed_loop, open_loop  # noqa: E402
from bench.flowkit.memory import MemoryRun, measure_memory  # noqa: E402
from bench.flowkit.system import Emulators, HubProcess, start_hub  # noqa: E402
from tests.support.ports import free_port  # noqa: E402

TARGET_P99_MS = 20.0
TARGET_RATIO = 0.60
TARGET_SLOPE_MIB = 1.0  # MiB per 10,000 lookups after warm-up: "flat"
CACHED_MSISDNS = 200
TIER_LOOKUP = "boss.QueryCustomerTier"


@dataclass
class Figures:
    """Per-round figures by row name."""

    rows: dict[str, list[Load]] = field(default_factory=dict)

    def add(self, name: str, load: Load) -> None:
        self.rows.setdefault(name, []).append(load)

    def rate(self, name: str) -> float:
        return statistics.median(load.rate for load in self.rows[name])

    def p50(self, name: str) -> float:
        return statistics.median(load.p50_ms for load in self.rows[name])

    def p99(self, name: str) -> float:
        return statistics.median(load.p99_ms for load in self.rows[name])


@dataclass
class WorkerTimes:
    """What the hub's worker of each system spent during the side-by-side runs (from its ``/metrics``)."""

    runs: dict[str, list[float]] = field(default_factory=dict)  # system -> [handler runs, handler s, call s]

    def add(self, system: str, before: tuple[float, float, float], after: tuple[float, float, float]) -> None:
        totals = self.runs.setdefault(system, [0.0, 0.0, 0.0])
        for i in range(3):
            totals[i] += after[i] - before[i]

    def notes(self, threads: Mapping[str, int]) -> list[str]:
        """One line per system; ``threads``: the handler threads of each system's worker (``concurrency``)."""
        lines = []
        for system, (runs, handler, calls) in self.runs.items():
            if runs:
                lines.append(f"hub's {system} worker: {runs:,.0f} handler runs, {handler / runs * 1000:.1f} ms each, "
                             f"of which {calls / runs * 1000:.1f} ms in the call to {system.upper()} "
                             f"({threads[system]} handler threads: at most {threads[system] * runs / handler:,.0f}/s)")
        return lines


@contextmanager
def broker(choice: str) -> Iterator[str]:
    if choice == "memory://":
        yield "memory://"
        return
    from bench.private_node import private_broker

    with private_broker() as url:
        yield url


def sms_subjects(emulators: Emulators, population: Sequence[str]) -> tuple[list[str], list[int], dict[str, str]]:
    """Up to 8 seeded subscribers DSMP holds SMS records of (asked directly), their totals, DSMP's window."""
    import httpx

    state = emulators.get_json("dsmp", "/__admin/state")
    assert isinstance(state, dict)
    window: dict[str, str] = state["window"]
    msisdns, totals = [], []
    with httpx.Client(timeout=10) as http:
        for msisdn in population[:200]:
            answer = http.post(f"{emulators.urls['dsmp']}/xml", content=sms_log_query(msisdn, window, "probe-0000001"),
                               headers={"content-type": "application/xml"}).text
            total = int(answer.split("Total>", 1)[1].split("<", 1)[0]) if "Total>" in answer else 0
            if total:
                msisdns.append(msisdn)
                totals.append(total)
            if len(msisdns) == 8:
                break
    if not msisdns:
        raise BenchFailure("DSMP holds SMS records for none of the first 200 subscribers")
    return msisdns, totals, window


def memory_mix(cached: Sequence[str], unasked: Sequence[str], total: int, miss_share: float) -> list[str]:
    """The msisdns of the RSS run: ``miss_share`` of them never asked before (spread evenly; the pool wraps
    around when it runs out), the rest from the cached ones."""
    every = round(1 / miss_share) if miss_share > 0 else 0
    mix, hits, misses = [], 0, 0
    for n in range(total):
        if every and n % every == 0 and unasked:
            mix.append(unasked[misses % len(unasked)])
            misses += 1
        else:
            mix.append(cached[hits % len(cached)])
            hits += 1
    return mix


def bounded_memories_full(asked: int, mix: Sequence[str], cached: Sequence[str]) -> int:
    """After how many lookups of ``mix`` the tier cache's answers are full (the route's ``cache_size``, default;
    ``asked`` distinct msisdns so far). Expiry (TTL) only lowers it. The WS-Security nonces are bounded by time
    (``nonces_settle_seconds``)."""
    from hub.routing.table import DEFAULT_CACHE_SIZE

    known, new = set(cached), 0
    for n, msisdn in enumerate(mix):
        if asked + new >= DEFAULT_CACHE_SIZE:
            return n
        new += msisdn not in known
    return len(mix)


def nonces_settle_seconds(hub: HubProcess) -> float:
    """How long into a load the hub's WS-Security nonces keep growing: each is kept until its token expires
    (``replay_window_seconds``), so their number is flat one window in; their dict's table, whose deleted slots are
    reclaimed when it fills, settles within a second window."""
    from hub.config.settings import load_settings

    return 2.0 * load_settings(hub.config).security.replay_window_seconds


def side_by_side(figures: Figures, sides: Mapping[str, Callable[..., Load]], round_number: int, **load: int) -> None:
    """Run each side with ``load``, in the given order in odd rounds and reversed in even ones."""
    names = list(sides)
    for name in (names if round_number % 2 else names[::-1]):
        figures.add(name, sides[name](**load))


def run(args: argparse.Namespace, workdir: Path, broker_url: str) -> tuple[Figures, MemoryRun | None, list[str]]:
    from emulators.population import generate_population
    from hub.config.settings import load_settings

    population = [s.msisdn for s in generate_population(0, args.subscribers).subscribers]
    needed = CACHED_MSISDNS + (args.rounds + 1) * args.lookups
    if needed > len(population):
        raise BenchFailure(f"--subscribers {args.subscribers} is too few for {args.rounds + 1} x {args.lookups} "
                           f"never-asked msisdns (needs {needed})")
    port = free_port()
    emulators = Emulators(workdir, args.subscribers, f"http://127.0.0.1:{port}")
    hub: HubProcess | None = None
    try:
        hub = start_hub(workdir, port, broker_url, emulators)
        boss_port = int(emulators.urls["boss"].rsplit(":", 1)[1])
        dsmp_port = int(emulators.urls["dsmp"].rsplit(":", 1)[1])
        cached, fresh = population[:CACHED_MSISDNS], population[CACHED_MSISDNS:]
        sms_msisdns, totals, window = sms_subjects(emulators, population)
        sms_purposes(load_settings(hub.config).workflow.database, sms_msisdns, window)  # the queries' work orders
        soap, xml = "text/xml; charset=utf-8", "application/xml"
        hub_tier = Target(port, "/soap/boss", soap, tier_check(fresh))
        boss_tier = Target(boss_port, "/", soap, tier_check(fresh))
        hub_cached = Target(port, "/soap/boss", soap, tier_check(cached))
        hub_sms = Target(port, "/xml/dsmp", xml, sms_log_check(totals))
        dsmp_sms = Target(dsmp_port, "/xml", xml, sms_log_check(totals))
        conns = args.connections
        sent_to_audit = 0

        # warm-up (not measured): every path once at least, the cached msisdns into the cache
        closed_loop(hub_cached, tier_request("warm-c", cached), total=len(cached), connections=conns)
        closed_loop(hub_tier, tier_request("warm-h", fresh), total=args.lookups, connections=conns)
        closed_loop(boss_tier, tier_request("warm-b", fresh), total=args.lookups, connections=conns)
        warm_sms = max(conns, args.queries // 5)
        closed_loop(hub_sms, sms_log_request("warm-s", sms_msisdns, window), total=warm_sms, connections=conns)
        closed_loop(dsmp_sms, sms_log_request("warm-d", sms_msisdns, window), total=warm_sms, connections=conns)
        sent_to_audit += warm_sms

        figures, workers = Figures(), WorkerTimes()
        for r in range(1, args.rounds + 1):
            first = r * args.lookups  # this round's never-asked msisdns: fresh[first : first + lookups]
            calls_before, hits_before = hub.gateway_calls("boss"), hub.cache_hits(TIER_LOOKUP)
            figures.add("cached at rate", open_loop(hub_cached, tier_request(f"c{r}", cached), rate=args.rate,
                                                    seconds=args.seconds))
            figures.add("cached", closed_loop(hub_cached, tier_request(f"m{r}", cached), total=args.lookups * 2,
                                              connections=conns))
            cached_sent = figures.rows["cached at rate"][-1].requests + figures.rows["cached"][-1].requests
            if hub.gateway_calls("boss") != calls_before or hub.cache_hits(TIER_LOOKUP) - hits_before != cached_sent:
                raise BenchFailure("cached lookups called BOSS: the tier cache did not answer them")
            tiers = {"uncached hub": partial(closed_loop, hub_tier, tier_request(f"h{r}", fresh), first=first),
                     "uncached direct": partial(closed_loop, boss_tier, tier_request(f"b{r}", fresh), first=first)}
            before = hub.worker_timings("boss")
            side_by_side(figures, tiers, r, total=args.lookups, connections=conns)
            workers.add("boss", before, hub.worker_timings("boss"))
            queries = {"sms hub": partial(closed_loop, hub_sms, sms_log_request(f"s{r}", sms_msisdns, window)),
                       "sms direct": partial(closed_loop, dsmp_sms, sms_log_request(f"d{r}", sms_msisdns, window))}
            before = hub.worker_timings("dsmp")
            side_by_side(figures, queries, r, total=args.queries, connections=conns)
            workers.add("dsmp", before, hub.worker_timings("dsmp"))
            sent_to_audit += args.queries
            last = {name: loads[-1] for name, loads in figures.rows.items()}
            print(f"round {r}: cached at {args.rate:.0f}/s p50 {last['cached at rate'].p50_ms:.1f} ms p99 "
                  f"{last['cached at rate'].p99_ms:.1f} ms; cached max {last['cached'].rate:,.0f}/s; uncached hub "
                  f"{last['uncached hub'].rate:,.0f}/s direct {last['uncached direct'].rate:,.0f}/s; SMS log hub "
                  f"{last['sms hub'].rate:,.0f}/s direct {last['sms direct'].rate:,.0f}/s", flush=True)

        memory = None
        if args.memory_lookups:
            mix = memory_mix(cached, fresh[(args.rounds + 1) * args.lookups:], args.memory_lookups,
                             args.memory_miss_share)
            asked = CACHED_MSISDNS + (args.rounds + 1) * args.lookups
            memory = measure_memory(hub, Target(port, "/soap/boss", soap, tier_check(mix)),
                                    tier_request("mem", mix), total=args.memory_lookups, connections=conns,
                                    step=args.memory_step, full_at=bounded_memories_full(asked, mix, cached),
                                    settle_seconds=nonces_settle_seconds(hub))
        rows = hub.audit_rows()
        if rows != 2 * sent_to_audit:  # each allowed query: its pending row before DSMP is asked, then its result
            raise BenchFailure(f"the audit log has {rows} rows, {sent_to_audit} queries were sent through the hub"
                               " (two rows each expected: pending, allowed)")
        from hub.config.settings import load_settings

        settings = load_settings(hub.config)
        notes = workers.notes({system: settings.adapter(system).concurrency for system in ("boss", "dsmp")})
        notes += [f"audit log: {rows:,} rows, two per query sent through the hub (pending, allowed), chain intact"
                  " (onepoint audit verify)"]
        return figures, memory, notes
    except RuntimeError as exc:
        if hub is not None:
            raise BenchFailure(f"{exc}\nhub log:\n{hub.log_tail()}") from exc
        raise
    finally:
        if hub is not None:
            hub.stop()
        emulators.stop()


def report(args: argparse.Namespace, figures: Figures, memory: MemoryRun | None) -> bool:
    """Print the table; True when every target is met."""
    verdict = {True: "met", False: "MISSED"}
    rows: list[tuple[str, str, str, str]] = []
    p99 = figures.p99("cached at rate")
    met = [p99 < TARGET_P99_MS]
    rows.append((f"tier lookup, cached, at {args.rate:.0f}/s (open loop)",
                 f"{figures.rate('cached at rate'):,.0f}/s  p50 {figures.p50('cached at rate'):.1f} ms  "
                 f"p99 {p99:.1f} ms", f"p99 < {TARGET_P99_MS:.0f} ms", verdict[met[-1]]))
    rows.append((f"tier lookup, cached, {args.connections} connections",
                 f"{figures.rate('cached'):,.0f}/s  p50 {figures.p50('cached'):.1f} ms  p99 {figures.p99('cached'):.1f}"
                 " ms", "-", "-"))
    for label, hub_row, direct_row, reference in (("tier lookup, uncached", "uncached hub", "uncached direct", "BOSS"),
                                                  ("SMS log + audit row", "sms hub", "sms direct", "DSMP")):
        ratio = figures.rate(hub_row) / figures.rate(direct_row)
        met.append(ratio >= TARGET_RATIO)
        rows.append((f"{label}, {args.connections} connections",
                     f"hub {figures.rate(hub_row):,.0f}/s (p50 {figures.p50(hub_row):.1f} ms)  {reference} directly "
                     f"{figures.rate(direct_row):,.0f}/s (p50 {figures.p50(direct_row):.1f} ms)  = {ratio:.0%}",
                     f">= {TARGET_RATIO:.0%} of direct", verdict[met[-1]]))
    if memory is not None:
        met.append(memory.slope <= TARGET_SLOPE_MIB)
        after = (f"after warm-up ({memory.warm_up:,})" if memory.steady
                 else "last 30 % (bounded memories still filling)")
        rows.append((f"hub RSS over {memory.total:,} lookups",
                     f"{memory.start:.0f} -> {memory.end:.0f} MiB; {after} {memory.slope:+.2f} MiB per 10k, "
                     f"before {memory.filling_slope:+.2f} ({memory.rate:,.0f} lookups/s)",
                     f"flat (<= {TARGET_SLOPE_MIB:.1f} MiB per 10k)", verdict[met[-1]]))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    header = ("flow", "measured (medians of the rounds)", "target", "")
    print("\n" + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    return all(met)




def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds (medians are printed; order alternates)")
    parser.add_argument("--lookups", type=int, default=1000, help="uncached tier lookups per side and round")
    parser.add_argument("--queries", type=int, default=600, help="SMS-log queries per side and round")
    parser.add_argument("--rate", type=float, default=200.0, help="cached lookups per second (open loop)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the open-loop run per round")
    parser.add_argument("--connections", type=int, default=8, help="client connections of the closed loops")
    parser.add_argument("--memory-lookups", type=int, default=300_000,
                        help="lookups of the RSS run (0: skip); bounded memories settle in the first ~175,000")
    parser.add_argument("--memory-step", type=int, default=10_000, help="lookups between two RSS readings")
    parser.add_argument("--memory-miss-share", type=float, default=0.1,
                        help="share of the RSS run's lookups that miss the cache (never-asked msisdns)")
    parser.add_argument("--subscribers", type=int, default=20_000, help="population of the emulators")
    parser.add_argument("--broker", choices=("memory://", "amqp://"), default="memory://",
                        help="amqp://: a private RabbitMQ node (tests/support/rabbitmq_server.py)")
    args = parser.parse_args()
    if min(args.rounds, args.lookups, args.queries, args.connections, args.memory_step) < 1 or args.rate <= 0:
        parser.error("sizes must be positive")
    from bench.private_node import stop_on_sigterm

    stop_on_sigterm()
    print(f"flows through the hub (onepoint serve, {args.broker}, workers in its process) against the systems "
          f"called directly; emulators in their own process; {args.rounds} round(s)", flush=True)
    try:
        with broker(args.broker) as url, tempfile.TemporaryDirectory(prefix="onepoint-flows-") as tmp:
            figures, memory, notes = run(args, Path(tmp), url)
    except BenchFailure as exc:
        print(f"\nFAILED: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    met = report(args, figures, memory)
    for note in notes:
        print(note)
    print("\nall targets met" if met else "\nsome targets missed (see above)")
    return 0 if met else 3


if __name__ == "__main__":
    sys.exit(main())
