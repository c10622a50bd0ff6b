"""Private RabbitMQ servers for tests and benchmarks: one node, or a 3-node cluster; free ports, loopback only.

(The RabbitMQ *client* is ``hub.transport.amqp.RabbitMQBroker``; this module starts the *server*.)

``RabbitMQServer`` runs Debian's ``/usr/lib/rabbitmq/bin/rabbitmq-server`` directly (not the ``/usr/sbin``
wrappers, which switch user and pick up the system node's cookie) with:

* a node name unique to this run (``onepoint-<pid>-<random>@localhost``);
* its own HOME (Erlang cookie), data, log and config directories in a temporary directory;
* AMQP on a free port on 127.0.0.1, the distribution port free and on 127.0.0.1 too
  (``-kernel inet_dist_use_interface {127,0,0,1}``);
* its own ``epmd`` on a free port bound to 127.0.0.1 (``ERL_EPMD_ADDRESS``/``ERL_EPMD_PORT``), started
  in the foreground as our child so that nothing outlives the session;
* no plugins (fast boot).

Every process is started in its own session, so ``stop()`` can end the whole process group, even on a
failed start. If the broker cannot start, ``BrokerStartError`` carries the tail of its log: the fixtures
turn that into a test *failure*, never a skip.

``restart()`` stops the node (gracefully, or with SIGKILL when ``hard=True``) and starts it again on the
same port with the same data, so durable queues and persistent messages survive.

``RabbitMQCluster`` runs three such nodes sharing one HOME (the Erlang cookie) and one epmd: the first boots, then
the second and third boot side by side and join its cluster as they boot (RabbitMQ's classic-config peer discovery
naming the first node: no ``rabbitmqctl stop_app``/``join_cluster``/``start_app``, each a CLI run of its own);
``start()`` checks that the first node sees all three running. ``url`` names all three addresses.

The session's shared broker is killed at the end (``close_shared_broker``), not stopped gracefully: its files are
removed, and the teardown of the last test a pytest-xdist worker runs pays for it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pika
import pika.exceptions

from tests.support.ports import free_port

__all__ = ["BrokerStartError", "RabbitMQCluster", "RabbitMQServer", "free_port", "running_broker"]

SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
CTL = Path("/usr/lib/rabbitmq/bin/rabbitmqctl")
EPMD_CANDIDATES = (Path("/usr/bin/epmd"), *sorted(Path("/usr/lib/erlang").glob("erts-*/bin/epmd")))
START_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0


class BrokerStartError(RuntimeError):
    """The private broker did not come up; the message includes its log."""




def _kill_group(proc: subprocess.Popen[bytes], timeout: float, sig: int = signal.SIGTERM) -> None:
    """Signal a child's whole process group, wait, and SIGKILL it if it does not go."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=timeout)
    # Whatever is left of the group (beam children such as erl_child_setup) goes too.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


