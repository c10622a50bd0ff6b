"""The URLs of a running system, for the start-up table of ``onepoint serve``: the hub's WSDLs and XML endpoints,
the bulletin, health and metrics, each emulator's service and admin API, and who consumes each queue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["SOAP_EMULATORS", "Endpoint", "endpoints"]

SOAP_EMULATORS = frozenset({"boss", "crm"})  # the others speak XML over HTTP at /xml


@dataclass(frozen=True, slots=True)
class Endpoint:
    group: str  # "hub", "emulator <name>", "queue"
    what: str
    url: str


def endpoints(hub_url: str, command_sets: list[str], *, emulators: Mapping[str, str] | None = None,
              consumers: Mapping[str, str] | None = None,
              smtp: Mapping[str, tuple[str, int]] | None = None,
              imap: Mapping[str, tuple[str, int]] | None = None) -> list[Endpoint]:
    """Rows for the table. ``consumers``: queue → who consumes it (a worker here, or why none does); ``smtp``,
    ``imap``: the mail emulator's servers (host, port)."""
    rows = [Endpoint("hub", f"SOAP {name} (WSDL)", f"{hub_url}/soap/{name}?wsdl") for name in command_sets]
    rows += [Endpoint("hub", f"XML {name}", f"{hub_url}/xml/{name}") for name in command_sets]
    rows += [
        Endpoint("hub", "bulletin (CS agents)", f"{hub_url}/bulletin?agent=ID"),
        Endpoint("hub", "work order (OA items' links)", f"{hub_url}/workorders/ID"),
        Endpoint("hub", "health · readiness · metrics", f"{hub_url}/healthz · /readyz · /metrics"),
    ]
    for name, url in (emulators or {}).items():
        if name in (smtp or {}):  # the mail emulator: an SMTP server and its mailbox
            host, port = (smtp or {})[name]
            rows.append(Endpoint(f"emulator {name}", "SMTP ([mail] smtp_host/port)", f"smtp://{host}:{port}"))
            if name in (imap or {}):
                host, port = (imap or {})[name]
                rows.append(Endpoint(f"emulator {name}", "IMAP ([mail.inbox] imap_host/port)",
                                     f"imap://{host}:{port}"))
            rows.append(Endpoint(f"emulator {name}", "mails received · answer one", f"{url}/mail/messages"))
            rows.append(Endpoint(f"emulator {name}", "admin API", f"{url}/__admin/"))
            continue
        service = f"{url}/?wsdl" if name in SOAP_EMULATORS else f"{url}/xml"
        rows.append(Endpoint(f"emulator {name}", "SOAP (WSDL)" if name in SOAP_EMULATORS else "XML", service))
        rows.append(Endpoint(f"emulator {name}", "admin API", f"{url}/__admin/"))
    rows += [Endpoint("queue", queue, who) for queue, who in (consumers or {}).items()]
    return rows
