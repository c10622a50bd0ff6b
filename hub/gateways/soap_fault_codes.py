"""What a SOAP fault's code means for its message: retry it, or give up, judged by the code's namespace.

A fault code is a QName: its prefix means the namespace declared for it where the code is written, whatever the
prefix is (.NET writes ``s:Client``, WCF its dispatcher's ``a:InternalServiceFault``, WSS ``o:FailedAuthentication``
as often as ``wsse:...``). ``coded_fault_failure`` resolves it and decides:

* in a SOAP envelope namespace (1.1 or 1.2): ``Server``/``Receiver`` (and a dotted sub-code, ``Server.Busy``) are
  transient (``SystemFailed``); ``Client``/``Sender``, ``MustUnderstand``, ``VersionMismatch`` and
  ``DataEncodingUnknown`` are permanent (``SystemRefused``); any other code there is judged as a foreign one;
* in the WS-Security namespace (OASIS ``wssecurity-secext``): permanent, kept as ``wsse:<code>``;
* any other namespace (an application's or a toolkit's own code, such as WCF's ``InternalServiceFault`` for an
  unhandled exception): the system's own words say nothing we know, so its HTTP status does: 5xx transient (the
  server failed, as a ``Server`` fault says), anything else (4xx, or a fault answered 200) permanent;
* a code without a prefix, or whose prefix is declared nowhere: by its text, as before, since many servers write
  ``Server`` unqualified: ``Server``/``Receiver`` transient, a known client-side code or a ``wsse:`` one permanent,
  any other by its HTTP status as a foreign one.
"""

from __future__ import annotations

from lxml import etree

from hub.gateways.failures import SystemFailed, SystemRefused, fault_code
from hub.soap.namespaces import SOAP12_NS, SOAP_NS, WSSE_NS
from hub.workers.errors import PermanentError, TransientError

__all__ = ["PERMANENT_CODES", "TRANSIENT_CODES", "code_namespace", "coded_fault_failure"]

TRANSIENT_CODES = frozenset({"server", "receiver"})  # the SOAP codes of "the server failed on this call"
PERMANENT_CODES = frozenset({"client", "sender", "mustunderstand", "versionmismatch", "dataencodingunknown"})
_ENVELOPES = (SOAP_NS, SOAP12_NS)


def code_namespace(element: etree._Element | None, code: str) -> str | None:
    """The namespace ``code``'s prefix is bound to where ``element`` (the ``faultcode`` or ``Value``) is; None for
    a code without a prefix, or whose prefix is declared nowhere in scope."""
    prefix, colon, _ = code.partition(":")
    if not colon or element is None:
        return None
    namespace: str | None = element.nsmap.get(prefix)
    return namespace


def coded_fault_failure(system: str, operation: str, code: str, namespace: str | None, message: str,
                        status: int) -> TransientError | PermanentError:
    """The failure a fault with ``code`` (as written), its prefix bound to ``namespace``, answered with HTTP
    ``status``, means (the module's rules)."""
    local = code.rpartition(":")[2]
    kind = local.split(".", 1)[0].lower()
    if namespace == WSSE_NS or (namespace is None and code.startswith("wsse:")):
        return SystemRefused(system, operation, f"wsse:{local}", message, own=True)
    known = namespace is None or namespace in _ENVELOPES
    if known and kind in TRANSIENT_CODES:
        return SystemFailed(system, operation, f"SOAP fault {local}: {message}", code=local, detail=message)
    if known and kind in PERMANENT_CODES:
        return SystemRefused(system, operation, local, message, own=True)
    if status >= 500:  # a code of its own: the status says the server failed
        return SystemFailed(system, operation, f"SOAP fault {local} (HTTP {status}): {message}", code=local,
                            detail=message)
    return SystemRefused(system, operation, fault_code(code) or "Fault", message, own=True)
