"""Routing: where accepted envelopes go (the routing table, the broker-backed router, the in-memory one)."""

from hub.routing.broker_router import BrokerRouter
from hub.routing.codec import envelope_from_message, message_from_envelope
from hub.routing.router import InMemoryRouter, Router, RouteResult
from hub.routing.table import BROADCAST, NoRouteError, Route, RoutingTable, RoutingTableError

__all__ = [
    "BROADCAST",
    "BrokerRouter",
    "InMemoryRouter",
    "NoRouteError",
    "Route",
    "RouteResult",
    "Router",
    "RoutingTable",
    "RoutingTableError",
    "envelope_from_message",
    "message_from_envelope",
]
