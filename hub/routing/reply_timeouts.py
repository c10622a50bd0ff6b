"""A request its consumer did not answer within the route's ``reply_timeout``, as its caller is to be told of it.

The broker's correlation id matches the reply to the request inside the hub; the caller knows only the MessageId
it sent, so ``ReplyTimedOut`` names that one (a lookup that joined another caller's in flight is told its own, never
the other caller's). What sending it again does depends on the command (``hub.ingress.outcomes`` words it):

* a read (``READ_REQUESTS``: the handlers registered ``reads=True``) or an audited request (personal data,
  ``hub.validation.audited``: the DSMP queries): its consumer keeps no answer for it (``hub.workers.fingerprint``),
  so sending it again, with the same MessageId or a new one, asks again;
* any other request (a write: ``boss.SyncHLR``, ``workorder.CreateWorkOrder``, ...): it may still be carried out,
  and sending it again with the same MessageId is given back the answer recorded for it (a new id would be a
  second request).

``READ_REQUESTS`` is the hub's copy of what the handler registries say (the ingress runs without the adapters'
handlers); a unit test keeps them equal.
"""

from __future__ import annotations

from functools import cache

from hub.envelope import Envelope
from hub.transport.errors import RequestTimeoutError
from hub.validation.audited import audited_command_types

__all__ = ["READ_REQUESTS", "ReplyTimedOut"]

READ_REQUESTS = frozenset({
    "boss.QueryCustomerTier", "boss.QuerySubscriber",
    "workorder.QueryWorkOrder", "workorder.QueryWorkOrders", "workorder.QueryStatistics", "workorder.QueryTemplate",
    "workorder.QueryListeners",
})


class ReplyTimedOut(RequestTimeoutError):
    """No reply to the caller's request ``message_id`` (a ``command_type``) within ``timeout`` seconds."""

    def __init__(self, envelope: Envelope, timeout: float) -> None:
        super().__init__(f"no reply to MessageId {envelope.message_id} ({envelope.command_type}) within {timeout:g} s")
        self.message_id = envelope.message_id
        self.command_type = envelope.command_type
        self.timeout = timeout

    @property
    def answer_unkept(self) -> bool:
        """A read or an audited request: no answer is kept for it, a resend asks again (see the module)."""
        return self.command_type in READ_REQUESTS or self.command_type in _audited()


@cache
def _audited() -> frozenset[str]:
    return audited_command_types()
