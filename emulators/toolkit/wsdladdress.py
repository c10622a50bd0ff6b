"""The ``soap:address`` an emulator's WSDL gives the client that asks for it: where that client reached it.

An emulator bound to every address (``onepoint emulate --host 0.0.0.0``) is reached at a different address by
each client (loopback by a hub on the same machine, the machine's LAN address by a tester elsewhere), so the
WSDL's address is the request's ``Host`` header, as a WSGI application sees it (``HTTP_HOST``): the name and port
the client itself used. A ``Host`` is echoed into the WSDL only when it is a plain ``host[:port]`` (letters,
digits, dots and hyphens, or a bracketed IPv6 address, and a port of at most 65535); any other (absent, a
path, markup, a user name) gives the address the connection arrived at (``SERVER_NAME``/``SERVER_PORT``) instead,
so a hostile header never reaches a document a client or a proxy's cache keeps.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from hub.soap.namespaces import WSDL_NS

__all__ = ["MAX_HOST_LENGTH", "request_host", "service_path", "wsdl_location"]

MAX_HOST_LENGTH = 260  # a DNS name (253) and ":65535"
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::(?P<port>[0-9]{1,5}))?")


def request_host(environ: Mapping[str, Any]) -> str:
    """``host[:port]`` the client reached this server at: its ``Host`` header when that is a plain one, else the
    address its connection arrived at."""
    host = str(environ.get("HTTP_HOST") or "").strip()
    match = _HOST.fullmatch(host) if len(host) <= MAX_HOST_LENGTH else None
    if match is not None and (match["port"] is None or int(match["port"]) <= 65535):
        return host
    name = str(environ.get("SERVER_NAME") or "127.0.0.1")
    return f"[{name}]:{environ.get('SERVER_PORT', '80')}" if ":" in name else \
        f"{name}:{environ.get('SERVER_PORT', '80')}"


def wsdl_location(environ: Mapping[str, Any], path: str) -> str:
    """The service's URL for the client of ``environ``: its scheme (http or https) and host, then ``path``."""
    scheme = "https" if environ.get("wsgi.url_scheme") == "https" else "http"
    return f"{scheme}://{request_host(environ)}{path}"


def service_path(spyne_wsdl: bytes) -> str:
    """The path of the first port's ``soap:address`` in ``spyne_wsdl`` (where spyne serves the operations)."""
    wsdl = etree.fromstring(spyne_wsdl, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    for port in wsdl.iterfind(f"{{{WSDL_NS}}}service/{{{WSDL_NS}}}port"):
        for element in port:
            if isinstance(element.tag, str) and etree.QName(element).localname == "address":
                return urlsplit(element.get("location", "/")).path or "/"
    return "/"
