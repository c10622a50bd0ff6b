"""One round of ``bench/workflow.py``: a consumer process (the hub's worker or the minimal consumer) on its own
database, N CreateWorkOrder requests (``workflowkit/documents.py``: the simulator's) published as the ingress does,
timed until N work orders are DISPATCHED in the store; then the checks (every answer received and DISPATCHED, N
dispatches confirmed into the NSP queue, one NotifyAccountManager in the CRM queue per caller with an account
manager, the workflow's dead-letter queue empty)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pika

from bench.workflowkit.documents import BenchDocument
from hub.routing.codec import PREFIX
from hub.transport.topology import TopologyConfig

__all__ = ["BenchFailure", "ConsumerProcess", "RoundResult", "run_round"]

HERE = Path(__file__).resolve().parent
DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"
COMMAND = "workorder.CreateWorkOrder"
SOURCE_SYSTEM = "CS"  # the complaint front end, as the simulator's documents say
COUNT_CREATED = "SELECT count(*) FROM work_orders WHERE created_at >= ?"
COUNT_DISPATCHED = COUNT_CREATED + " AND state = 'DISPATCHED'"
POLL = 0.02  # seconds between two looks at the store (a round lasts seconds to minutes)


class BenchFailure(RuntimeError):
    """A check failed: the figures of this run mean nothing."""


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class ConsumerProcess:
    """``hub_worker.py`` or ``minimal_worker.py`` as a child: started, ``ready`` awaited, stopped by closing stdin."""

    def __init__(self, script: str, *args: str, log: Path | None = None) -> None:
        with open(log or "/dev/null", "ab") as stderr:
            self.process = subprocess.Popen([sys.executable, str(HERE / script), *args], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=stderr, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if line != "ready":
            self.process.kill()
            raise BenchFailure(f"{script} did not start (said {line!r}, exit {self.process.wait()}; log: {log})")

    @property
    def rss(self) -> float:
        return rss_mib(self.process.pid)

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass(frozen=True)
class RoundResult:
    orders: int
    seconds: float
    rss_mib: float

    @property
    def rate(self) -> float:
        return self.orders / self.seconds


class Requester:
    """The ingress's part: CreateWorkOrder requests (reply-to RabbitMQ's direct reply-to, persistent) published on a
    thread with the headers the XML ingress gives them (``ingress``, ``caller``), the answers counted; ``started``
    is the time of the first publish."""

    def __init__(self, url: str, topology: TopologyConfig, documents: list[tuple[str, bytes]]) -> None:
        self.url, self.topology, self.documents = url, topology, documents
        self.headers = {f"{PREFIX}ingress": "xml", f"{PREFIX}caller": "cs"}
        self.answers: list[bytes] = []
        self.started = 0.0
        self.error: BaseException | None = None
        self.ready = threading.Event()
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="requester", daemon=True)

    def start(self) -> None:
        self.thread.start()
        self.ready.wait(30)

    def _run(self) -> None:
        try:
            connection = pika.BlockingConnection(pika.URLParameters(self.url))
            channel = connection.channel()
            channel.basic_consume(DIRECT_REPLY_TO, lambda _c, _m, _p, body: self.answers.append(body), auto_ack=True)
            exchange, key = self.topology.commands_exchange, f"workflow.{COMMAND}"
            self.ready.set()
            self.started = time.perf_counter()
            for message_id, body in self.documents:
                channel.basic_publish(exchange, key, body, pika.BasicProperties(
                    message_id=message_id, correlation_id=message_id, reply_to=DIRECT_REPLY_TO, type=COMMAND,
                    content_type="application/xml", app_id=SOURCE_SYSTEM, timestamp=int(time.time()), delivery_mode=2,
                    headers=self.headers))
            while len(self.answers) < len(self.documents) and not self._stop.is_set():
                connection.process_data_events(time_limit=0.05)
            connection.close()
        except BaseException as exc:  # reported by run_round
            self.error = exc
            self.ready.set()

    def stop(self, timeout: float) -> None:
        self.thread.join(timeout)
        self._stop.set()
        self.thread.join(5)


def created_since(database: Path, since: str, *, dispatched: bool = False) -> int:
    """Work orders created since ``since`` (committed); ``dispatched``: of them, those DISPATCHED. Both sides commit
    the creation and the dispatch together, so the cheap count (``ix_work_orders_created`` alone, no row read)
    is polled and the state checked once at the end."""
    query = COUNT_DISPATCHED if dispatched else COUNT_CREATED
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        return int(db.execute(query, (since,)).fetchone()[0])


def queue_depth(channel: pika.adapters.blocking_connection.BlockingChannel, queue: str) -> int:
    return int(channel.queue_declare(queue, passive=True).method.message_count)


def run_round(url: str, topology: TopologyConfig, database: Path, consumer: ConsumerProcess,
              load: Sequence[BenchDocument], tag: str, timeout: float) -> RoundResult:
    """Publish the ``load``'s requests and time them until DISPATCHED; check and clean up; the consumer's RSS."""
    orders = len(load)
    documents = [(document.message_id, document.body) for document in load]
    since = (datetime.now(UTC) - timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
    requester = Requester(url, topology, documents)
    requester.start()
    deadline = time.monotonic() + timeout
    done = 0
    while (done := created_since(database, since)) < orders:
        if time.monotonic() > deadline or requester.error is not None:
            requester.stop(0)
            raise BenchFailure(f"{tag}: {done} of {orders} work orders DISPATCHED after {timeout:.0f} s"
                               + (f" ({requester.error!r})" if requester.error else ""))
        time.sleep(POLL)
    seconds = time.perf_counter() - requester.started
    rss = consumer.rss
    requester.stop(timeout=30)
    if (dispatched := created_since(database, since, dispatched=True)) != orders:
        raise BenchFailure(f"{tag}: {dispatched} of the {orders} work orders created are DISPATCHED")
    _check(url, topology, tag, orders, sum(d.notifies_crm for d in load), requester.answers)
    return RoundResult(orders, seconds, rss)


def _check(url: str, topology: TopologyConfig, tag: str, orders: int, notices: int, answers: list[bytes]) -> None:
    if len(answers) != orders:
        raise BenchFailure(f"{tag}: {len(answers)} answers for {orders} requests")
    wrong = [a for a in answers if b"DISPATCHED" not in a]
    if wrong:
        raise BenchFailure(f"{tag}: {len(wrong)} answers without DISPATCHED, e.g. {wrong[0][:300]!r}")
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        nsp, crm, dlq = topology.queue("nsp"), topology.queue("crm"), topology.dead_letter_queue("workflow")
        for queue, wanted, what in ((nsp, orders, "dispatches"), (crm, notices, "account-manager notices")):
            deadline = time.monotonic() + 10
            while (depth := queue_depth(channel, queue)) < wanted and time.monotonic() < deadline:
                time.sleep(0.05)
            if depth != wanted:
                raise BenchFailure(f"{tag}: {depth} {what} in {queue}, {wanted} expected")
        if (dead := queue_depth(channel, dlq)) or (left := queue_depth(channel, topology.queue("workflow"))):
            raise BenchFailure(f"{tag}: {dead} dead-lettered, {left if not dead else '?'} left in the workflow queue")
        channel.queue_purge(nsp)
        channel.queue_purge(crm)
    finally:
        connection.close()
