"""The broker-backed router: routes an envelope by the table and returns once the broker confirmed it.

One confirmed publish per target (``<consumer>.<system>.<Command>`` on the commands exchange, or the
broadcast exchange), all in flight at once. If any publish fails the route fails and the ingress refuses
the command, so the caller retries; targets already confirmed then get a second copy, which their
consumers' processed-message store drops (the source system and the message id are the idempotency key).

Duplicates seen at this ingress: message ids confirmed recently are remembered, with their source systems, in a
bounded LRU so that a caller's retry is answered ``DUPLICATE`` without publishing again. That is a courtesy, not
the guarantee: exactly-once effects come from the consumers' store. Requests' ids are remembered too (with their
documents' fingerprints): a later command or request of the same system with such an id and another document is
refused ``MessageIdReused``. Another system's id is never in the way: the key is ``Envelope.idempotency_key``,
(source system, message id), and the source system is the authenticated caller's.

Requests of a route with ``cache_ttl`` are answered from the reply cache when the same request (same command,
same fields after the Header) was answered successfully within the TTL: no publish, re-stamped with the new
request's ids (`hub.routing.reply_cache`). A cached answer is served even while the broker is unreachable.
Identical requests arriving while the first is in flight join it: one publish, one answer (or one failure) for
all; the round trip runs as a task of its own, so a caller that gives up does not cancel it for the others.

A request leaves stamped with the time its caller stops waiting (header ``x-onepoint-reply-by``, ISO 8601 UTC: the
route's ``reply_timeout`` after it was handed to the broker). Past it the caller has its 504 and any answer is
dropped: a consumer whose work leaves a trail (the DSMP adapter audits every SMS-log query as records returned)
reads it to run nothing for nobody. Wall-clock time: the ingress and the workers' hosts keep their clocks in step.
An answer a consumer replays (``x-onepoint-replayed``: the one it recorded for an earlier delivery of the request,
a resend with the same MessageId after a 504) goes to its caller and is not kept in the reply cache: it may be days
old, and every other caller would get it for a whole TTL.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hub.envelope import Envelope
from hub.observability.metrics import Metrics
from hub.routing.addresses import addresses
from hub.routing.codec import message_from_envelope
from hub.routing.reply_cache import ReplyCache, RequestKey, request_key, shared_answer
from hub.routing.reply_timeouts import ReplyTimedOut
from hub.routing.router import MessageIdReused, RouteResult
from hub.routing.table import Route, RoutingTable
from hub.transport import Broker, PublisherUnavailableError, routing_key
from hub.transport.errors import RequestTimeoutError

__all__ = ["REPLAYED", "REPLY_BY", "BrokerRouter", "BrokerUnavailableError", "reply_by"]

log = logging.getLogger("onepoint.routing")

REPLY_BY = "x-onepoint-reply-by"  # when the caller of a request stops waiting (ISO 8601 UTC, milliseconds)
# on an answer: the one a consumer recorded for an earlier delivery of the request (a resend with the same
# MessageId), not a fresh one; never kept in the reply cache, whose entries are as fresh as their TTL
REPLAYED = "x-onepoint-replayed"

Flight = tuple[asyncio.AbstractEventLoop, Route, RequestKey]  # an event loop, a route, a request's key


def reply_by(timeout: float, now: datetime | None = None) -> str:
    """The ``REPLY_BY`` stamp of a request sent ``now`` whose caller waits ``timeout`` seconds."""
    return ((now or datetime.now(UTC)) + timedelta(seconds=timeout)).isoformat(timespec="milliseconds")


class BrokerUnavailableError(ConnectionError):
    """The broker is not connected: the command is refused (503 / Server fault) and can be retried."""


class BrokerRouter:
    def __init__(
        self, broker: Broker, table: RoutingTable, *, remember: int = 100_000, metrics: Metrics | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.broker = broker
        self.metrics = metrics
        self.replies = ReplyCache(clock=clock)  # answers of requests whose route has cache_ttl
        # identical requests in flight, by loop and route: the round trip and the message id it was sent with
        self._flights: dict[Flight, tuple[asyncio.Task[bytes], str]] = {}
        self._table = table
        # (source system, id) → targets, fingerprint
        self._recent: OrderedDict[tuple[str, str], tuple[tuple[str, ...], str]] = OrderedDict()
        self._remember = remember
        # a request's (source system, id) → its document's fingerprint
        self._request_ids: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._address_cache: dict[tuple[tuple[str, ...], str], tuple[tuple[str, str], ...]] = {}

    def connected(self) -> bool:
        return self.broker.ready()

    def unready_reason(self) -> str | None:
        """Why nothing can be accepted now (the broker unreachable, or blocking publishes: a memory or disk
        alarm); None while commands can be handed on."""
        return self.broker.unready_reason()

    def _refuse(self) -> BrokerUnavailableError:
        reason = self.broker.unready_reason() or "the message broker is unreachable"
        return BrokerUnavailableError(f"{reason}; nothing was accepted")

    @property
    def table(self) -> RoutingTable:
        return self._table

    def reload(self, table: RoutingTable) -> None:
        """Swap in a new table. Routes in flight finish with the table they started with."""
        self._table = table
        self.replies.clear()

    async def route(self, envelope: Envelope) -> RouteResult:
        recent = self._recent
        seen_as = envelope.idempotency_key
        prior = recent.get(seen_as)
        if prior is not None:
            if prior[1] != envelope.fingerprint():
                raise MessageIdReused(envelope)
            return RouteResult(envelope.message_id, prior[0], duplicate=True)
        decision = self._table.decision(envelope)
        if decision.request is not None:
            return await self._request(envelope, decision.targets[0], decision.request)
        asked = self._request_ids.get(seen_as)
        if asked is not None and asked != envelope.fingerprint():  # a read's id: its consumer keeps it (the workflow)
            raise MessageIdReused(envelope)
        if not self.connected():
            # Refuse at once rather than hold the caller for the publish deadline; it retries later.
            raise self._refuse()
        targets = decision.targets
        publish = self.broker.publish_async
        futures = [
            publish(exchange, message_from_envelope(envelope, key), fail_fast=True)
            for exchange, key in self._addresses(targets, envelope.command_type)
        ]
        try:
            await (futures[0] if len(futures) == 1 else asyncio.gather(*futures))
        except PublisherUnavailableError as exc:  # the connection dropped between the check above and now
            raise BrokerUnavailableError(str(exc)) from exc
        if self.metrics is not None:
            for target in targets:
                self.metrics.published(target)
        # each step is atomic under the GIL; a lost race only forgets an entry early, which the consumers' store
        # covers
        recent[seen_as] = (targets, envelope.fingerprint())
        if len(recent) > self._remember:
            recent.popitem(last=False)
        return RouteResult(envelope.message_id, targets)

    def _addresses(self, targets: tuple[str, ...], command_type: str) -> tuple[tuple[str, str], ...]:
        """(exchange, routing key) per target: ``<target>.<command type>`` on the commands exchange, the command
        type on the broadcast exchange. Computed once per decision and command type."""
        found = self._address_cache.get((targets, command_type))
        if found is None:
            found = addresses(self.broker.config, targets, command_type)
            if len(self._address_cache) < 4096:  # bounded by the table's targets × command types
                self._address_cache[(targets, command_type)] = found
        return found

    async def _request(self, envelope: Envelope, target: str, route: Route) -> RouteResult:
        """Send a request to ``target`` and wait for its reply (`RequestTimeoutError` after the route's
        ``reply_timeout``); with a ``cache_ttl``, answer it from the reply cache or join the same request in flight.

        Requests are reads: they are neither remembered as duplicates nor deduplicated, but their ids are
        remembered with their documents' fingerprints (``_check_request_id``), as their consumers keep them: a
        request or a command that comes later with the same id and another document is refused. The AMQP
        correlation id is the broker's own (to match the reply); the caller's correlation id travels in a header.
        """
        self._check_request_id(envelope)
        key = request_key(envelope) if route.cache_ttl is not None else None
        if key is not None:
            cached = self.replies.get(route, key, envelope)
            if cached is not None:
                self._count_cache(envelope, hit=True)
                return RouteResult(envelope.message_id, (target,), reply=cached)
        if not self.connected():
            raise self._refuse()
        if key is None:
            return RouteResult(envelope.message_id, (target,), reply=await self._send(envelope, target, route, None))
        loop = asyncio.get_running_loop()
        flight_key = (loop, route, key)
        joined = self._flights.get(flight_key)
        self._count_cache(envelope, hit=joined is not None)
        if joined is not None:  # the same request is on its way: its answer is ours too, told of our request
            on_its_way, first_id = joined
            try:
                answer = await asyncio.shield(on_its_way)
            except ReplyTimedOut as timed_out:  # ours timed out with it: told of our own MessageId
                raise ReplyTimedOut(envelope, timed_out.timeout) from None
            return RouteResult(envelope.message_id, (target,), reply=shared_answer(answer, envelope, first_id))
        flight = loop.create_task(self._send(envelope, target, route, key))
        self._flights[flight_key] = (flight, envelope.message_id)
        flight.add_done_callback(lambda done: self._landed(flight_key, done))
        return RouteResult(envelope.message_id, (target,), reply=await asyncio.shield(flight))

    def _check_request_id(self, envelope: Envelope) -> None:
        """A request whose message id its system sent before with another document (another number, another operator) is
        refused `MessageIdReused` (409), as the consumer refuses it when the request reaches it: from the cache or
        joining a request in flight it was answered 200, and the same misuse got two answers. Every request's id is
        remembered, so that a command reusing it is refused here too (``route``) rather than accepted and then
        dead-lettered by a consumer that keeps read ids (the workflow's store)."""
        seen = self._request_ids
        fingerprint = envelope.fingerprint()
        seen_as = envelope.idempotency_key  # another system's request with this id is another request
        prior = seen.get(seen_as)
        if prior is not None and prior != fingerprint:
            raise MessageIdReused(envelope)
        seen[seen_as] = fingerprint
        if len(seen) > self._remember:
            seen.popitem(last=False)

    async def _send(self, envelope: Envelope, target: str, route: Route, key: RequestKey | None) -> bytes:
        """One round trip through the broker, stamped with when its caller stops waiting; a successful answer to a
        cached route is kept."""
        assert route.reply_timeout is not None
        message = message_from_envelope(envelope, routing_key(target, envelope.command_type), for_request=True)
        message = message.with_headers(**{REPLY_BY: reply_by(route.reply_timeout)})
        try:
            reply = await asyncio.wrap_future(
                self.broker.request(self.broker.config.commands_exchange, message, timeout=route.reply_timeout)
            )
        except RequestTimeoutError as exc:  # sent, not answered in time: the publish may not even be confirmed yet
            # (the broker may hold it, e.g. while a memory alarm blocks publishing), and it may still be carried out;
            # the caller is told its MessageId, not the broker's correlation id (``reply_timeouts``)
            self._count_published(target)
            raise ReplyTimedOut(envelope, route.reply_timeout) from exc
        self._count_published(target)
        if key is not None and not reply.headers.get(REPLAYED):
            self.replies.put(route, key, envelope, reply.body)
        return reply.body

    def _landed(self, flight_key: Flight, flight: asyncio.Task[bytes]) -> None:
        if self._flights.get(flight_key, (None, ""))[0] is flight:
            del self._flights[flight_key]
        if not flight.cancelled():
            flight.exception()  # retrieved: every caller that waited got it already

    def _count_published(self, target: str) -> None:
        if self.metrics is not None:
            self.metrics.published(target)

    def _count_cache(self, envelope: Envelope, *, hit: bool) -> None:
        if self.metrics is not None:
            self.metrics.reply_cache(envelope.command_type, hit=hit)

    async def ready(self) -> bool:
        return self.connected()
