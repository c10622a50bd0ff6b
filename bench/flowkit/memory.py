"""The hub's memory over many lookups: RSS read from ``/proc`` every ``step`` lookups, and its slope after warm-up
(least squares over the readings from the warm-up point on), in MiB per 10,000 lookups.

Warm-up ends where the hub's bounded memories are full, or after the first 30 % of the run if that is later. The
caller knows when: the tier cache's answers by count (``full_at``), the WS-Security nonces by time
(``settle_seconds``: each is kept until its token expires, so their number stops growing one replay window into
the load, and their dict's table settles within another). When fewer than three readings
remain after it, the slope is taken over the last 30 % and the run says it did not reach a steady state."""

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
    full_at: int = 0  # lookups of this run after which the hub's memories bounded by count are full
    times: tuple[float, ...] = ()  # seconds into the run of each reading
    settle_seconds: float = 0.0  # how long into the run the memories bounded by time keep growing

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
    def settled_at(self) -> int:
        """Lookups done at the first reading ``settle_seconds`` into the run (the total if none is)."""
        return next((x for (x, _), t in zip(self.readings, self.times, strict=True) if t >= self.settle_seconds),
                    self.total) if self.settle_seconds else 0

    @property
    def warm_up(self) -> int:
        return max(self.full_at, self.settled_at, round(WARM_UP_SHARE * self.total))

    @property
    def steady(self) -> bool:
        """Three readings at least after the warm-up point."""
        return sum(1 for x, _ in self.readings if x >= self.warm_up) >= 3

    @property
    def slope(self) -> float:
        start = self.warm_up if self.steady else round((1 - WARM_UP_SHARE) * self.total)
        return slope_per_10k([r for r in self.readings if r[0] >= start])

    @property
    def filling_slope(self) -> float:
        """The slope before the warm-up point (the bounded memories filling)."""
        return slope_per_10k([r for r in self.readings if r[0] <= self.warm_up])


def slope_per_10k(readings: list[tuple[int, float]]) -> float:
    """Least-squares slope of RSS over lookups, MiB per 10,000 lookups (0 with fewer than two readings)."""
    if len(readings) < 2:
        return 0.0
    xs, ys = [float(x) for x, _ in readings], [y for _, y in readings]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return 0.0 if not spread else sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread * 1e4


def measure_memory(hub: HubProcess, target: Target, request: Request, *, total: int, connections: int,
                   step: int, full_at: int = 0, settle_seconds: float = 0.0) -> MemoryRun:
    readings, times = [(0, hub.rss_mib())], [0.0]
    print(f"hub RSS over {total:,} lookups: {readings[0][1]:.1f} MiB at start", flush=True)
    began = time.perf_counter()
    done = 0
    while done < total:
        n = min(step, total - done)
        load = closed_loop(target, request, total=n, connections=connections, first=done)
        done += n
        readings.append((done, hub.rss_mib()))
        times.append(time.perf_counter() - began)
        print(f"  after {done:>9,} lookups: RSS {readings[-1][1]:7.1f} MiB  ({load.rate:,.0f} lookups/s)", flush=True)
    return MemoryRun(total, readings, time.perf_counter() - began, full_at, tuple(times), settle_seconds)
