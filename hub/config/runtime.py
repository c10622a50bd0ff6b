"""Process-wide runtime tuning that `onepoint serve` and `onepoint worker` apply once start-up is done.

Python's cyclic garbage collector runs a young collection every 700 net container allocations, and every
tenth of those also sweeps the middle generation, where the objects of in-flight requests land (coroutines,
futures, envelopes, messages awaiting their confirm). On the ingress that cost 10-12 µs per accepted command,
over a tenth of its CPU (`bench/README.md`). Two standard remedies:

* ``gc.freeze()`` once start-up is done: the compiled schemas (xmlschema builds large object graphs), routing
  table, WSDLs and libraries move to a permanent generation that no collection traverses again;
* a larger young-generation threshold: collections run less often over proportionally more objects, and far
  fewer in-flight objects get promoted and swept again. Memory held by garbage cycles between collections
  grows by at most that many objects (a few MB at the default).

Reference counting still frees everything that is not in a cycle at once; only cycles wait for a collection.
"""

from __future__ import annotations

import gc
import logging

__all__ = ["DEFAULT_GC_YOUNG_THRESHOLD", "MOST_GC_YOUNG_THRESHOLD", "tune_garbage_collector"]

log = logging.getLogger("onepoint.config")

DEFAULT_GC_YOUNG_THRESHOLD = 50_000
MOST_GC_YOUNG_THRESHOLD = 2**31 - 1  # gc.set_threshold takes a C int: a larger one fails after start-up


def tune_garbage_collector(young_threshold: int = DEFAULT_GC_YOUNG_THRESHOLD) -> None:
    """Freeze what start-up built and collect the young generation every ``young_threshold`` allocations.

    ``young_threshold`` 0 keeps Python's own thresholds (the freeze still applies). Call it once, after the
    app, schemas and routing table are built and before serving.
    """
    if young_threshold < 0:
        raise ValueError("the young-generation threshold must be 0 (Python's default) or positive")
    gc.collect()
    gc.freeze()
    if young_threshold:
        _young, middle, old = gc.get_threshold()
        gc.set_threshold(young_threshold, middle, old)
    log.debug("garbage collector tuned", extra={"frozen_objects": gc.get_freeze_count(),
                                                "thresholds": list(gc.get_threshold())})
