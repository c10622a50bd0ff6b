"""The hub's HTTP application: SOAP and XML ingress, the agents' bulletin, health, readiness and metrics, on one
ASGI server (uvicorn).

``/readyz``: 200 ``{"ready": true, "status": "ok"}``; with ``breakers``, an open circuit makes the status
``"degraded"`` and names the system (``"open": ["boss"]``), still 200: other flows work and that system's
messages wait in its queue. 503 only when the hub cannot accept anything (no schemas, the broker is down or blocks
publishing during a memory or disk alarm: ``"checks": {"router": false, "broker": false}``, the reason in
``"failing": {"broker": ...}``). A dependency checked in the background (``HubApp.probes``, e.g.
``database``: the work-order store, added by ``hub.system``) that fails is ``false`` in ``"checks"`` and named with
its reason in ``"failing"``; the status is ``"degraded"``, still 200: the ingress accepts every command and every
other flow works, while work-order commands wait (answered 504 after their reply timeout, carried out when the
database is back as their retries allow). The probes are read, never run, by a request.

With ``[mail.inbox]`` the app polls that IMAP mailbox while it runs (``hub.ingress.mail.inbox``, on a thread of its
own that takes each mail on the app's event loop), stopped before the shutdown hooks run. After 3 failed passes
in a row (the mailbox not reached, login refused: ``hub.ingress.mail.inbox_health``) ``/readyz`` names it,
``"checks": {"mail-inbox": false}`` and its reason in ``"failing"``; the status is ``"degraded"``, still 200, as for
a failing background dependency.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.bulletin import BulletinBoard
from hub.config.settings import HubSettings
from hub.gateways import CircuitBreakers
from hub.ingress.acceptance import Acceptance
from hub.ingress.bulletin import BulletinAPI, allowing
from hub.ingress.mail.endpoint import MailIngress
from hub.ingress.mail.fetched import Verdict, mail_caller, take_fetched, taken_on
from hub.ingress.mail.inbox import InboxPoller
from hub.ingress.mail.inbox_health import INBOX_CHECK, InboxHealth
from hub.ingress.outcomes import ERROR_ANSWERS, error_answer_of
from hub.ingress.refusal_audit import refusal_audit
from hub.ingress.refusals import REFUSAL_HEADER
from hub.ingress.soap.endpoint import SoapIngress
from hub.ingress.workorder_link import WorkOrderLink
from hub.ingress.xml.endpoint import XmlIngress
from hub.observability.metrics import Metrics
from hub.observability.probes import BackgroundProbe
from hub.routing.broker_router import BrokerRouter
from hub.routing.factory import open_router
from hub.routing.router import Router
from hub.security.authorization_table import check_authorization_table
from hub.security.callers import CallerDirectory
from hub.security.nonces import SqlNonceStore, open_nonce_store
from hub.security.throttle import SignInThrottle
from hub.soap.wsse import UsernameTokenVerifier
from hub.transport import Broker
from hub.validation.audited import audited_command_types
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator

__all__ = ["HubApp", "create_app", "queue_consumers", "queue_depths"]

log = logging.getLogger("onepoint.ingress")
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@dataclass
class HubApp:
    """The assembled application and the parts tests and the CLI reach into.

    Without a ``router``, the app opens the broker its settings name (``memory://`` by default), declares the
    topology, loads the routing table and closes the broker when the app shuts down.
    """

    asgi: Starlette
    settings: HubSettings
    registry: CommandSetRegistry
    router: Router
    metrics: Metrics
    on_shutdown: list[Callable[[], None]] = field(default_factory=list)
    probes: dict[str, BackgroundProbe] = field(default_factory=dict)  # dependency → its probe, for /readyz
    # [mail.inbox]: one fetched mail taken as the MAIL caller (hub.ingress.mail.fetched); polled in the background
    # while the app runs unless ``poll_inbox`` is False (``onepoint mail fetch`` runs its one pass itself)
    take_fetched: Callable[[bytes], Coroutine[Any, Any, Verdict]] | None = None
    poll_inbox: bool = True
    inbox_health: InboxHealth | None = None  # the poller's passes, for /readyz and /metrics


def create_app(
    settings: HubSettings,
    *,
    router: Router | None = None,
    registry: CommandSetRegistry | None = None,
    metrics: Metrics | None = None,
    breakers: CircuitBreakers | None = None,
    bulletin: BulletinBoard | None = None,
) -> HubApp:
    """The hub's app. ``breakers``: the circuits of the workers of this process, for ``/readyz`` (give the same
    ``metrics`` to them and the app so ``/metrics`` shows the gateways). ``bulletin``: the board to serve; without
    it the board of ``[bulletin] database`` (or ``path``) is opened on the first bulletin request. The ``[audit]``
    log is opened on the first audited command the ingress refuses (``hub.ingress.refusal_audit``)."""
    registry = registry or CommandSetRegistry.installed()
    check_authorization_table(settings, registry)  # a caller nobody could authorize: refused, not 403 forever
    metrics = metrics or Metrics()
    metrics.expect_error_answers(ERROR_ANSWERS)  # every code on /metrics from the start, at 0
    owned: BrokerRouter | None = None
    if router is None:
        router = owned = open_router(settings, registry, metrics)
    if isinstance(router, BrokerRouter):
        metrics.track_broker(router.connected)
        metrics.track_queues(queue_depths(router.broker))
        metrics.track_consumers(queue_consumers(router.broker))
    validator = DocumentValidator(registry, settings.limits)
    callers = CallerDirectory(settings.callers)
    security = settings.security
    throttle = SignInThrottle(
        per_caller=security.sign_in_failures_per_caller, per_address=security.sign_in_failures_per_address,
        window_seconds=security.sign_in_window_seconds, max_tracked=security.sign_in_tracked,
        refusal_delay=security.sign_in_refusal_delay_seconds,
    )
    adapters = [adapter.system for adapter in settings.adapters]  # their answers are checked at their gateway
    # a refused SMS-log query is audited here (hub.ingress.refusal_audit): its set's roles, the [audit] log
    refusals = refusal_audit(settings, {command_type.partition(".")[0] for command_type in audited_command_types()
                                        if command_type.partition(".")[0] in registry})
    if isinstance(router, BrokerRouter):
        table_router = router  # a reloaded table is asked too

        def reads_facts(command_type: str) -> bool:
            return table_router.table.reads_facts(command_type)

        acceptance = Acceptance(router, validator, metrics, reads_facts=reads_facts, validated_answers=adapters,
                                refusals=refusals)
    else:
        acceptance = Acceptance(router, validator, metrics, validated_answers=adapters, refusals=refusals)
    nonces = open_nonce_store(settings)  # [security] nonce_store: memory, or shared by the hub processes
    verifier = UsernameTokenVerifier(callers, security.replay_window_seconds, nonces=nonces,
                                     password_text_over_tls=security.password_text_over_tls)
    soap = SoapIngress(registry, validator, verifier, acceptance, throttle, settings.hub_url)
    xml = XmlIngress(registry, callers, acceptance, throttle)
    mail = MailIngress(xml, settings.mail, settings.limits.max_bytes)
    take: Callable[[bytes], Coroutine[Any, Any, Verdict]] | None = None
    inbox_health: InboxHealth | None = None
    if settings.mail.inbox is not None:
        inbox_caller = mail_caller(settings.callers)  # none: refused now, not at the first pass
        take = partial(take_fetched, mail, inbox_caller, max_mail_bytes=settings.mail.inbox.max_mail_bytes)
        inbox_health = InboxHealth(metrics)
    notices = BulletinAPI(settings.bulletin, xml, bulletin)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "alive"})

    probes: dict[str, BackgroundProbe] = {}

    async def readyz(request: Request) -> Response:
        checks = {"schemas": len(registry.names()) > 0, "router": await router.ready()}
        failing: dict[str, str] = {}
        unconsumed: list[str] = []
        if isinstance(router, BrokerRouter):
            checks["broker"] = router.connected()
            if not checks["broker"]:
                reason = router.unready_reason() or "not connected to the broker"
                failing["broker"] = f"{reason}: nothing can be accepted"
            else:  # consumer queues nobody consumes (their workers down): named, the answer unchanged
                counts = await anyio.to_thread.run_sync(metrics.consumer_counts)
                unconsumed = sorted(queue for queue, consumers in counts.items() if consumers == 0)
        ready = all(checks.values())
        for name, probe in probes.items():  # last known states: no call to the dependency here
            state = probe.state()
            checks[name] = state.ok
            if not state.ok:
                failing[name] = state.reason or "failing"
        if inbox_health is not None and hub_app.poll_inbox:  # failed passes in a row: degraded, still 200
            state = inbox_health.state()
            checks[INBOX_CHECK] = state.ok
            if not state.ok:
                failing[INBOX_CHECK] = state.reason or "failing"
        body: dict[str, object] = {"ready": ready, "checks": checks}
        if unconsumed:
            body["unconsumed"] = unconsumed  # accepted commands routed there wait until a worker consumes them
        status = "ok" if ready else "unready"
        if breakers is not None:
            circuits = breakers.readiness()
            body.update(circuits)
            if ready and circuits["open"]:
                status = "degraded"
        if failing:
            body["failing"] = failing
            if ready:
                status = "degraded"
        body["status"] = status
        return JSONResponse(body, status_code=200 if ready else 503)

    async def metrics_endpoint(request: Request) -> Response:
        body, content_type = await anyio.to_thread.run_sync(metrics.render)  # a queue-depth read may wait
        return Response(body, media_type=content_type)

    def counted(endpoint: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        """A request refused before anything was handed on counts in ``onepoint_messages_refused_total``; an
        accepted request answered with an error (noted by its endpoint: `hub.ingress.outcomes.noted`) in
        ``onepoint_error_answers_total`` instead: the system's refusal, a kept request while its system is down."""

        async def run(request: Request) -> Response:
            response = await endpoint(request)
            answer = error_answer_of(request)
            if answer is not None:
                metrics.error_answer(answer)
            elif response.status_code >= 400:
                metrics.refused(response.headers.get(REFUSAL_HEADER, str(response.status_code)))
            return response

        return run

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        # {system:path}: a set's address with a trailing slash (or more) is the endpoints' unknown-endpoint refusal
        Route("/soap/{system:path}", counted(soap.endpoint), methods=["GET", "POST"]),
        Route("/xml/{system:path}", counted(xml.endpoint), methods=["POST"]),
        Route("/mail/inbound", counted(mail.endpoint), methods=["POST"]),
        # every method reaches the bulletin's endpoints: the API answers its own JSON 405 to the wrong ones
        Route("/bulletin", counted(allowing("GET", notices.list_notices)), methods=ANY_METHOD),
        Route("/bulletin/{notice}/read", counted(allowing("POST", notices.mark_read)), methods=ANY_METHOD),
        Route("/workorders/{work_order_id}", counted(WorkOrderLink(xml).endpoint), methods=["GET"]),
    ]

    hooks: list[Callable[[], None]] = [notices.close, refusals.close]
    if isinstance(nonces, SqlNonceStore):
        hooks.append(nonces.close)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if owned is not None:  # publish from this event loop where the broker can (bench/README.md)
            await owned.broker.start_loop()
        inbox = None
        if settings.mail.inbox is not None and take is not None and hub_app.poll_inbox:
            inbox = InboxPoller(settings.mail.inbox, taken_on(asyncio.get_running_loop(), take),
                                max_bytes=settings.mail.inbox.max_mail_bytes, health=inbox_health).start()
        yield
        if inbox is not None:  # before the workers stop: a mail being taken finishes (hub.ingress.mail.inbox)
            await anyio.to_thread.run_sync(inbox.stop)
        for hook in hooks:  # off the event loop: a worker's drain may wait for handlers that publish through it
            try:
                await anyio.to_thread.run_sync(hook)
            except Exception:  # the next hooks and the broker's close still run
                log.exception("shutdown step failed", extra={"step": getattr(hook, "__qualname__", repr(hook))})
        if owned is not None:  # the broker this app opened is closed with it
            await owned.broker.stop_loop()
            owned.broker.close()

    asgi = Starlette(routes=routes, lifespan=lifespan)
    asgi.router.redirect_slashes = False  # no 307 to a Location built from the request's Host header
    hub_app = HubApp(asgi, settings, registry, router, metrics, hooks, probes, take, inbox_health=inbox_health)
    return hub_app


def queue_consumers(broker: Broker) -> Callable[[], dict[str, int]]:
    """The read of ``onepoint_queue_consumers``: the consumers of each consumer queue of the broker's topology (the
    queues routes deliver to) in one ``consumer_counts``; nothing while the broker is not connected."""
    names = [broker.config.queue(consumer) for consumer in broker.config.consumers]

    def read() -> dict[str, int]:
        return broker.consumer_counts(names) if broker.ready() else {}

    return read


def queue_depths(broker: Broker) -> Callable[[], dict[str, int]]:
    """The read of ``onepoint_queue_messages``: every queue of the broker's topology (consumers' queues, their DLQs,
    the delay tiers) in one ``message_counts``; nothing while the broker is not connected."""
    names = [queue.name for queue in broker.topology.queues]

    def read() -> dict[str, int]:
        return broker.message_counts(names) if broker.ready() else {}

    return read
