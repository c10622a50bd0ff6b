"""The HTTP/1.1 server of the hub and of the emulators: uvicorn on httptools, configured once for all of them.

One configuration (`server_config`) for the four places that serve (``onepoint serve``, the demo's and the
simulator's private hubs, the emulators), so a client sees the same server everywhere. Its protocol is
`ServerProtocol` (`hub.http.protocol`: upgrade offers declined with the request kept, a deadline for a request to
arrive whole, at most ``max_connections`` connections, probes answered over the cap); the configuration adds:

- **An idle connection is kept ``keep_alive`` seconds** (default 75, as nginx's; uvicorn's own 5 s closed a
  pooled connection just as a caller polling every few seconds, or a load balancer keeping its upstream
  connections 60 s, sent its next request on it: the request got no answer) and every response says so
  (``Keep-Alive: timeout=75``), so a client's pool can let it go first. Idle connections count against the cap.
- **The client is the address the connection came from.** ``X-Forwarded-For`` (and ``X-Forwarded-Proto``) are
  ignored, whoever sends them: uvicorn's default believed them from any process of this machine (127.0.0.1), so a
  local caller could name any address as its own, in an SMS-log query's audit row (``peer``) and to the sign-in
  throttle. Behind a reverse proxy, ``trusted_proxies`` (``[server] trusted_proxies``: its addresses or networks)
  names the proxies whose ``X-Forwarded-For`` is believed (uvicorn's ``forwarded_allow_ips``); the client is
  then the address that proxy saw, for everything that reads it (the ingresses, the audit row, the throttle).
"""

from __future__ import annotations

import resource
from collections.abc import Sequence
from typing import Any

import uvicorn

from hub.http.protocol import DEFAULT_READ_TIMEOUT, ServerProtocol

__all__ = ["DEFAULT_KEEP_ALIVE", "ServerConfig", "default_max_connections", "server_config"]

DEFAULT_KEEP_ALIVE = 75.0  # seconds an idle connection is kept: above the 60 s load balancers keep theirs
MOST_CONNECTIONS = 4096  # the default cap's ceiling, whatever the open-file limit
FEWEST_CONNECTIONS = 16  # ... and its floor, on a process allowed very few files


def default_max_connections() -> int:
    """Half the soft open-file limit (``ulimit -n``; the other half for the process's own files, broker and
    database connections and outgoing calls), between 16 and 4096: 512 under the usual limit of 1024."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MOST_CONNECTIONS
    return max(FEWEST_CONNECTIONS, min(MOST_CONNECTIONS, soft // 2))


class ServerConfig(uvicorn.Config):  # type: ignore[misc]
    """uvicorn's configuration plus the two limits `ServerProtocol` enforces."""

    def __init__(self, app: Any, *, read_timeout: float = DEFAULT_READ_TIMEOUT, max_connections: int | None = None,
                 **options: Any) -> None:
        super().__init__(app, **options)
        self.read_timeout = read_timeout
        self.max_connections = default_max_connections() if max_connections is None else max_connections


def server_config(app: Any, *, read_timeout: float = DEFAULT_READ_TIMEOUT, max_connections: int | None = None,
                  keep_alive: float = DEFAULT_KEEP_ALIVE, http: type[ServerProtocol] | None = None,
                  trusted_proxies: Sequence[str] = (), **options: Any) -> ServerConfig:
    """The configuration every server of the project runs with (``http``: a subclass of `ServerProtocol`, as the
    emulators' that can reset a connection); ``options`` go to ``uvicorn.Config`` (log level, lifespan, ...).
    ``trusted_proxies``: the addresses (or networks) whose ``X-Forwarded-For`` / ``X-Forwarded-Proto`` are
    believed; none by default (see the module)."""
    if trusted_proxies:
        options["proxy_headers"], options["forwarded_allow_ips"] = True, list(trusted_proxies)
    else:  # uvicorn's own default believes any process on this machine (127.0.0.1, ::1)
        options["proxy_headers"] = False
    options.setdefault("log_config", None)
    options.setdefault("access_log", False)
    kept = options.setdefault("timeout_keep_alive", keep_alive)
    options.setdefault("headers", [("Keep-Alive", f"timeout={int(kept)}")])
    return ServerConfig(app, read_timeout=read_timeout, max_connections=max_connections,
                        http=http or ServerProtocol, ws="none", **options)
