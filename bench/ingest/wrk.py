"""Running wrk with ``workorder.lua`` and reading its result line."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["WRK_MISSING", "WrkResult", "run_wrk", "wrk_path"]

LUA = Path(__file__).resolve().parent / "workorder.lua"
WRK_MISSING = "wrk is not installed: install Debian's package with `sudo apt-get install wrk` (or use --skip-ingest)"


def wrk_path() -> str | None:
    return shutil.which("wrk")


@dataclass(frozen=True, slots=True)
class WrkResult:
    duration_s: float
    requests: int
    sent: int
    accepted: int  # 202
    duplicate: int  # 200
    other: int  # anything else
    socket_errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    statuses: str
    unanswered: frozenset[str]  # ids sent whose answer wrk never read (cut off when it stopped)

    @property
    def rate(self) -> float:
        """Accepted (202, confirmed by the broker) commands per second."""
        return self.accepted / self.duration_s


def run_wrk(url: str, template: Path, tag: str, token: str, *, seconds: float, connections: int,
            threads: int = 2, timeout: float | None = None) -> WrkResult:
    wrk = wrk_path()
    if wrk is None:
        raise RuntimeError(WRK_MISSING)
    argv = [wrk, f"-t{min(threads, connections)}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
            "--timeout", "10s", "-s", str(LUA), url, "--", str(template), tag, token]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout or seconds + 60, check=False)
    fields: dict[str, int] = {}
    statuses, unanswered = "", frozenset[str]()
    for line in done.stdout.splitlines():
        if line.startswith("BENCH "):
            fields = {k: int(float(v)) for k, v in (item.split("=", 1) for item in line.split()[1:])}
        elif line.startswith("BENCH-STATUSES"):
            statuses = line.removeprefix("BENCH-STATUSES").strip()
        elif line.startswith("BENCH-UNANSWERED"):
            unanswered = frozenset(line.removeprefix("BENCH-UNANSWERED").split())
    if done.returncode != 0 or not fields:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return WrkResult(
        duration_s=fields["duration_us"] / 1e6, requests=fields["requests"], sent=fields["sent"],
        accepted=fields["accepted"], duplicate=fields["duplicate"], other=fields["other"],
        socket_errors=sum(fields[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")),
        p50_ms=fields["p50_us"] / 1000, p90_ms=fields["p90_us"] / 1000, p99_ms=fields["p99_us"] / 1000,
        max_ms=fields["max_us"] / 1000, statuses=statuses, unanswered=unanswered,
    )
