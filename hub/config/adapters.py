"""``[adapters.<system>]``: where each backend system is, how to sign in, how long to wait, when to stop calling.

One section per system the hub calls (``SYSTEMS``: ``boss``, ``crm``, ``nsp``, ``dsmp``, ``oa``, each with its
package ``adapters.<system>`` and its queue); any other section name (``[adapters.bosss]``, ``[adapters.NSP]``) is
refused naming the closest system, since no worker would ever read it::

    [adapters.boss]
    url = "http://127.0.0.1:8101/"   # the endpoint; a SOAP system's WSDL defaults to url + "?wsdl"
    # binding = "BossSoap"           # SOAP: which binding of the WSDL (default: its SOAP 1.1 binding)
    username = "hub"                 # WS-Security UsernameToken (SOAP) or HTTP basic (XML)
    password_env = "BOSS_PASSWORD"   # or password = "..." (development only), or token / token_env (XML bearer)
    connect_timeout = 2              # seconds to open the TCP connection (at most 86400, as every time here)
    read_timeout = 10                # seconds to wait for the answer
    breaker_fail_max = 5             # consecutive failures that open the circuit (1 to 1,000,000)
    breaker_reset_seconds = 30       # how long the circuit stays open before a trial call
    circuits = { SyncHLR = "hlr" }   # operations with a circuit of their own (BOSS's default; {} = one circuit)
    concurrency = 8                  # calls in flight to this system at once (its worker's handler threads, 1-256)

``circuits`` maps an operation to a named circuit (``[a-z][a-z0-9_-]*``, up to 32 characters): operations sharing a
name share that circuit, shown as ``<system>.<name>`` (``boss.hlr``); every other operation is on the system's own
circuit (``boss``). An operation that fails on its own (BOSS's SyncHLR, which needs its HLR provisioning link) is
given its own circuit so that its outage leaves the system's other operations called. Absent, the system's
``DEFAULT_CIRCUITS`` apply (BOSS: SyncHLR on ``hlr``); ``circuits = {}`` puts every operation on one circuit. The
gateway refuses an operation its command set does not have.

A system's own adapter may read more keys, named in ``SYSTEM_OPTIONS`` (e.g. ``[adapters.dsmp]
sms_log_roles``, ``[adapters.oa.area_managers]``): they are kept as given in ``AdapterSettings.options`` and
checked by that adapter when it is wired; any other unknown key is refused here (a typo never passes silently).
Answers worth caching (BOSS tier lookups) are cached once, at the hub's ingress: the route's ``cache_ttl`` in the
routing table (hub/routing/default_routes.toml), not here.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from hub.config.values import LONGEST_WAIT_SECONDS, is_number
from hub.transport.urls import redacted

__all__ = ["DEFAULT_CIRCUITS", "SYSTEMS", "SYSTEM_OPTIONS", "AdapterSettings", "parse_adapters"]

#: the backend systems the hub calls: an adapter package and a queue each (hub.system.consumers)
SYSTEMS: tuple[str, ...] = ("boss", "crm", "nsp", "dsmp", "oa")

_KEYS = frozenset({
    "url", "wsdl", "binding", "username", "password", "password_env", "token", "token_env", "connect_timeout",
    "read_timeout", "breaker_fail_max", "breaker_reset_seconds", "circuits", "concurrency",
})
#: the operations given a circuit of their own when ``circuits`` is not set: BOSS's SyncHLR goes through its HLR
#: provisioning link, which fails on its own while BOSS's customer records (tier lookups) answer
DEFAULT_CIRCUITS: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "boss": MappingProxyType({"SyncHLR": "hlr"}),
})
_CIRCUIT_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
#: keys that used to be read here, and where that setting lives now (named when an old file still has them)
_MOVED: Mapping[str, str] = MappingProxyType({
    "cache_ttl_seconds": "the route's cache_ttl in the routing table (the hub caches answers at its ingress)",
    "cache_size": "the route's cache_size in the routing table (the hub caches answers at its ingress)",
})
#: the keys only one system's adapter reads (it parses and checks their values when it is wired)
SYSTEM_OPTIONS: Mapping[str, frozenset[str]] = MappingProxyType({
    "dsmp": frozenset({"sms_log_roles", "operator_roles", "sms_log_max_days", "sms_log_days_before_complaint",
                       "sms_log_days_after_close"}),  # who may query SMS logs, how long a period, how near the
    # complaint (hub.audit.sms_log_access)
    "oa": frozenset({"area_managers", "notice_link"}),       # who reads outage notices (adapters.oa.readers)
})


@dataclass(frozen=True, slots=True)
class AdapterSettings:
    """How the hub calls one backend system (parsed from ``[adapters.<system>]``)."""

    system: str
    url: str
    wsdl: str | None = None  # SOAP: where the WSDL is (default: url + "?wsdl"); read once per gateway
    binding: str | None = None  # SOAP: the WSDL's binding to call (default: its SOAP 1.1 one; hub.gateways)
    username: str | None = None
    password: str | None = None
    token: str | None = None
    connect_timeout: float = 2.0
    read_timeout: float = 10.0
    breaker_fail_max: int = 5
    breaker_reset_seconds: float = 30.0
    concurrency: int = 8  # handler threads of the system's worker: its calls are mostly waiting for the system
    circuits: Mapping[str, str] | None = None  # operation → circuit name; None: the system's DEFAULT_CIRCUITS
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))  # SYSTEM_OPTIONS, as given

    @property
    def wsdl_location(self) -> str:
        return self.wsdl or f"{self.url}?wsdl"

    @property
    def operation_circuits(self) -> Mapping[str, str]:
        """Operation → the name of its own circuit (``circuits``, else the system's ``DEFAULT_CIRCUITS``)."""
        if self.circuits is not None:
            return self.circuits
        return DEFAULT_CIRCUITS.get(self.system, MappingProxyType({}))


def _secret(entry: dict[str, Any], key: str, where: str, secrets: bool) -> str | None:
    """``key``, or the environment variable ``<key>_env`` names (not read, None, when ``secrets`` is False)."""
    if env := entry.get(f"{key}_env"):
        if not secrets:
            return None
        value = os.environ.get(str(env))
        if value is None:
            raise ValueError(f"{where}: environment variable {env} ({key}_env) is not set")
        if not value:  # an unfilled container secret, not a credential: the system would refuse every call
            raise ValueError(f"{where}: environment variable {env} ({key}_env) is empty: set it to the {key}")
        return value
    found = entry.get(key)
    return None if found is None else str(found)


MOST_CONCURRENCY = 256  # handler threads of one worker: each holds a connection to the system and a thread's stack


def _number(entry: dict[str, Any], key: str, default: float, where: str, *, whole: bool = False,
            minimum: float = 0.0, most: float = LONGEST_WAIT_SECONDS) -> float:
    """A number of ``minimum`` to ``most`` (a timeout of 1e10 s overflows the socket's; a day is the longest)."""
    value = entry.get(key, default)
    if not is_number(value) or value < minimum or value > most or (whole and not isinstance(value, int)):
        kind = "a whole number" if whole else "a number"
        raise ValueError(f"{where}: {key} must be {kind} of {minimum:g} to {most:g}, not {value!r}")
    return value


def _circuits(entry: dict[str, Any], where: str) -> Mapping[str, str] | None:
    """``circuits = { Operation = "name", ... }``; None when not given (the system's defaults)."""
    found = entry.get("circuits")
    if found is None:
        return None
    if not isinstance(found, dict):
        raise ValueError(f"{where}: circuits must be a table of operation = \"circuit name\", e.g. "
                         "circuits = { SyncHLR = \"hlr\" }")
    for operation, name in found.items():
        if not isinstance(name, str) or not _CIRCUIT_NAME.fullmatch(name):
            raise ValueError(f"{where}: circuits.{operation} must name a circuit in lower case letters, digits, "
                             f"'-' or '_' (up to 32, a letter first), not {name!r}")
    return MappingProxyType(dict(found))


def _adapter(system: str, entry: Any, where: str, secrets: bool) -> AdapterSettings:
    if not isinstance(entry, dict):
        raise ValueError(f"{where} must be a table")
    own = SYSTEM_OPTIONS.get(system, frozenset())
    if moved := sorted(set(entry) & set(_MOVED)):
        raise ValueError(f"{where}: {moved[0]} is no longer an adapter setting: use {_MOVED[moved[0]]}")
    if unknown := set(entry) - _KEYS - own:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    url = entry.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ValueError(f"{where}: url must be an http(s) URL, not {redacted(url) if isinstance(url, str) else url!r}")
    return AdapterSettings(
        system=system,
        url=url,
        wsdl=None if entry.get("wsdl") is None else str(entry["wsdl"]),
        binding=None if entry.get("binding") is None else str(entry["binding"]),
        username=None if entry.get("username") is None else str(entry["username"]),
        password=_secret(entry, "password", where, secrets),
        token=_secret(entry, "token", where, secrets),
        connect_timeout=float(_number(entry, "connect_timeout", 2.0, where, minimum=0.001)),
        read_timeout=float(_number(entry, "read_timeout", 10.0, where, minimum=0.001)),
        breaker_fail_max=int(_number(entry, "breaker_fail_max", 5, where, whole=True, minimum=1, most=1_000_000)),
        breaker_reset_seconds=float(_number(entry, "breaker_reset_seconds", 30.0, where)),
        concurrency=int(_number(entry, "concurrency", 8, where, whole=True, minimum=1, most=MOST_CONCURRENCY)),
        circuits=_circuits(entry, where),
        options=MappingProxyType({key: entry[key] for key in own if key in entry}),
    )


def parse_adapters(section: Any, source: str, *, secrets: bool = True) -> tuple[AdapterSettings, ...]:
    """Every ``[adapters.<system>]`` of a settings file, in file order; ``ValueError`` names the bad entry.
    ``secrets=False``: ``password_env`` and ``token_env`` are not read (None), for a command that calls no system."""
    if section is None:
        return ()
    if not isinstance(section, dict):
        raise ValueError(f"{source}: [adapters] must be a table of [adapters.<system>] tables")
    for system in section:
        _known_system(system, f"{source}: [adapters.{system}]")
    return tuple(_adapter(system, entry, f"{source}: [adapters.{system}]", secrets)
                 for system, entry in section.items())


def _known_system(system: str, where: str) -> None:
    """``ValueError`` naming the closest of ``SYSTEMS`` when ``system`` is none of them (a typo, upper case)."""
    if system in SYSTEMS:
        return
    closest = difflib.get_close_matches(system.lower(), SYSTEMS, n=1, cutoff=0.5)
    hint = f": did you mean [adapters.{closest[0]}]?" if closest else ""
    raise ValueError(f"{where} names no system the hub calls ({', '.join(SYSTEMS)}){hint}")
