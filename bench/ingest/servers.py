"""Server processes for the ingest benchmark: the real hub (``onepoint serve --config``) and the minimal pipeline."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from hub.security.secrets import hash_token

__all__ = ["ServerProcess", "hub_config", "start_hub", "start_minimal"]

HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent


def hub_config(path: Path, *, port: int, broker_url: str, prefix: str, token: str) -> Path:
    """A settings file for ``onepoint serve``: loopback, the RabbitMQ broker, one CS caller with a bearer token."""
    path.write_text(
        "\n".join([
            "[server]", 'host = "127.0.0.1"', f"port = {port}", "",
            "[broker]", f'url = "{broker_url}"', f'prefix = "{prefix}"', "",
            "[[callers]]", 'system = "CS"', 'username = "cs-frontend"',
            f'token_hashes = ["{hash_token(token)}"]', 'commands = ["workorder.*"]', "",
            "[routing]", 'file = "ingest-routes.toml"', "",
        ])
    )
    # The ingest of a command (accept -> confirmed publish), as before CreateWorkOrder became a request the
    # workflow answers: the bench routes work orders one way (bench/README.md, backbone).
    path.with_name("ingest-routes.toml").write_text(
        '[[routes]]\nname = "work orders, one way"\ncommands = ["workorder.*"]\nto = ["workflow"]\n', "utf-8")
    return path


class ServerProcess:
    """A server we started in its own session; ``stop()`` ends its process group (and only that)."""

    def __init__(self, name: str, argv: list[str], port: int, ready_path: str, log: Path,
                 env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
        self.name = name
        self.port = port
        self.log = log
        self._ready_url = f"http://127.0.0.1:{port}{ready_path}"
        with log.open("ab") as out:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                         env={**os.environ, **(env or {})}, cwd=cwd, start_new_session=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/xml/workorder"

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self._ready_url, timeout=2) as response:  # noqa: S310 - loopback
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        if not self.log.exists():
            return "(no log)"
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)


def start_hub(config: Path, port: int, log: Path, *, log_level: str = "INFO", workers: int = 1) -> ServerProcess:
    """``onepoint serve --config --no-workers`` (one process; its queues are the bench's drainers' alone: on
    amqp:// serve would otherwise consume them with its own workers); with ``workers > 1`` the same app under
    ``uvicorn --workers``."""
    if workers == 1:
        argv = [str(VENV_BIN / "onepoint"), "serve", "--config", str(config), "--no-workers", "--log-level",
                log_level]
        return ServerProcess("hub", argv, port, "/readyz", log)
    argv = [sys.executable, str(HERE / "hub_workers.py"), "--config", str(config), "--workers", str(workers),
            "--log-level", log_level]
    return ServerProcess(f"hub ({workers} workers)", argv, port, "/readyz", log, cwd=HERE)


def start_minimal(broker_url: str, prefix: str, port: int, log: Path, *, workers: int = 1) -> ServerProcess:
    argv = [sys.executable, str(HERE / "minimal_app.py"), "--broker-url", broker_url, "--prefix", prefix,
            "--port", str(port), "--workers", str(workers)]
    return ServerProcess("minimal pipeline", argv, port, "/healthz", log, cwd=HERE)
