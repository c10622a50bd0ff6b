"""Which binding of a system's WSDL the SOAP gateway calls.

A WSDL often offers the same port type more than once: a SOAP 1.1 and a SOAP 1.2 binding (the default of .NET
ASMX, Axis2 and CXF), sometimes HTTP GET/POST bindings too. The gateway speaks SOAP 1.1, so:

1. ``[adapters.<system>] binding`` (a binding's local name, or ``{namespace}name``) names it, when set;
2. else the only SOAP 1.1 binding;
3. else, of several SOAP 1.1 bindings, the only one a port serves at the configured ``url``;
4. else the WSDL is ambiguous: refused (``InvalidAnswer``), naming the bindings to choose from with ``binding``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

from hub.gateways.failures import InvalidAnswer

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from zeep.wsdl.bindings.soap import Soap11Binding

__all__ = ["choose_binding"]


def _name(binding: Any) -> str:
    return str(binding.name)


def _local(name: str) -> str:
    return name.rpartition("}")[2]


def _same_address(address: object, url: str) -> bool:
    return isinstance(address, str) and address.rstrip("/") == url.rstrip("/")


def _listed(bindings: Iterable[Any]) -> str:
    return ", ".join(sorted(_local(_name(binding)) for binding in bindings)) or "none"


def choose_binding(system: str, wsdl: Any, url: str, wanted: str | None = None) -> Any:
    """The binding of zeep's ``wsdl`` document the gateway of ``system`` (configured ``url``) calls."""
    bindings = list(wsdl.bindings.values())
    if wanted is not None:
        named = [b for b in bindings if _name(b) == wanted or _local(_name(b)) == wanted]
        if len(named) != 1:
            found = "no" if not named else f"{len(named)}"
            raise InvalidAnswer(system, "WSDL", f"{found} binding named {wanted!r} (the WSDL has: "
                                                f"{_listed(bindings)})")
        return named[0]
    soap11 = [binding for binding in bindings if isinstance(binding, Soap11Binding)]
    if len(soap11) == 1:
        return soap11[0]
    if not soap11:
        raise InvalidAnswer(system, "WSDL", f"no SOAP 1.1 binding (the WSDL has: {_listed(bindings)})")
    served = {_name(port.binding) for service in wsdl.services.values() for port in service.ports.values()
              if _same_address(port.binding_options.get("address"), url)}
    at_url = [binding for binding in soap11 if _name(binding) in served]
    if len(at_url) == 1:
        return at_url[0]
    raise InvalidAnswer(system, "WSDL", f"{len(soap11)} SOAP 1.1 bindings ({_listed(soap11)}) and none is the only "
                                        f"one served at {url}: name one with [adapters.{system}] binding")
