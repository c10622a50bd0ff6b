"""Ingress: how commands come in (SOAP 1.1 and XML over HTTP), on one ASGI application."""

from hub.ingress.app import HubApp, create_app

__all__ = ["HubApp", "create_app"]
