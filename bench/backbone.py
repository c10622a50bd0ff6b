"""Benchmark: the hub's backbone and HTTP ingest against raw pika and a minimal pipeline, side by side.

Not a test. Needs Debian's rabbitmq-server (a private node is started on free 127.0.0.1 ports and stopped at
the end) and, for the ingest part, Debian's ``wrk``. Run from the repository root:

    .venv/bin/python bench/backbone.py [--messages 20000] [--rounds 3] [--duration 10] [--connections 16]
                                        [--skip-backbone] [--skip-ingest]

1. Backbone: N persistent 2 KB messages into a quorum queue, published with pipelined confirms and consumed with
   manual acks, (a) with raw pika (one SelectConnection, a publishing channel in confirm mode and a consuming
   channel) and (b) through the hub (DocumentValidator -> BrokerRouter.route with the routing table -> confirmed
   publish -> consume -> process_once with the SQLite store -> ack). Prints msgs/s, medians, the ratio (target
   hub >= 70% of raw).
2. Ingest: wrk POSTs a 2 KB CreateWorkOrder (unique MessageId per request, CS bearer token) at the real hub
   (``onepoint serve --config``) and at a minimal pipeline (parse + validate + confirmed publish + 202) on the
   same uvicorn stack, with a consumer draining the queues. Prints accepted commands/s, latency percentiles, the
   ratio (target hub >= 70% of minimal) and the absolute target (>= 2,000/s). Fails on any non-2xx answer or
   socket error, and checks that the queues received exactly the 202-answered messages.

Exit status: 0 all targets met, 3 a target missed, 1 a check failed (lost messages, non-2xx), 2 wrk missing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import pika
import pika.exceptions
import uvloop

from hub.envelope import Envelope
from hub.routing import BrokerRouter, RoutingTable, envelope_from_message
from hub.store import open_store, process_once
from hub.transport import Delivery, Message, Topology, TopologyConfig, open_broker, routing_key
from hub.validation import CommandSetRegistry, DocumentValidator

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # tests.rabbitmq_broker (the private broker) and bench/ingest

from bench.ingest.documents import message_id, template, work_order  # noqa: E402
from bench.ingest.drain import Drainer, queue_depth  # noqa: E402
from bench.ingest.servers import ServerProcess, hub_config, start_hub, start_minimal  # noqa: E402
from bench.ingest.wrk import WRK_MISSING, WrkResult, run_wrk, wrk_path  # noqa: E402
from tests.rabbitmq_broker import RabbitMQBroker, free_port  # noqa: E402

COMMAND = "workorder.CreateWorkOrder"
TARGET_RATIO = 0.70
TARGET_INGEST = 2000.0
TOKEN = "cs-dev-token"  # noqa: S105 - the documented development token (README)


class BenchFailure(Exception):
    """A check failed (lost messages, non-2xx answers): reported loudly, exit status 1."""


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def ratio_line(label: str, hub: float, reference: float, target: float = TARGET_RATIO) -> str:
    ratio = hub / reference if reference else 0.0
    verdict = "MET" if ratio >= target else "MISSED"
    return f"{label}: {ratio:.0%} (target >= {target:.0%}: {verdict})"


# -- 1. backbone ------------------------------------------------------------------------------------------------
def declare(url: str, topology: Topology) -> None:
    """Declare a topology exactly as the hub does (the raw side gets the same exchange, queue arguments, bindings)."""
    conn = pika.BlockingConnection(pika.URLParameters(url))
    try:
        ch = conn.channel()
        for ex in topology.exchanges:
            ch.exchange_declare(ex.name, ex.type, durable=True)
        for q in topology.queues:
            ch.queue_declare(q.name, durable=True, arguments=dict(q.arguments))
        for b in topology.bindings:
            ch.queue_bind(b.queue, b.exchange, routing_key=b.routing_key)
    finally:
        conn.close()


class RawRun:
    """Raw pika: one SelectConnection; channel 1 publishes in confirm mode with up to ``window`` unconfirmed,
    channel 2 consumes with ``prefetch`` and acks every message. Done when all N are confirmed and acked."""

    def __init__(self, url: str, exchange: str, key: str, queue: str, body: bytes, n: int, tag: str,
                 window: int, prefetch: int, timeout: float) -> None:
        self.url, self.exchange, self.key, self.queue, self.body = url, exchange, key, queue, body
        self.n, self.tag, self.window, self.prefetch, self.timeout = n, tag, window, prefetch, timeout
        self.sent = self.confirmed = self.consumed = 0
        self.outstanding: dict[int, None] = {}
        self.error: str | None = None
        self.t0 = self.t1 = 0.0
        self.pub: Any = None
        self.conn: Any = None

    def run(self) -> float:
        self.conn = pika.SelectConnection(pika.URLParameters(self.url), on_open_callback=self._on_open,
                                          on_open_error_callback=self._fail_open, on_close_callback=self._closed)
        self.conn.ioloop.call_later(self.timeout, lambda: self._finish(f"timed out after {self.timeout:.0f}s"))
        self.conn.ioloop.start()
        if self.error is not None:
            raise BenchFailure(f"raw pika: {self.error} (sent {self.sent}, confirmed {self.confirmed}, "
                               f"consumed {self.consumed})")
        return self.n / (self.t1 - self.t0)

    def _fail_open(self, conn: Any, exc: BaseException) -> None:
        self.error = f"connection failed: {exc!r}"
        conn.ioloop.stop()

    def _closed(self, conn: Any, reason: BaseException) -> None:
        conn.ioloop.stop()

    def _on_open(self, conn: Any) -> None:
        conn.channel(on_open_callback=self._consumer_open)

    def _consumer_open(self, ch: Any) -> None:
        ch.basic_qos(prefetch_count=self.prefetch,
                     callback=lambda _: (ch.basic_consume(self.queue, self._on_message, auto_ack=False),
                                         self.conn.channel(on_open_callback=self._publisher_open)))

    def _publisher_open(self, ch: Any) -> None:
        self.pub = ch
        ch.add_on_return_callback(lambda *_: self._finish("a message was returned (unroutable)"))
        ch.confirm_delivery(ack_nack_callback=self._on_confirm, callback=lambda _: self._start())

    def _start(self) -> None:
        self.t0 = time.perf_counter()
        self._pump()

    def _pump(self) -> None:
        while self.sent < self.n and len(self.outstanding) < self.window:
            self.sent += 1
            props = pika.BasicProperties(delivery_mode=2, message_id=message_id(self.tag, self.sent),
                                         type=COMMAND, content_type="application/xml")
            self.pub.basic_publish(self.exchange, self.key, self.body, props, mandatory=True)
            self.outstanding[self.sent] = None

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        if not isinstance(method, pika.spec.Basic.Ack):
            self._finish("the broker nacked a publish")
            return
        if method.multiple:
            while self.outstanding and next(iter(self.outstanding)) <= method.delivery_tag:
                del self.outstanding[next(iter(self.outstanding))]
                self.confirmed += 1
        elif self.outstanding.pop(method.delivery_tag, 0) is None:
            self.confirmed += 1
        self._pump()
        self._check_done()

    def _on_message(self, ch: Any, method: Any, _props: Any, _body: bytes) -> None:
        ch.basic_ack(method.delivery_tag)
        self.consumed += 1
        self._check_done()

    def _check_done(self) -> None:
        if self.consumed >= self.n and self.confirmed >= self.n and not self.t1:
            self.t1 = time.perf_counter()
            self._finish(None)

    def _finish(self, error: str | None) -> None:
        if error is not None and not self.t1:
            self.error = error
        if self.conn.is_open:
            self.conn.close()
        else:
            self.conn.ioloop.stop()


@dataclass
class HubSide:
    """The hub's backbone, opened once for all rounds: broker, router with the routing table, SQLite store."""

    url: str
    prefix: str
    workdir: Path
    in_flight: int
    prefetch: int
    consumer_threads: int

    def __post_init__(self) -> None:
        self.registry = CommandSetRegistry.installed()
        self.validator = DocumentValidator(self.registry)
        self.broker = open_broker(self.url, TopologyConfig(prefix=self.prefix))
        table = RoutingTable.load(None, consumers=self.broker.config.consumers,
                                  command_types=self.registry.command_types())
        self.router = BrokerRouter(self.broker, table)
        self.store = open_store(f"sqlite:///{self.workdir / 'processed.db'}")
        self.queue = self.broker.config.queue("workflow")

    def close(self) -> None:
        self.broker.close()
        self.store.close()

    def run(self, documents: list[bytes], timeout: float) -> float:
        n = len(documents)
        done = threading.Event()
        lock = threading.Lock()
        counts = {"handled": 0, "duplicates": 0}

        def effect(message: Message) -> str:
            envelope_from_message(message)  # what a worker does first: the envelope back from the message
            return "done"

        def handler(delivery: Delivery) -> None:
            ran = process_once(self.store, delivery, effect)
            with lock:
                counts["handled"] += 1
                counts["duplicates"] += not ran
                if counts["handled"] >= n:
                    done.set()

        consumer = self.broker.consume(self.queue, handler, prefetch=self.prefetch,
                                       concurrency=self.consumer_threads)
        try:
            t0 = time.perf_counter()
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                runner.run(asyncio.wait_for(self._publish(documents), timeout))
            if not done.wait(max(1.0, timeout - (time.perf_counter() - t0))):
                raise BenchFailure(f"hub: only {counts['handled']} of {n} messages consumed in time")
            t1 = time.perf_counter()
        finally:
            consumer.close()
        if counts["duplicates"]:
            raise BenchFailure(f"hub: {counts['duplicates']} deliveries were duplicates")
        return n / (t1 - t0)

    async def _publish(self, documents: list[bytes]) -> None:
        """``in_flight`` concurrent producers, each: validate -> envelope -> route (returns once confirmed)."""
        items = iter(documents)
        validator, router = self.validator, self.router

        async def producer() -> None:
            for document in items:
                command = validator.validate_bytes(document, expected_set="workorder")
                envelope = Envelope(
                    message_id=command.message_id, command_type=command.command_type,
                    source_system=command.source_system, payload=document,  # as the XML ingress: the body as received
                    correlation_id=command.correlation_id, received_at=datetime.now(UTC).replace(microsecond=0),
                    headers={"ingress": "bench", "caller": "cs-frontend"},
                )
                result = await router.route(envelope)
                if result.duplicate:
                    raise BenchFailure(f"message {envelope.message_id} routed as a duplicate")

        # Publish as the hub's ingress does: from this event loop (LoopPublisher), not through the I/O thread.
        await router.start_loop_publisher(self.url)
        try:
            await asyncio.gather(*(producer() for _ in range(self.in_flight)))
        finally:
            await router.stop_loop_publisher()


