"""The listeners' call-backs as the event publisher sends to them: one ``HttpExchange`` per listener (its
connections kept between turns), made only for a call-back the hub can and may send to (``callback_problem``,
the destination policy: ``hub.workflow.destinations``, whose address check every new connection passes), each
POST bounded by the delivery deadline and only the first ``ANSWER_LIMIT`` bytes of its answer read."""

from __future__ import annotations

import httpx

from hub.gateways.exchange import HttpExchange
from hub.workflow.destinations import DestinationPolicy, redacted
from hub.workflow.listeners import callback_problem
from hub.workflow.store import Listener

__all__ = ["ANSWER_LIMIT", "HEADERS", "Callbacks"]

ANSWER_LIMIT = 4096  # bytes of a listener's answer read; the rest is not
# every POST's; each adds X-Event-Id and its signature (``turns.post_event``, ``event_signatures.signed_headers``)
HEADERS = {"User-Agent": "OnePoint-Hub-Events/1", "Content-Type": "application/json"}


class Callbacks:
    def __init__(self, policy: DestinationPolicy, timeout: httpx.Timeout, deadline: float) -> None:
        self.policy, self.timeout, self.deadline = policy, timeout, deadline
        self._exchanges: dict[str, HttpExchange] = {}  # listener id -> its connections

    def exchange(self, listener: Listener) -> HttpExchange:
        """The listener's connections; ValueError for a call-back the hub cannot or may not send to (stored
        before registration refused such URLs)."""
        found = self._exchanges.get(listener.id)
        if found is None:
            url = listener.callback_url
            if (problem := callback_problem(url) or self.policy.url_problem(url)) is not None:
                raise ValueError(f"call-back {redacted(url)!r} cannot be used: {problem}")
            found = HttpExchange(url, self.timeout, HEADERS, deadline=self.deadline, answer_limit=ANSWER_LIMIT,
                                 address_check=self.policy.address_check(url))
            self._exchanges[listener.id] = found
        return found

    def keep_only(self, served: set[str]) -> None:
        """Close the connections of listeners no longer served (unregistered or parked)."""
        for gone in self._exchanges.keys() - served:
            self._exchanges.pop(gone).close()

    def close(self) -> None:
        for exchange in self._exchanges.values():
            exchange.close()
        self._exchanges.clear()