class RabbitMQServer:
    """One private rabbitmq-server node. Use ``start()``/``stop()`` or ``running_broker()``.

    ``home`` and ``epmd_port`` are given by a `RabbitMQCluster` (shared by its nodes; it runs the epmd)."""

    def __init__(self, base_dir: Path | None = None, *, home: Path | None = None, epmd_port: int | None = None,
                 join: str | None = None) -> None:
        if not SERVER.exists():
            raise BrokerStartError(
                f"{SERVER} is missing: install Debian's rabbitmq-server (see tests/support/rabbitmq_server.py)"
            )
        self._own_dir = base_dir is None
        self.base = Path(tempfile.mkdtemp(prefix="onepoint-rmq-")) if base_dir is None else base_dir
        self.home = home if home is not None else self.base / "home"
        self.node = f"onepoint-{os.getpid()}-{secrets.token_hex(3)}@localhost"
        self.port = free_port()
        self.dist_port = free_port()
        self._own_epmd = epmd_port is None
        self.epmd_port = free_port() if epmd_port is None else epmd_port
        self.log_dir = self.base / "log"
        self._server: subprocess.Popen[bytes] | None = None
        self._epmd: subprocess.Popen[bytes] | None = None
        self._console = self.base / "console.log"
        self._join = join
        self.home.mkdir(parents=True, exist_ok=True)
        for sub in ("mnesia", "log", "etc"):
            (self.base / sub).mkdir(parents=True, exist_ok=True)
        self._write_config()

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def _write_config(self) -> None:
        etc = self.base / "etc"
        (etc / "rabbitmq.conf").write_text(
            "\n".join(
                [
                    f"listeners.tcp.default = 127.0.0.1:{self.port}",
                    "loopback_users.guest = true",
                    "disk_free_limit.absolute = 50MB",
                    "log.file.level = info",
                    "log.console = false",
                    *self._peer_discovery(),
                    "",
                ]
            )
        )
        (etc / "enabled_plugins").write_text("[].\n")
        (etc / "rabbitmq-env.conf").write_text("")

    def _peer_discovery(self) -> list[str]:
        """With ``join``: join that node's cluster at the first boot (RabbitMQ's classic-config peer discovery, no
        ``rabbitmqctl`` calls), at once (no randomized start-up delay: the cluster starts its nodes itself)."""
        if self._join is None:
            return []
        return ["cluster_formation.peer_discovery_backend = classic_config",
                f"cluster_formation.classic_config.nodes.1 = {self._join}",
                "cluster_formation.randomized_startup_delay_range.min = 0",
                "cluster_formation.randomized_startup_delay_range.max = 0"]

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "ERL_"))}
        etc = self.base / "etc"
        env.update(
            {
                "HOME": str(self.home),
                "RABBITMQ_NODENAME": self.node,
                "RABBITMQ_USE_LONGNAME": "false",
                "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
                "RABBITMQ_NODE_PORT": str(self.port),
                "RABBITMQ_DIST_PORT": str(self.dist_port),
                "RABBITMQ_CONF_ENV_FILE": str(etc / "rabbitmq-env.conf"),
                "RABBITMQ_CONFIG_FILE": str(etc / "rabbitmq.conf"),
                "RABBITMQ_ADVANCED_CONFIG_FILE": str(etc / "advanced.config"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(etc / "enabled_plugins"),
                "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
                "RABBITMQ_LOG_BASE": str(self.log_dir),
                "RABBITMQ_LOGS": str(self.log_dir / "node.log"),
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
                "ERL_EPMD_ADDRESS": "127.0.0.1",
                "ERL_EPMD_PORT": str(self.epmd_port),
            }
        )
        return env

    def _start_epmd(self) -> None:
        if not self._own_epmd:
            return
        if self._epmd is not None and self._epmd.poll() is None:
            return
        epmd = next((p for p in EPMD_CANDIDATES if p.exists()), None)
        if epmd is None:
            raise BrokerStartError("epmd not found (is erlang-base installed?)")
        self._epmd = subprocess.Popen(
            [str(epmd), "-address", "127.0.0.1", "-port", str(self.epmd_port)],
            env=self._env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def start(self, timeout: float = START_TIMEOUT) -> str:
        """Start the node (and its epmd) and return the AMQP URL once it accepts connections."""
        self.launch()
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self.url

    def launch(self) -> None:
        """Start the node without waiting for it (``wait_ready()`` waits)."""
        self._start_epmd()
        with self._console.open("ab") as console:
            self._server = subprocess.Popen(
                [str(SERVER)],
                env=self._env(),
                cwd=self.base,
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def ctl(self, *args: str, timeout: float = 60.0) -> str:
        """Run ``rabbitmqctl -n <this node> ARGS`` and return its output (``BrokerStartError`` if it fails)."""
        done = subprocess.run([str(CTL), "-n", self.node, *args], env=self._env(), capture_output=True,
                              timeout=timeout, check=False)
        if done.returncode != 0:
            raise BrokerStartError(f"rabbitmqctl {' '.join(args)}: {done.stderr.decode(errors='replace')}\n"
                                   f"{self.log_tail(20)}")
        return done.stdout.decode()

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        params = pika.URLParameters(self.url + "?connection_attempts=1&socket_timeout=2")
        last: BaseException | None = None
        while time.monotonic() < deadline:
            assert self._server is not None
            if self._server.poll() is not None:
                raise BrokerStartError(
                    f"rabbitmq-server exited with {self._server.returncode}\n{self.log_tail()}"
                )
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            except OSError as exc:
                last = exc
                time.sleep(0.2)
                continue
            try:
                conn = pika.BlockingConnection(params)
            except pika.exceptions.AMQPError as exc:
                last = exc
                time.sleep(0.2)
                continue
            try:
                conn.channel().close()
            finally:
                conn.close()
            return
        raise BrokerStartError(f"rabbitmq-server not ready after {timeout:.0f}s ({last!r})\n{self.log_tail()}")

    def stop(self, hard: bool = False) -> None:
        """Stop the node: SIGTERM (graceful) or SIGKILL (``hard``), then kill anything left in its group."""
        if self._server is not None:
            _kill_group(self._server, STOP_TIMEOUT, signal.SIGKILL if hard else signal.SIGTERM)
            self._server = None

    def kill(self) -> None:
        """``kill -9`` the node's process group at once (no waiting, no clean-up: ``stop()`` does that)."""
        if self._server is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._server.pid, signal.SIGKILL)

    def restart(self, hard: bool = False) -> str:
        """Stop and start again on the same port, keeping the data directory."""
        self.stop(hard=hard)
        return self.start()

    def close(self) -> None:
        """Stop the node and epmd and remove the temporary directory."""
        try:
            self.stop()
        finally:
            if self._epmd is not None:
                _kill_group(self._epmd, 5)
                self._epmd = None
            if self._own_dir:
                shutil.rmtree(self.base, ignore_errors=True)

    @property
    def running(self) -> bool:
        return self._server is not None and self._server.poll() is None

    def log_tail(self, lines: int = 80) -> str:
        chunks: list[str] = []
        for path in (self._console, self.log_dir / "node.log"):
            if path.exists():
                text = path.read_text(errors="replace").splitlines()[-lines:]
                chunks.append(f"--- {path.name} ---\n" + "\n".join(text))
        return "\n".join(chunks) or "(no broker log)"


@contextlib.contextmanager
def running_broker() -> Iterator[RabbitMQServer]:
    """A started private broker, stopped and cleaned up afterwards (also on failure)."""
    broker = RabbitMQServer()
    try:
        broker.start()
        yield broker
    finally:
        broker.close()


_shared: RabbitMQServer | None = None
_shared_error: BaseException | None = None


def shared_broker() -> RabbitMQServer:
    """The one broker of this test session (started on first use). Raises ``BrokerStartError`` with the log.

    A failed start is remembered, so every test that needs the broker fails at once with the same log.
    """
    global _shared, _shared_error
    if _shared_error is not None:
        raise BrokerStartError(str(_shared_error))
    if _shared is None:
        broker = RabbitMQServer()
        try:
            broker.start()
        except BaseException as exc:
            broker.close()
            _shared_error = exc
            raise
        _shared = broker
    if not _shared.running:
        _shared.start()
    return _shared


def close_shared_broker() -> None:
    """Kill the session's broker (``kill -9``) and remove its files: nothing of it is read again, and a graceful
    stop of a node that took a whole suite's queues is charged to the teardown of the last test a worker runs."""
    global _shared
    if _shared is not None:
        _shared.stop(hard=True)
        _shared.close()
        _shared = None


def rabbitmq_fixture() -> Iterator[RabbitMQServer]:
    """Body of the session fixture: the shared broker, or a test *failure* with its log."""
    import pytest

    try:
        broker = shared_broker()
    except BrokerStartError as exc:
        pytest.fail(f"private RabbitMQ broker did not start:\n{exc}", pytrace=False)
    try:
        yield broker
    finally:
        close_shared_broker()


class RabbitMQCluster:
    """Three private nodes joined into one cluster (shared cookie and epmd); ``url`` names every address."""

    def __init__(self, size: int = 3) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="onepoint-rmq-cluster-"))
        home = self.base / "home"
        home.mkdir()
        (home / ".erlang.cookie").write_text(secrets.token_hex(16))
        (home / ".erlang.cookie").chmod(0o400)
        self.epmd_port = free_port()
        first = RabbitMQServer(self.base / "node1", home=home, epmd_port=self.epmd_port)
        self.nodes = [first, *(RabbitMQServer(self.base / f"node{i + 1}", home=home, epmd_port=self.epmd_port,
                                              join=first.node) for i in range(1, size))]
        self._epmd: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        addresses = ",".join(f"127.0.0.1:{node.port}" for node in self.nodes)
        return f"amqp://guest:guest@{addresses}/%2F"

    def start(self, timeout: float = START_TIMEOUT) -> str:
        epmd = next((p for p in EPMD_CANDIDATES if p.exists()), None)
        if epmd is None:
            raise BrokerStartError("epmd not found (is erlang-base installed?)")
        self._epmd = subprocess.Popen(
            [str(epmd), "-address", "127.0.0.1", "-port", str(self.epmd_port)], env=self.nodes[0]._env(),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        first, others = self.nodes[0], self.nodes[1:]
        first.start(timeout)
        for node in others:  # side by side, each joining the first node's cluster as it boots
            node.launch()
        for node in others:
            node.wait_ready(timeout)
        members = first.ctl("eval", "rabbit_nodes:all_running().")
        missing = [node.node for node in others if node.node not in members]
        if missing:
            raise BrokerStartError(f"{', '.join(missing)} did not join {first.node}'s cluster (running: "
                                   f"{members.strip()})\n" + "\n".join(node.log_tail(20) for node in others))
        return self.url

    def close(self) -> None:
        try:
            for node in self.nodes:
                node.close()
        finally:
            if self._epmd is not None:
                _kill_group(self._epmd, 5)
            shutil.rmtree(self.base, ignore_errors=True)
