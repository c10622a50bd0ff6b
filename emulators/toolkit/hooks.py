"""How an emulator plugs into the toolkit: :class:`EmulatorHooks`, operation extractors, and the signals between
the emulator wrapper, the runner's server and the in-process transports.

- ``operation(body, scope)`` names the operation of each request (default: the first element in the SOAP Body
  for ``protocol="soap11"``, the root element for ``protocol="xml"``); faults and journal queries use it. It must
  not raise; a request it cannot name gets ``None`` and only unscoped faults apply to it;
- ``reset()`` puts the emulator's own state back to its seeded start (``POST /__admin/reset``);
- ``state()`` returns a JSON-serialisable snapshot (``GET /__admin/state``);
- ``render_error(operation, status, message)`` (optional) renders injected errors in the system's own format;
  by default SOAP emulators answer a SOAP 1.1 Fault (faultcode ``Server`` for 5xx, ``Client`` for 4xx) with HTTP
  ``status`` and XML ones plain HTTP ``status``;
- ``commands`` (the operations of the emulated interface: the commands it takes, never those it only sends, such
  as NSP's OutageNotice) and ``controls`` (the names the extractor gives the
  emulator's own routes, such as ``RaiseOutage``) are the operations a fault may be scoped to (both empty: any
  name). An *operation request* (hit by unscoped faults) is a POST that is not one of the ``controls``: never
  ``GET ?wsdl``, a feed or a list.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from emulators.toolkit.wsgi import BufferedResponse
from emulators.toolkit.xmlutil import root_element_operation, soap_body_operation

__all__ = [
    "ABORT_EXTENSION",
    "ADMIN_PREFIX",
    "TRANSPORT_READ_TIMEOUT",
    "EmulatedConnectionReset",
    "EmulatedTimeout",
    "EmulatorHooks",
    "operation_from_root_element",
    "operation_from_soap_body",
]

ADMIN_PREFIX = "/__admin"
ABORT_EXTENSION = "onepoint.abort"
TRANSPORT_READ_TIMEOUT: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "onepoint_transport_read_timeout", default=None
)


class EmulatedConnectionReset(ConnectionResetError):
    """A reset fault fired where no socket exists (in-process transport)."""


class EmulatedTimeout(TimeoutError):
    """A hang fault outlasted the in-process client's read timeout."""


def operation_from_soap_body(body: bytes, scope: Mapping[str, Any]) -> str | None:
    return soap_body_operation(body)


def operation_from_root_element(body: bytes, scope: Mapping[str, Any]) -> str | None:
    return root_element_operation(body)


@dataclass(frozen=True, slots=True)
class EmulatorHooks:
    """What an emulator tells the toolkit (see the module docstring)."""

    protocol: Literal["soap11", "xml"] = "xml"
    operation: Callable[[bytes, Mapping[str, Any]], str | None] | None = None
    reset: Callable[[], None] | None = None
    state: Callable[[], Mapping[str, Any]] | None = None
    render_error: Callable[[str | None, int, str], BufferedResponse] | None = None
    commands: frozenset[str] = field(default_factory=frozenset)
    controls: frozenset[str] = field(default_factory=frozenset)

    @property
    def operations(self) -> frozenset[str] | None:
        """Every operation name a fault may be scoped to; None when the emulator declared none."""
        return (self.commands | self.controls) or None

    def is_operation_request(self, scope: Mapping[str, Any], operation: str | None) -> bool:
        """Whether unscoped faults hit this request: a POST of the emulated interface (see the module docstring)."""
        return scope.get("method") == "POST" and operation not in self.controls

    def operation_of(self, body: bytes, scope: Mapping[str, Any]) -> str | None:
        if self.operation is not None:
            return self.operation(body, scope)
        return soap_body_operation(body) if self.protocol == "soap11" else root_element_operation(body)
