"""Audited commands: those whose command element carries ``<xs:appinfo source="urn:onepoint:hub">audited``.

An audited command's every run is written to an audit trail by its handler (one the ingress refuses itself, not
authorized or invalid, by the ingress: ``hub.ingress.refusal_audit``): an SMS log (personal data: who texted whom,
when) or the SP complaint figures (what an SP is assessed by). So its answer is never kept anywhere in the hub: no
route may cache it (``hub.routing.table`` refuses ``cache_ttl``), the processed-message store records only that it
was answered (``hub.workers.fingerprint``), and a repeat of the same request is run again — authorized and audited
again — instead of being answered from a record: no answer leaves without its row. The ingress adds the caller's
network address (the ``peer`` header) to its envelope, for the trail. The XSD is the one place that says so.

Read from the XSDs with lxml alone (no schema compiled), once per process for the installed sets.
"""

from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree

from hub.validation.command_sets import COMMON, schema_directory

__all__ = ["AUDITED", "HUB_APPINFO", "audited_command_types", "audited_commands"]

XSD_NS = "http://www.w3.org/2001/XMLSchema"
HUB_APPINFO = "urn:onepoint:hub"  # the appinfo ``source`` of the hub's own annotations
AUDITED = "audited"


def audited_commands(schema: etree._ElementTree) -> frozenset[str]:
    """The names of the top-level elements of ``schema`` annotated ``audited``."""
    found = set()
    for element in schema.getroot().iterfind(f"{{{XSD_NS}}}element"):
        for info in element.iterfind(f"{{{XSD_NS}}}annotation/{{{XSD_NS}}}appinfo"):
            if info.get("source") == HUB_APPINFO and (info.text or "").strip() == AUDITED:
                found.add(element.get("name", ""))
    return frozenset(found)


@functools.cache
def audited_command_types() -> frozenset[str]:
    """``<set>.<Command>`` of every audited command of the installed command sets."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    with schema_directory() as directory:
        return frozenset(f"{path.stem}.{name}" for path in sorted(Path(directory).glob("*.xsd"))
                         if path.stem != COMMON for name in audited_commands(etree.parse(str(path), parser)))
