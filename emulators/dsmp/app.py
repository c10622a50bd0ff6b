"""The DSMP emulator's HTTP application (Starlette) and its assembly.

==========  ===============  ==========================================================================
method      path             meaning
==========  ===============  ==========================================================================
POST        /xml             QuerySmsLog -> QuerySmsLogResponse; QuerySpComplaintStats -> ...Response
GET         /dsmp/sps        the SP directory ``{"sps": [...]}``
GET         /dsmp/audit      the audit trail ``{"audit": [...]}`` (also in ``/__admin/state``)
==========  ===============  ==========================================================================
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulators.dsmp.service import DsmpService
from emulators.dsmp.state import DsmpState
from emulators.population import EPOCH, generate_population
from emulators.toolkit import Clock, EmulatorApp, SystemClock
from emulators.toolkit.xmlcommand import command_endpoint, validator, xml_hooks

__all__ = ["DSMP_ROUTES", "build_app", "create_emulator"]

DSMP_ROUTES = (("GET", r"/dsmp/sps", "ListSps"), ("GET", r"/dsmp/audit", "ListAudit"))


def build_app(service: DsmpService) -> Starlette:
    async def sps(request: Request) -> Response:
        return JSONResponse({"sps": [sp.to_json() for sp in service.state.directory]})

    async def audit(request: Request) -> Response:
        return JSONResponse({"audit": service.state.snapshot()["audit"]})

    handlers = {"QuerySmsLog": service.query_sms_log, "QuerySpComplaintStats": service.query_sp_stats}
    return Starlette(routes=[
        Route("/xml", command_endpoint("dsmp", handlers), methods=["POST"]),
        Route("/dsmp/sps", sps, methods=["GET"]),
        Route("/dsmp/audit", audit, methods=["GET"]),
    ])


def create_emulator(
    *, seed: int = 0, hub_url: str | None = None, hub_token: str | None = None, subscribers: int = 1000,
    anchor: datetime | str | None = None, days: int = 30, sp_count: int = 12, clock: Clock | None = None,
    **options: Any,
) -> EmulatorApp:
    """A fresh DSMP emulator. DSMP never calls the hub: ``hub_url``/``hub_token`` are accepted and ignored."""
    if isinstance(anchor, str):
        anchor = datetime.fromisoformat(anchor)
    if anchor is not None and anchor.tzinfo is None:
        raise ValueError("anchor needs a UTC offset")
    clock = clock or SystemClock()
    validator()  # compile the schemas now, not on the first request
    state = DsmpState(seed=seed, clock=clock, population=generate_population(seed, subscribers),
                      anchor=anchor or EPOCH, days=days, sp_count=sp_count)
    service = DsmpService(state, clock)
    hooks = xml_hooks("dsmp", DSMP_ROUTES, served=("QuerySmsLog", "QuerySpComplaintStats"), reset=state.reset,
                      state=state.snapshot)
    return EmulatorApp(build_app(service), name="dsmp", hooks=hooks, seed=seed, clock=clock, **options)
