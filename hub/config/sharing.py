"""What stays on one machine when several hubs share the work orders.

A PostgreSQL ``[workflow] database`` is how an operator runs several hubs on one set of work orders (README "Moving
one hub to several"). Four other records are shared only when their own settings say so; left at their defaults
each hub keeps its own, and the hubs then disagree without a word: a message redelivered to another hub's worker
is carried out again, each hub's agents see the notices its own worker took, each machine writes an SMS-log audit
chain of its own, a signed request replayed to another hub is taken. ``kept_per_machine`` names each such setting
for a WARNING at start (``onepoint serve``, ``onepoint worker``); a single hub on PostgreSQL may ignore it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from hub.config.settings import HubSettings

__all__ = ["KeptPerMachine", "kept_per_machine", "warn_kept_per_machine"]


@dataclass(frozen=True, slots=True)
class KeptPerMachine:
    setting: str  # what to set, e.g. "[bulletin] database"
    consequence: str  # what happens while it is not set, in words for the log


# how each record moves to the shared one (README "Moving one hub to several"): the audit log and the nonces are not
# copied, the audit log starts a new chain (the old file is kept and verified against its own head)
_HOW_IT_MOVES = {
    "[workflow] database": "its copy command, onepoint workorders copy",
    "[workers] processed_store": "its copy commands, onepoint processed copy and onepoint oa copy",
    "[bulletin] database": "its copy command, onepoint bulletin copy",
    "[audit] database": "not copied: the hubs start a new chain; keep the old file and its onepoint audit head",
    "[security] nonce_store": "not copied: a nonce is kept only until its token expires (replay_window_seconds)",
}


def _on_postgres(url: str | None) -> bool:
    return url is not None and url.lower().startswith("postgresql")


def kept_per_machine(settings: HubSettings) -> list[KeptPerMachine]:
    """The records the settings keep on this machine alone although the work orders are on PostgreSQL; or, the work
    orders kept on the machine while another record is on PostgreSQL (a hub of several that forgot ``[workflow]
    database``)."""
    if not _on_postgres(settings.workflow.database):
        shared = [name for name, url in (
            ("[workers] processed_store", settings.workers.processed_store), ("[bulletin] database",
                                                                             settings.bulletin.url),
            ("[audit] database", settings.audit.url), ("[security] nonce_store", settings.security.nonce_store))
            if _on_postgres(url)]
        if not shared:
            return []  # one hub on its own files
        return [KeptPerMachine("[workflow] database", f"{', '.join(shared)} on PostgreSQL but the work orders in "
                               f"{settings.workflow.database}: each hub keeps work orders of its own")]
    kept: list[KeptPerMachine] = []
    if settings.workers.processed_store is None:
        kept.append(KeptPerMachine("[workers] processed_store", "the adapters' processed-message records and the OA "
                                   "adapter's records are SQLite files of each machine: a message redelivered to "
                                   "another hub's worker is carried out again"))
    if not _on_postgres(settings.bulletin.url):
        kept.append(KeptPerMachine("[bulletin] database", f"the bulletin is the file {settings.bulletin.path}: each "
                                   "hub shows its agents only the notices its own worker took"))
    if not _on_postgres(settings.audit.url) and any(a.system == "dsmp" for a in settings.adapters):
        kept.append(KeptPerMachine("[audit] database", f"the SMS-log audit trail is the file {settings.audit.path}: "
                                   "each machine writes a hash chain of its own"))
    nonces = settings.security.nonce_store
    if not (nonces == "workflow" or _on_postgres(nonces)):
        where = "each process's memory" if nonces == "memory" else "a SQLite file of each machine"
        kept.append(KeptPerMachine("[security] nonce_store", f"signed requests' nonces are kept in {where}: a "
                                   "signed request replayed to another hub is taken"))
    return kept


def warn_kept_per_machine(settings: HubSettings, log: logging.Logger) -> None:
    """One WARNING per record ``kept_per_machine`` names."""
    for kept in kept_per_machine(settings):
        log.warning("a record several hubs share stays on this machine alone: set %s to share it (README \"Moving "
                    "one hub to several\": %s)", kept.setting, _HOW_IT_MOVES[kept.setting],
                    extra={"setting": kept.setting, "consequence": kept.consequence})
