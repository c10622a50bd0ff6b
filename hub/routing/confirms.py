"""The confirms of a batch's sends, awaited together: ``PendingConfirms`` (held per causing message until its
handler succeeded or failed) and ``OutboundError`` (a send the broker did not confirm)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future

__all__ = ["OutboundError", "PendingConfirms"]


class OutboundError(ConnectionError):
    """The broker did not confirm a sent command: transient, the handler's message is retried."""


class PendingConfirms:
    """The sends made inside ``Outbound.deferred_confirms()``, by the message that caused them: each is *held*
    until its message's handler succeeded (``release``: to be published) or failed (``discard``: never published,
    as its effect is undone); ``wait`` publishes the released sends, in the order they were released, then what
    is still held, and awaits every confirm together.

    Publishing them all at once, at ``wait``, wakes the broker's I/O thread once per batch instead of once per
    message: each wake-up hands it the GIL in the middle of the next handler (measured in ``bench/README.md``,
    workflow section)."""

    __slots__ = ("_held", "_released", "_sent")

    def __init__(self) -> None:
        self._held: dict[str, list[tuple[str, Callable[[], Future[None]]]]] = {}
        self._released: list[tuple[str, Callable[[], Future[None]]]] = []
        self._sent: list[tuple[str, Future[None]]] = []

    def hold(self, cause_id: str, what: str, publish: Callable[[], Future[None]]) -> None:
        self._held.setdefault(cause_id, []).append((what, publish))

    def release(self, cause_id: str) -> None:
        """The sends of ``cause_id`` are to be published (its handler returned): ``wait`` publishes them."""
        self._released += self._held.pop(cause_id, ())

    def _publish(self, sends: list[tuple[str, Callable[[], Future[None]]]]) -> None:
        for what, publish in sends:
            try:
                future = publish()
            except Exception as exc:
                future = Future()
                future.set_exception(exc)
            self._sent.append((what, future))

    def discard(self, cause_id: str) -> None:
        """Drop the sends of ``cause_id`` unpublished (its handler failed: its effect is undone)."""
        self._held.pop(cause_id, None)

    def __len__(self) -> int:
        return len(self._sent) + len(self._released) + sum(len(held) for held in self._held.values())

    def wait(self, timeout: float) -> None:
        """Publish what was released, then what is held, then await every confirm; ``OutboundError`` naming the
        first not confirmed."""
        for cause_id in list(self._held):
            self.release(cause_id)
        released, self._released = self._released, []
        self._publish(released)
        sent, self._sent = self._sent, []
        for what, future in sent:
            try:
                future.result(timeout=timeout)
            except Exception as exc:
                raise OutboundError(f"{what} not confirmed: {type(exc).__name__}: {exc}") from exc
