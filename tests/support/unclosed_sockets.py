"""``unclosed_sockets(port)``: the ``ResourceWarning: unclosed socket`` of sockets connected to ``port`` that were
left to the garbage collector (a connection attempt whose socket nobody closed)."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["unclosed_sockets"]


@contextmanager
def unclosed_sockets(port: int) -> Iterator[list[str]]:
    """The ResourceWarnings "unclosed socket" of sockets connected to ``port``, garbage collected by the end."""
    found: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        yield found
        for _ in range(3):
            gc.collect()
    found += [str(w.message) for w in caught
              if issubclass(w.category, ResourceWarning) and f"127.0.0.1', {port})" in str(w.message)]
