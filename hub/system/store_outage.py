"""While the shared processed store's database is known to be down, its messages wait instead of spending attempts.

The adapters' workers claim every message in the shared PostgreSQL store (``[workers] processed_store``) before its
handler runs. With that database down every claim fails: as a transient error each message would be retried through
the delay tiers and dead-lettered once they are spent, although nothing is wrong with it. So, once the store's
background probe (``hub.system.health``: ``checks.processed_store`` of ``/readyz``) fails, a claim that cannot reach
the database raises ``ProcessedStoreDown``, a ``CallsHeldBack``: the message waits in a delay tier, no attempt
counted, as behind an open circuit (``hub.workers.waiting``), and comes back until the database answers again. Before
the probe has noticed (at most its interval), the driver's error is a transient failure as any other.

A message whose handler *has* run when the database goes down does not wait in a tier: its effect is done, and a
failure would bring it back to run again once its claim's lease ran out. Its worker keeps it (unsettled) and writes
its outcome again until the database answers (``hub.store.postgres_recording``), its claim's lease renewed; the
logs give this check's reason while it fails. Only if the store closes first (the process stopping) does the record
give up: the claim raises what ``outage`` makes of the error (a ``ProcessedStoreDown``: the message waits, no attempt
counted) and the message comes back under its claim's lease, as a redelivery would.
"""

from __future__ import annotations

from hub.observability.probes import BackgroundProbe
from hub.store.base import ProcessedStore
from hub.workers.errors import CallsHeldBack

__all__ = ["ProcessedStoreDown", "hold_back_while_down"]


class ProcessedStoreDown(CallsHeldBack):
    """The shared processed store's database is known to be down: the message waits (see the module docstring)."""


def hold_back_while_down(store: ProcessedStore, probe: BackgroundProbe | None) -> None:
    """Make the claims of ``store`` (the shared PostgreSQL one; any other is left as it is) that cannot reach its
    database wait while ``probe``, the check of that database, fails."""
    from hub.store.postgres import PostgresProcessedStore

    if probe is None or not isinstance(store, PostgresProcessedStore):
        return

    def outage(exc: Exception) -> Exception | None:
        state = probe.state()
        if state.ok:  # not known to be down: the driver's error, a transient failure
            return None
        return ProcessedStoreDown(f"the processed store's database is down: {state.reason or exc}",
                                  retry_in=probe.interval)

    store.outage = outage
