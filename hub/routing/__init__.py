"""Routing: where accepted envelopes go."""

from hub.routing.router import InMemoryRouter, Router, RouteResult

__all__ = ["InMemoryRouter", "RouteResult", "Router"]
