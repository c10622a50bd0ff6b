"""Where the event listeners' call-backs may point (``[workflow.listeners] allowed_destinations``).

A call-back is the registrant's choice of URL and the hub POSTs to it, so the hub refuses destinations that are
never a listener: a link-local address (169.254.0.0/16 with the cloud's metadata service, fe80::/10), the
unspecified address (0.0.0.0, ::), a multicast address and the broadcast address 255.255.255.255 (IPv4 addresses
mapped into IPv6, or carried by 6to4 and NAT64 addresses, are judged as the IPv4 address). A URL with a user name
or password in it is refused as well (it would be stored and logged with its credentials), and one whose path
starts with a ``refused_paths`` prefix (``/__admin/``: the emulators' admin API).

Deny by default: an address that is not public (loopback, private networks, shared and reserved ranges: not
``is_global``) is refused unless ``allowed_destinations`` names it, by one of its networks or by a host-name
suffix the call-back's host ends with, so a caller cannot make the hub POST to the services beside it
(``localhost`` included). With ``allowed_destinations`` empty any public address is allowed; with it set, a
call-back's host must end with one of its host-name suffixes or resolve into one of its networks. The development
defaults (``hub/config/defaults.toml``) name 127.0.0.1 and ::1, where the test and development systems listen.

Checked twice: at registration (``url_problem``: the URL, and the address when the host is a literal IP) and when
the publisher connects (``address_check``: every address the host name resolves to, ``hub.gateways.deadline``),
so a name that resolves to a refused address later is refused then too. Through a proxy the environment names the
connection, and so the address checked, is the proxy's.
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
from dataclasses import dataclass, field

import httpx

from hub.config.workflow import ListenerSettings
from hub.gateways.deadline import AddressCheck

__all__ = ["DestinationPolicy", "redacted"]

_BROADCAST = ipaddress.IPv4Address("255.255.255.255")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@")  # an authority's user name and password
_LOCAL_NAMES = re.compile(r"(?:^|\.)localhost\.?$", re.IGNORECASE)  # always loopback (RFC 6761)
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _judged(address: IpAddress) -> IpAddress:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64), else ``address``."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def _never(address: IpAddress) -> str | None:
    """Why no listener ever has ``address`` (None: one may)."""
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address == _BROADCAST:
        return "the broadcast address"
    return None


@dataclass(frozen=True, slots=True)
class DestinationPolicy:
    settings: ListenerSettings = field(default_factory=ListenerSettings)

    @property
    def restricted(self) -> bool:
        return bool(self.settings.allowed_networks or self.settings.allowed_host_suffixes)

    def _named(self, host: str) -> bool:
        """``host`` ends with an allowed suffix (or is the suffix's own name)."""
        host = "." + host.lower().rstrip(".")
        return any(host.endswith(suffix) for suffix in self.settings.allowed_host_suffixes)

    def _listed(self, *addresses: IpAddress) -> bool:
        """One of ``addresses`` lies in a network of ``allowed_destinations``."""
        return any(address in network for address in addresses for network in self.settings.allowed_networks
                   if address.version == network.version)

    def address_problem(self, address: str, *, named: bool = False) -> str | None:
        """Why the hub may not connect to ``address`` (None: it may); ``named``: its host name is an allowed one."""
        try:
            parsed = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return f"{address!r} is not an IP address"
        judged = _judged(parsed)
        if (never := _never(judged)) is not None:
            return f"{address} is {never}"
        if named or self._listed(parsed, judged):
            return None
        if not judged.is_global:  # deny by default: loopback, private, shared, reserved
            kind = "a loopback" if judged.is_loopback else "a private or reserved (not public)"
            return (f"{address} is {kind} address, refused unless [workflow.listeners] allowed_destinations "
                    "names it")
        if self.restricted:
            return f"{address} is outside the allowed destinations"
        return None

    def path_problem(self, url: httpx.URL) -> str | None:
        """Why a call-back may not have ``url``'s path (``refused_paths``; compared decoded, in lower case, its
        repeated slashes as one, and again with its dot segments resolved and backslashes read as slashes, as a
        server or proxy that decodes before resolving would route it: ``/x/%2E%2E/__admin/``)."""
        collapsed = re.sub(r"/{2,}", "/", url.path).lower()
        resolved = posixpath.normpath("/" + collapsed.replace("\\", "/").lstrip("/"))
        for path in (collapsed, resolved if resolved.endswith("/") else f"{resolved}/"):
            for refused in self.settings.refused_paths:
                if path.startswith(refused) or path == refused.rstrip("/"):
                    return f"its path {url.path!r} is refused ([workflow.listeners] refused_paths: {refused!r})"
        return None

    def url_problem(self, url: str) -> str | None:
        """Why ``url`` cannot be registered as a call-back (None: it can, as far as its text tells)."""
        parsed = httpx.URL(url)
        if parsed.userinfo:
            return "a call-back may not carry a user name or password"
        if (refused := self.path_problem(parsed)) is not None:
            return refused
        host = parsed.host
        try:
            ipaddress.ip_address(host)
        except ValueError:
            named = self._named(host)
            if not named and _LOCAL_NAMES.search(host):
                return (f"host {host!r} is loopback, refused unless [workflow.listeners] allowed_destinations "
                        "names it")
            if self.restricted and not named and not self.settings.allowed_networks:
                return f"host {host!r} is not among the allowed destinations"
            return None  # a name: its addresses are checked when the publisher connects
        return self.address_problem(host)

    def address_check(self, url: str) -> AddressCheck:
        """What the publisher's connections to ``url``'s host check each resolved address with."""
        named = self._named(httpx.URL(url).host)

        def check(address: str) -> str | None:
            return self.address_problem(address, named=named)

        return check


def redacted(url: str) -> str:
    """``url`` without its user name and password (for logs of URLs stored before they were refused)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:  # shown as given (its caller must see what was refused), but for any user:password@
        return _USERINFO.sub(r"\1", url)[:300]
    return str(parsed.copy_with(userinfo=b"")) if parsed.userinfo else url
