"""HTTP serving shared by the hub and the emulators: the one uvicorn configuration every server of the project runs
with (`hub.http.server`) and its protocol (`hub.http.protocol`: upgrade offers declined with the body kept, a
deadline for a request to arrive whole, a connection cap), and a small server with it in a daemon thread
(`hub.http.background`: a worker's probes). A library below the hub's layers, like ``hub.soap``: it imports only
``hub.observability``."""

from hub.http.protocol import DEFAULT_READ_TIMEOUT, ServerProtocol
from hub.http.server import ServerConfig, default_max_connections, server_config

__all__ = ["DEFAULT_READ_TIMEOUT", "ServerConfig", "ServerProtocol", "default_max_connections", "server_config"]
