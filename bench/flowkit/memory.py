"""The hub's memory over many lookups: RSS read from ``/proc`` every ``step`` lookups, and its slope after warm-up
(least squares over the readings after the first 30 %), in MiB per 10,000 lookups."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from bench.flowkit.load import Request, Target, closed_loop
from bench.flowkit.system import HubProcess

__all__ = ["WARM_UP_SHARE", "MemoryRun", "measure_memory", "slope_per_10k"]

WARM_UP_SHARE = 0.3


@dataclass(frozen=True)
class MemoryRun:
    total: int
    readings: list[tuple[int, float]]  # (lookups so far, RSS MiB)
    seconds: float

    @property
    def start(self) -> float:
        return self.readings[0][1]

    @property
    def end(self) -> float:
        return self.readings[-1][1]

    @property
    def rate(self) -> float:
        return self.total / self.seconds if self.seconds else 0.0

    @property
    def slope(self) -> float:
        return slope_per_10k([r for r in self.readings if r[0] >= WARM_UP_SHARE * self.total])


def slope_per_10k(readings: list[tuple[int, float]]) -> float:
    """Least-squares slope of RSS over lookups, MiB per 10,000 lookups (0 with fewer than two readings)."""
    if len(readings) < 2:
        return 0.0
    xs, ys = [float(x) for x, _ in readings], [y for _, y in readings]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return 0.0 if not spread else sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread * 1e4


def measure_memory(hub: HubProcess, target: Target, request: Request, *, total: int, connections: int,
                   step: int) -> MemoryRun:
    readings = [(0, hub.rss_mib())]
    print(f"hub RSS over {total:,} lookups: {readings[0][1]:.1f} MiB at start", flush=True)
    began = time.perf_counter()
    done = 0
    while done < total:
        n = min(step, total - done)
        load = closed_loop(target, request, total=n, connections=connections, first=done)
        done += n
        readings.append((done, hub.rss_mib()))
        print(f"  after {done:>9,} lookups: RSS {readings[-1][1]:7.1f} MiB  ({load.rate:,.0f} lookups/s)", flush=True)
    return MemoryRun(total, readings, time.perf_counter() - began)
