"""Benchmark: the hub's backbone and HTTP ingest against raw pika and a minimal pipeline, side by side.

Not a test. Needs Debian's rabbitmq-server (a private node is started on free 127.0.0.1 ports and stopped at
the end) and, for the ingest part, Debian's ``wrk``. Run from the repository root:

    .venv/bin/python bench/backbone.py [--messages 20000] [--rounds 3] [--duration 10] [--connections 16]
                                        [--skip-backbone] [--skip-ingest]

1. Backbone: N persistent 2 KB messages into a quorum queue, published with pipelined confirms and consumed with
   manual acks, (a) with raw pika (one SelectConnection, a publishing channel in confirm mode and a consuming
   channel), (b) the same raw pika loop validating each document with the hub's DocumentValidator before its
   publish (nothing else: the ceiling of any pipeline that validates) and (c) through the hub (DocumentValidator
   -> BrokerRouter.route with the routing table -> confirmed publish -> consume -> process_once with the SQLite
   store -> ack; the consumer in its own process as deployed, or --hub-consumer thread). Prints msgs/s, medians,
   the ratios (target hub >= 70% of raw).
2. Ingest: wrk POSTs a 2 KB CreateWorkOrder (unique MessageId per request, CS bearer token) at the real hub
   (``onepoint serve --config``) and at a minimal pipeline (parse + validate + confirmed publish + 202) on the
   same uvicorn stack, with a consumer draining the queues. Prints accepted commands/s, latency percentiles, the
   ratio (target hub >= 70% of minimal) and the absolute target (>= 2,000/s). Fails on any non-2xx answer or
   socket error, and checks that the queues received exactly the 202-answered messages.

Exit status: 0 all targets met, 3 a target missed, 1 a check failed (lost messages, non-2xx), 2 wrk missing.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from hub.transport import Topology, TopologyConfig, routing_key
from hub.validation import CommandSetRegistry, DocumentValidator

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # tests.support.rabbitmq_server (the private broker) and bench/ingest

from bench.ingest.documents import message_id, template, work_order  # noqa: E402
from bench.ingest.drain import Drainer, queue_depth  # noqa: E402
from bench.ingest.servers import ServerProcess, hub_config, start_hub, start_minimal  # noqa: E402
from bench.ingest.wrk import WRK_MISSING, WrkResult, run_wrk, wrk_path  # noqa: E402
from bench.pipeline.hub import HubSide  # noqa: E402
from bench.pipeline.minimal import MinimalPipeline  # noqa: E402
from bench.pipeline.raw import COMMAND, BenchFailure, RawRun, ValidatedRawRun, declare  # noqa: E402
from bench.private_node import private_broker, stop_on_sigterm  # noqa: E402
from tests.support.rabbitmq_server import free_port  # noqa: E402

TARGET_RATIO = 0.70
TARGET_INGEST = 2000.0
TOKEN = "cs-dev-token"  # noqa: S105 - the documented development token (README)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def ratio_line(label: str, hub: float, reference: float, target: float = TARGET_RATIO) -> str:
    ratio = hub / reference if reference else 0.0
    verdict = "MET" if ratio >= target else "MISSED"
    return f"{label}: {ratio:.0%} (target >= {target:.0%}: {verdict})"


# -- 1. backbone ------------------------------------------------------------------------------------------------
def bench_backbone(url: str, workdir: Path, args: argparse.Namespace) -> bool:
    n, run_id = args.messages, secrets.token_hex(3)
    doc_template = template()
    raw_topology = Topology.build(TopologyConfig(prefix=f"bb{run_id}raw"))
    declare(url, raw_topology)
    raw_queue = raw_topology.config.queue("workflow")
    validator = DocumentValidator(CommandSetRegistry.installed())
    min_topology = Topology.build(TopologyConfig(prefix=f"bb{run_id}min"))
    declare(url, min_topology)
    minimal = MinimalPipeline(url, min_topology.config.commands_exchange, routing_key("workflow", COMMAND),
                              min_topology.config.queue("workflow"), workdir, window=args.in_flight,
                              prefetch=args.prefetch)
    hub = HubSide(url, f"bb{run_id}hub", workdir, routes=args.hub_routes, in_flight=args.in_flight,
                  prefetch=args.prefetch,
                  consumer_threads=args.consumer_threads, consumer=args.hub_consumer, max_batch=args.hub_batch,
                  inline=not args.hub_worker_threads)
    timeout = max(120.0, n / 100)
    where = "its own process" if args.hub_consumer == "process" else "the producing process"
    how = f"batches of up to {args.hub_batch}" if args.hub_batch > 1 else "one message at a time"
    if args.hub_batch > 1:
        how += " on worker threads" if args.hub_worker_threads else " inline on the connection's thread"
    print(f"\n== Backbone: {n:,} persistent {len(doc_template):,}-byte messages into a quorum queue, "
          f"{args.rounds} round(s); {args.in_flight} unconfirmed at most, prefetch {args.prefetch}; "
          f"hub: {args.hub_routes} concurrent routes, consumer "
          f"{args.consumer_threads} thread(s) in {where}, {how}")
    figures: dict[str, list[float]] = {"raw": [], "validated": [], "minimal": [], "hub": []}
    try:
        for r in range(1, args.rounds + 1):
            documents = [work_order(doc_template, message_id(f"bb{run_id}r{r}", i)) for i in range(n)]
            common = (url, raw_topology.config.commands_exchange, routing_key("workflow", COMMAND), raw_queue)
            runs: dict[str, Callable[[], float]] = {
                "raw": RawRun(*common, documents, f"raw{run_id}r{r}", args.in_flight, args.prefetch, timeout).run,
                "validated": ValidatedRawRun(validator, *common, documents, "", args.in_flight, args.prefetch,
                                             timeout).run,
                "minimal": partial(minimal.run, validator, documents, timeout),
                "hub": partial(hub.run, documents, timeout),
            }
            order = list(runs) if r % 2 else list(reversed(runs))
            for name in order:
                figures[name].append(runs[name]())
            del documents
            raw = figures["raw"][-1]
            print(f"round {r}: raw pika {raw:>8,.0f} msgs/s   raw pika + validation {figures['validated'][-1]:>8,.0f} "
                  f"({figures['validated'][-1] / raw:.0%})   minimal pipeline {figures['minimal'][-1]:>8,.0f} "
                  f"({figures['minimal'][-1] / raw:.0%})   hub {figures['hub'][-1]:>8,.0f} "
                  f"({figures['hub'][-1] / raw:.0%})", flush=True)
        leftovers = sum(queue_depth(url, q) for q in (raw_queue, minimal.queue, hub.queue))
    finally:
        minimal.close()
        hub.close()
    if leftovers:
        raise BenchFailure(f"backbone: {leftovers} messages left in the queues")
    raw_m, val_m, min_m, hub_m = (median(figures[k]) for k in ("raw", "validated", "minimal", "hub"))
    print(f"median:  raw pika {raw_m:>8,.0f} msgs/s   raw pika + validation {val_m:>8,.0f} msgs/s   "
          f"minimal pipeline {min_m:>8,.0f} msgs/s   hub {hub_m:>8,.0f} msgs/s")
    print(f"ceiling: raw pika + validation / raw pika: {val_m / raw_m:.0%} (what validating every document alone "
          f"leaves of raw pika on this machine)")
    print(f"ceiling: minimal pipeline / raw pika: {min_m / raw_m:.0%} (the hub's stages written by hand with pika "
          f"and sqlite3, consumer in its own process)")
    print(f"hub / raw pika + validation: {hub_m / val_m:.0%}   hub / minimal pipeline: {hub_m / min_m:.0%}")
    print(ratio_line("backbone hub / raw pika", hub_m, raw_m))
    return hub_m >= TARGET_RATIO * raw_m


# -- 2. ingest over HTTP ----------------------------------------------------------------------------------------
@dataclass
class IngestSide:
    name: str
    server: ServerProcess
    drainer: Drainer
    queue: str
    results: list[WrkResult]
    unanswered: set[str]

    @property
    def accepted(self) -> int:
        return sum(r.accepted for r in self.results)


def bench_ingest(url: str, workdir: Path, args: argparse.Namespace) -> bool:
    run_id = secrets.token_hex(3)
    template_file = workdir / "workorder-2k.xml"
    template_file.write_bytes(template())
    hub_prefix, min_prefix = f"in{run_id}hub", f"in{run_id}min"
    hub_port, min_port = free_port(), free_port()
    config = hub_config(workdir / "hub.toml", port=hub_port, broker_url=url, prefix=hub_prefix, token=TOKEN)
    print(f"\n== Ingest over HTTP: wrk, {args.connections} connections, {args.duration:.0f} s per run, "
          f"{args.rounds} round(s) per server (+ a 3 s warm-up), 2 KB CreateWorkOrder, bearer token")
    servers: list[ServerProcess] = []
    drainers: list[Drainer] = []
    try:
        hub_server = start_hub(config, hub_port, workdir / "hub.log", log_level=args.hub_log_level,
                               workers=args.hub_workers)
        servers.append(hub_server)
        min_server = start_minimal(url, min_prefix, min_port, workdir / "minimal.log", workers=args.minimal_workers)
        servers.append(min_server)
        for server in servers:
            server.wait_ready()
        sides = []
        for name, server, prefix in (("minimal", min_server, min_prefix), ("hub", hub_server, hub_prefix)):
            queue = Topology.build(TopologyConfig(prefix=prefix)).config.queue("workflow")
            drainer = Drainer(url, queue).start()
            drainers.append(drainer)
            sides.append(IngestSide(name, server, drainer, queue, [], set()))
        print(f"hub: {hub_server.name} (log level {args.hub_log_level}); minimal: {min_server.name}; "
              f"consumers draining {', '.join(s.queue for s in sides)}")

        def load(side: IngestSide, seconds: float, tag: str) -> WrkResult:
            result = run_wrk(side.server.url, template_file, tag, TOKEN, seconds=seconds,
                             connections=args.connections)
            side.unanswered |= result.unanswered
            if result.other or result.duplicate or result.socket_errors:
                raise BenchFailure(f"{side.name}: {result.other} non-2xx answers ({result.statuses or '-'}), "
                                   f"{result.duplicate} duplicates (200), {result.socket_errors} socket errors; "
                                   f"server log:\n{side.server.log_tail()}")
            return result

        for side in sides:  # warm-up: not measured, but its messages are checked like the others
            side.results.append(load(side, 3, f"w{run_id}{side.name[0]}"))
        measured: dict[str, list[WrkResult]] = {s.name: [] for s in sides}
        for r in range(1, args.rounds + 1):
            for side in sides if r % 2 else reversed(sides):
                result = load(side, args.duration, f"r{r}{run_id}{side.name[0]}")
                side.results.append(result)
                measured[side.name].append(result)
            print(f"round {r}: " + "   ".join(
                f"{name} {m[-1].rate:>7,.0f}/s (p50 {m[-1].p50_ms:.1f} ms, p99 {m[-1].p99_ms:.1f} ms)"
                for name, m in measured.items()), flush=True)

        for side in sides:  # nothing lost: the queue received exactly the messages answered 202
            side.drainer.wait_idle(quiet=1.5, timeout=120)
            ready = queue_depth(url, side.queue)
            consumed = len(side.drainer.ids)
            cut_off = len(side.drainer.ids & side.unanswered)
            print(f"{side.name}: {side.accepted:,} answered 202; queue received {consumed + ready:,} "
                  f"({consumed:,} drained + {ready:,} ready, {side.drainer.deliveries - consumed} redelivered); "
                  f"{len(side.unanswered)} requests cut off when wrk stopped, {cut_off} of them accepted anyway")
            if ready or consumed - cut_off != side.accepted or side.drainer.deliveries != consumed:
                raise BenchFailure(f"{side.name}: the queue does not match the 202 answers")
            if side.drainer.error is not None:
                raise BenchFailure(f"{side.name}: drainer failed: {side.drainer.error!r}")
    finally:
        for drainer in drainers:
            drainer.stop()
        for server in servers:
            server.stop()

    hub_rates = [r.rate for r in measured["hub"]]
    min_rates = [r.rate for r in measured["minimal"]]
    hub_m, min_m = median(hub_rates), median(min_rates)
    for name, results in measured.items():
        print(f"median {name:<8} {median([r.rate for r in results]):>7,.0f} accepted+confirmed/s   "
              f"latency p50 {median([r.p50_ms for r in results]):.1f} ms  p90 {median([r.p90_ms for r in results]):.1f}"
              f" ms  p99 {median([r.p99_ms for r in results]):.1f} ms  max {max(r.max_ms for r in results):.0f} ms")
    print(ratio_line("ingest hub / minimal pipeline", hub_m, min_m))
    verdict = "MET" if hub_m >= TARGET_INGEST else "MISSED"
    print(f"ingest hub absolute: {hub_m:,.0f}/s (target >= {TARGET_INGEST:,.0f}/s: {verdict})")
    return hub_m >= TARGET_RATIO * min_m and hub_m >= TARGET_INGEST


# -- main -------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=20_000, help="messages per backbone round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (medians are printed)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--skip-backbone", action="store_true")
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--in-flight", type=int, default=1000,
                        help="backbone: unconfirmed publishes at most (raw pika's window, the hub publisher's limit)")
    parser.add_argument("--hub-routes", type=int, default=3000,
                        help="backbone: concurrent routes on the hub side (validate -> route -> await the confirm)")
    parser.add_argument("--prefetch", type=int, default=200, help="backbone: consumer prefetch")
    parser.add_argument("--consumer-threads", type=int, default=1, help="backbone: hub consumer concurrency")
    parser.add_argument("--hub-consumer", choices=("process", "thread"), default="process",
                        help="backbone: run the hub's consumer in its own process (as deployed) or on a thread")
    parser.add_argument("--hub-worker-threads", action="store_true",
                        help="backbone: run the hub's batch handler on worker threads instead of inline on the "
                             "connection's thread")
    parser.add_argument("--hub-batch", type=int, default=64,
                        help="backbone: hub consumer batch (consume_batches + process_batch_once); 1 = one at a time")
    parser.add_argument("--hub-log-level", default="INFO", help="ingest: onepoint serve --log-level")
    parser.add_argument("--hub-workers", type=int, default=1,
                        help="ingest: >1 runs the hub app under uvicorn --workers (an experiment)")
    parser.add_argument("--minimal-workers", type=int, default=1, help="ingest: uvicorn workers of the minimal app")
    args = parser.parse_args()
    if args.messages < 1 or args.rounds < 1 or args.duration < 1 or args.connections < 1:
        parser.error("--messages, --rounds, --duration and --connections must be positive")
    if not args.skip_ingest and wrk_path() is None:
        print(WRK_MISSING, file=sys.stderr)
        return 2
    stop_on_sigterm()
    met = True
    try:
        with private_broker() as url, tempfile.TemporaryDirectory(prefix="onepoint-bench-") as tmp:
            if not args.skip_backbone:
                met &= bench_backbone(url, Path(tmp), args)
            if not args.skip_ingest:
                met &= bench_ingest(url, Path(tmp), args)
    except BenchFailure as exc:
        print(f"\nFAILED: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    print("\nall targets met" if met else "\nsome targets missed (see above)")
    return 0 if met else 3


if __name__ == "__main__":
    sys.exit(main())
