"""The processes of ``bench/flows.py``: the emulators in one process of their own (``onepoint emulate all``,
free ports) and the hub in another (``onepoint serve --config --no-emulators``: its workers in its process, as the
one-command system runs), so the hub's figures never share a GIL with BOSS or DSMP nor with the load generator."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.flowkit.load import BenchFailure
from bench.ingest.servers import ServerProcess
from hub.system.callbacks import DEVELOPMENT_CALLBACK_TOKENS

__all__ = ["Emulators", "HubProcess", "start_hub"]

REPO = Path(__file__).resolve().parents[2]
DEFAULTS = REPO / "hub" / "config" / "defaults.toml"
ONEPOINT = str(Path(sys.executable).parent / "onepoint")
DEFAULT_PORTS = {"boss": 8101, "crm": 8102, "nsp": 8103, "dsmp": 8104, "oa": 8105}
ENV = {"PYTHONWARNINGS": "ignore"}


class Emulators:
    """``onepoint emulate all`` on free ports, ``subscribers`` in the population; ``urls`` by system name."""

    def __init__(self, workdir: Path, subscribers: int, hub_url: str) -> None:
        self.log = workdir / "emulators.log"
        with self.log.open("ab") as err:
            self.proc = subprocess.Popen(
                [ONEPOINT, "emulate", "all", "--base-port", "0", "--subscribers", str(subscribers),
                 "--hub-url", hub_url, "--log-level", "WARNING",
                 *(f"--hub-token={name}={token}" for name, token in DEVELOPMENT_CALLBACK_TOKENS.items())],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, text=True,
                env={**os.environ, **ENV}, start_new_session=True)
        self.urls: dict[str, str] = {}
        assert self.proc.stdout is not None
        while len(self.urls) < len(DEFAULT_PORTS):
            line = self.proc.stdout.readline()
            if not line:
                self.stop()
                raise BenchFailure(f"the emulators did not start:\n{self.log.read_text(errors='replace')[-2000:]}")
            name, _, url = line.strip().partition(" ")
            if name in DEFAULT_PORTS:
                self.urls[name] = url.rstrip("/")

    def get_json(self, system: str, path: str) -> object:
        with urllib.request.urlopen(f"{self.urls[system]}{path}", timeout=10) as answer:  # noqa: S310 - loopback
            return json.loads(answer.read())

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(15)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(5)


def timings(metrics: str, histogram: str, labels: str) -> tuple[float, float]:
    """(count, sum) of ``onepoint_<histogram>_seconds{labels}`` in a ``/metrics`` text (0, 0 when absent)."""
    def value(kind: str) -> float:
        found = re.search(rf"onepoint_{histogram}_seconds_{kind}\{{{re.escape(labels)}\}} ([0-9.e+-]+)", metrics)
        return float(found.group(1)) if found else 0.0
    return value("count"), value("sum")


def hub_settings(path: Path, *, port: int, broker_url: str, emulators: dict[str, str]) -> Path:
    """The built-in settings (callers, routes with the tier cache, adapters, audit) on ``port`` and ``broker_url``
    (a fresh prefix), the adapters pointed at ``emulators``, the audit key from the environment."""
    text = DEFAULTS.read_text("utf-8")
    text = text.replace("port = 8000", f"port = {port}", 1)
    text = text.replace('url = "memory://"', f'url = "{broker_url}"', 1)
    text = text.replace('prefix = "onepoint"', f'prefix = "flows{secrets.token_hex(3)}"', 1)
    text = text.replace("development_key = true", "development_key = false", 1)
    for system, default in DEFAULT_PORTS.items():
        text = text.replace(f"http://127.0.0.1:{default}", emulators[system])
    if "\n[workflow]" not in text:  # beside the settings file (the default is the hub's working folder's)
        text += '\n[workflow]\ndatabase = "onepoint-workorders.db"\n'
    path.write_text(text, "utf-8")
    return path


class HubProcess(ServerProcess):
    """``onepoint serve`` as a process of its own: its RSS, its metrics, ``onepoint audit verify``."""

    def __init__(self, config: Path, port: int, log: Path, env: dict[str, str]) -> None:
        self.config, self.env = config, env
        argv = [ONEPOINT, "serve", "--config", str(config), "--no-emulators", "--log-level", "WARNING"]
        super().__init__("hub", argv, port, "/readyz", log, env=env, cwd=config.parent)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise BenchFailure("the hub process is gone")

    def metrics(self) -> str:
        with urllib.request.urlopen(f"{self.base_url}/metrics", timeout=10) as answer:  # noqa: S310 - loopback
            return str(answer.read().decode())

    def gateway_calls(self, system: str) -> int:
        """How many calls the hub's gateway to ``system`` made successfully (``/metrics``)."""
        return int(timings(self.metrics(), "gateway_call", f'outcome="ok",system="{system}"')[0])

    def cache_hits(self, command_type: str) -> int:
        """Requests of ``command_type`` the ingress answered from its reply cache (``/metrics``)."""
        found = re.search(rf'onepoint_reply_cache_hits_total\{{command_type="{re.escape(command_type)}"\}} ([0-9.e+]+)',
                          self.metrics())
        return int(float(found.group(1))) if found else 0

    def worker_timings(self, system: str) -> tuple[float, float, float]:
        """(handler runs, their seconds, seconds in ``system``'s gateway calls) of the hub's worker for ``system``."""
        text = self.metrics()
        runs, handler = timings(text, "handler_latency", f'consumer="{system}"')
        _, calls = timings(text, "gateway_call", f'outcome="ok",system="{system}"')
        return runs, handler, calls

    def audit_rows(self) -> int:
        """``onepoint audit verify``: the rows of an intact chain (BenchFailure if it is not intact)."""
        run = subprocess.run([ONEPOINT, "audit", "verify", "--config", str(self.config)], capture_output=True,
                             text=True, env={**os.environ, **self.env}, cwd=self.config.parent, timeout=300,
                             check=False)
        found = re.match(r"OK: (\d+) rows, chain intact", run.stdout)
        if run.returncode != 0 or found is None:
            raise BenchFailure(f"onepoint audit verify: {run.returncode} {run.stdout} {run.stderr[-1000:]}")
        return int(found.group(1))


def start_hub(workdir: Path, port: int, broker_url: str, emulators: Emulators) -> HubProcess:
    """The hub on ``port`` (the emulators' call-backs already point there), ready to answer."""
    config = hub_settings(workdir / "hub.toml", port=port, broker_url=broker_url, emulators=emulators.urls)
    env = {**ENV, "ONEPOINT_AUDIT_KEY": secrets.token_hex(32)}
    hub = HubProcess(config, port, workdir / "hub.log", env)
    try:
        hub.wait_ready(timeout=120)
    except RuntimeError as exc:
        hub.stop()
        raise BenchFailure(str(exc)) from exc
    time.sleep(0.2)
    return hub