def bench_backbone(url: str, workdir: Path, args: argparse.Namespace) -> bool:
    n, run_id = args.messages, secrets.token_hex(3)
    doc_template = template()
    raw_topology = Topology.build(TopologyConfig(prefix=f"bb{run_id}raw"))
    declare(url, raw_topology)
    raw_queue = raw_topology.config.queue("workflow")
    raw_body = work_order(doc_template, message_id("raw-body", 0))
    hub = HubSide(url, f"bb{run_id}hub", workdir, args.in_flight, args.prefetch, args.consumer_threads)
    timeout = max(120.0, n / 100)
    print(f"\n== Backbone: {n:,} persistent {len(raw_body):,}-byte messages into a quorum queue, "
          f"{args.rounds} round(s); {args.in_flight} in flight, prefetch {args.prefetch}, "
          f"{args.consumer_threads} consumer thread(s) on the hub side")
    raws: list[float] = []
    hubs: list[float] = []
    try:
        for r in range(1, args.rounds + 1):
            documents = [work_order(doc_template, message_id(f"bb{run_id}r{r}", i)) for i in range(n)]

            def raw(r: int = r) -> None:
                run = RawRun(url, raw_topology.config.commands_exchange, routing_key("workflow", COMMAND),
                             raw_queue, raw_body, n, f"raw{run_id}r{r}", args.in_flight, args.prefetch, timeout)
                raws.append(run.run())

            def hub_round(documents: list[bytes] = documents) -> None:
                hubs.append(hub.run(documents, timeout))

            order: list[Callable[[], None]] = [raw, hub_round] if r % 2 else [hub_round, raw]
            for step in order:
                step()
            del documents
            print(f"round {r}: raw pika {raws[-1]:>8,.0f} msgs/s   hub {hubs[-1]:>8,.0f} msgs/s   "
                  f"({hubs[-1] / raws[-1]:.0%})", flush=True)
        leftovers = queue_depth(url, raw_queue) + queue_depth(url, hub.queue)
    finally:
        hub.close()
    if leftovers:
        raise BenchFailure(f"backbone: {leftovers} messages left in the queues")
    raw_m, hub_m = median(raws), median(hubs)
    print(f"median:  raw pika {raw_m:>8,.0f} msgs/s   hub {hub_m:>8,.0f} msgs/s")
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
def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def private_broker() -> Iterator[str]:
    broker = RabbitMQBroker()
    try:
        print(f"starting a private RabbitMQ node on 127.0.0.1:{broker.port} ...", flush=True)
        yield broker.start()
    finally:
        broker.close()
        print("private RabbitMQ node stopped", flush=True)


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
                        help="backbone: unconfirmed publishes (raw) / concurrent routes (hub)")
    parser.add_argument("--prefetch", type=int, default=200, help="backbone: consumer prefetch")
    parser.add_argument("--consumer-threads", type=int, default=1, help="backbone: hub consumer concurrency")
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
    signal.signal(signal.SIGTERM, _interrupt)
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
