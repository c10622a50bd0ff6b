"""The hub's HTTP application: SOAP and XML ingress, health and readiness, on one ASGI server (uvicorn)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.config.settings import HubSettings
from hub.ingress.acceptance import Acceptance
from hub.ingress.soap.endpoint import SoapIngress
from hub.ingress.xml.endpoint import XmlIngress
from hub.routing.router import InMemoryRouter, Router
from hub.security.callers import CallerDirectory
from hub.security.wssecurity import UsernameTokenVerifier
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator

__all__ = ["HubApp", "create_app"]


@dataclass
class HubApp:
    """The assembled application and the parts tests and the CLI reach into."""

    asgi: Starlette
    settings: HubSettings
    registry: CommandSetRegistry
    router: Router


def create_app(
    settings: HubSettings, *, router: Router | None = None, registry: CommandSetRegistry | None = None
) -> HubApp:
    registry = registry or CommandSetRegistry.installed()
    router = router or InMemoryRouter()
    validator = DocumentValidator(registry, settings.limits)
    callers = CallerDirectory(settings.callers)
    acceptance = Acceptance(router)
    verifier = UsernameTokenVerifier(
        callers, settings.security.replay_window_seconds, settings.security.nonce_cache_size
    )
    soap = SoapIngress(registry, validator, verifier, acceptance)
    xml = XmlIngress(registry, validator, callers, acceptance)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "alive"})

    async def readyz(request: Request) -> Response:
        checks = {"schemas": len(registry.names()) > 0, "router": await router.ready()}
        ready = all(checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/soap/{system}", soap.endpoint, methods=["GET", "POST"]),
        Route("/xml/{system}", xml.endpoint, methods=["POST"]),
    ]
    return HubApp(Starlette(routes=routes), settings, registry, router)
