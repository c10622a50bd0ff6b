"""One call to a system, observed: its outcome and time go to the metrics and log.

Outcomes: ``ok`` (returned), ``open`` (held back by its circuit, not called), ``transient`` or ``permanent`` (a
classified failure), ``error`` (anything else escaped: a defect, never counted as ``ok``).
"""

from __future__ import annotations

import logging
import time
from types import TracebackType

from hub.gateways.breaker import CircuitOpenError
from hub.observability.metrics import Metrics
from hub.workers.errors import PermanentError, TransientError

__all__ = ["ObservedCall"]

log = logging.getLogger("onepoint.gateway")


class ObservedCall:
    """``with ObservedCall(system, operation, metrics): ...`` around a guarded call, sync or async alike."""

    __slots__ = ("_metrics", "_operation", "_started", "_system")

    def __init__(self, system: str, operation: str, metrics: Metrics | None) -> None:
        self._system, self._operation, self._metrics = system, operation, metrics
        self._started = 0.0

    def __enter__(self) -> ObservedCall:
        self._started = time.perf_counter()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        seconds = time.perf_counter() - self._started
        outcome = ("ok" if error is None else "open" if isinstance(error, CircuitOpenError)
                   else "transient" if isinstance(error, TransientError)
                   else "permanent" if isinstance(error, PermanentError) else "error")
        if self._metrics is not None:
            self._metrics.gateway_call(self._system, seconds, outcome)
        log.debug("gateway call", extra={"system": self._system, "operation": self._operation, "outcome": outcome,
                                         "seconds": round(seconds, 4)})
