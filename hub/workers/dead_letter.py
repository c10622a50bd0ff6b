"""One dead letter as ``onepoint dlq`` reads it: what it was, why it died, where a replay sends it.

**Its headers are read defensively.** A DLQ holds whatever was dead-lettered into it: letters the hub wrote, the
broker's own (``x-death``), and anything an operator or another tool put there by hand. A header that is not what
the hub writes (``x-onepoint-attempts: "twelve"``, an ``x-death`` that is not a list of tables, bytes that are not
UTF-8) never raises: its value reads as unknown (``None``, shown ``?``) and its name is in :attr:`unreadable`.
A letter whose origin (routing key) or replay count cannot be read is not replayed (:attr:`unreplayable`): the
replay records why, and the letter stays in its DLQ for ``onepoint dlq show``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hub.transport.message import Message
from hub.transport.message import header_count as _count
from hub.workers import headers as h

__all__ = ["UNKNOWN", "DeadLetter"]

UNKNOWN = "?"
"""How a value the letter's headers hold but the hub cannot read is shown."""

X_DEATH = "x-death"


def _text(value: Any) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes | bytearray) else str(value)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    consumer: str
    message: Message

    @property
    def message_id(self) -> str:
        return self.message.message_id

    # -- the broker's x-death: a list of tables, the latest death first ---------------------------------
    def _deaths(self) -> list[Mapping[str, Any]] | None:
        """The ``x-death`` tables (latest first; [] when absent), or None when the header is not such a list."""
        deaths = self.message.headers.get(X_DEATH)
        if deaths is None:
            return []
        if isinstance(deaths, Sequence) and not isinstance(deaths, str | bytes | bytearray) \
                and all(isinstance(d, Mapping) for d in deaths):
            return list(deaths)
        return None

    def _death(self) -> Mapping[str, Any]:
        deaths = self._deaths()
        return deaths[-1] if deaths else {}  # the oldest death: the original queue and key

    def _origin_key(self) -> str | None:
        value = self.message.headers.get(h.ORIGINAL_ROUTING_KEY)
        if value is not None:
            return _text(value)
        if self._deaths() is None:
            return None
        keys = self._death().get("routing-keys") or [self.message.routing_key]
        if not isinstance(keys, Sequence) or isinstance(keys, str | bytes | bytearray) or \
                not isinstance(keys[0], str | bytes | bytearray):
            return None
        return _text(keys[0])

    # -- what the listing shows -------------------------------------------------------------------------
    @property
    def reason(self) -> str:
        reason = self.message.headers.get(h.DEAD_REASON)
        if reason is not None:
            return _text(reason)
        deaths = self._deaths()
        native = deaths[0].get("reason") if deaths else None  # the latest death
        return f"dead-lettered by the broker ({_text(native)})" if native else "unknown"

    @property
    def kind(self) -> str:
        return _text(self.message.headers.get(h.DEAD_KIND, "broker"))

    @property
    def attempts(self) -> int | None:
        """Failed handler attempts; None when the header is absent or unreadable (see :attr:`unreadable`)."""
        value = self.message.headers.get(h.ATTEMPTS)
        return None if value is None else _count(value)

    @property
    def first_failure(self) -> str | None:
        value = self.message.headers.get(h.FIRST_FAILURE, self._death().get("time"))
        return None if value is None else (value.isoformat() if hasattr(value, "isoformat") else _text(value))

    @property
    def last_failure(self) -> str | None:
        value = self.message.headers.get(h.LAST_FAILURE)
        return self.first_failure if value is None else _text(value)

    @property
    def first_dead(self) -> str | None:
        """The first failure over every life of the message (kept over replays, `hub.workers.replay`)."""
        value = self.message.headers.get(h.FIRST_DEAD)
        return self.first_failure if value is None else _text(value)

    @property
    def previous_reason(self) -> str | None:
        """Why it was dead-lettered before its last replay; None when never replayed."""
        value = self.message.headers.get(h.PREVIOUS_REASON)
        return None if value is None else _text(value)

    @property
    def original_routing_key(self) -> str:
        """The key it was first published with; ``?`` when its headers do not say it readably."""
        key = self._origin_key()
        return UNKNOWN if key is None else key

    @property
    def original_exchange(self) -> str:
        value = self.message.headers.get(h.ORIGINAL_EXCHANGE, self._death().get("exchange", ""))
        return _text(value)

    @property
    def replayed(self) -> int | None:
        """How many times it was replayed before; None when the header is unreadable."""
        return _count(self.message.headers.get(h.REPLAYED, 0))

    @property
    def unreadable(self) -> dict[str, str]:
        """The headers the hub could not read: name → the value as found."""
        headers = self.message.headers
        odd = {name: headers[name] for name in (h.ATTEMPTS, h.REPLAYED)
               if headers.get(name) is not None and _count(headers[name]) is None}
        if self._deaths() is None:
            odd[X_DEATH] = headers[X_DEATH]
        elif self._origin_key() is None:
            odd[X_DEATH] = headers.get(X_DEATH)
        return {name: _text(value)[:200] for name, value in odd.items()}

    @property
    def unreplayable(self) -> str | None:
        """Why a replay cannot send it (its origin or replay count unreadable), or None."""
        odd = self.unreadable
        problems = [f"{name}={odd[name]!r}" for name in (h.REPLAYED,) if name in odd]
        if self._origin_key() is None:
            problems.append(f"no readable original routing key ({X_DEATH}={odd.get(X_DEATH, '')!r})")
        return None if not problems else "unreadable header(s): " + "; ".join(problems)

    def as_dict(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "message_id": self.message_id, "consumer": self.consumer, "command_type": self.message.type,
            "routing_key": self.original_routing_key, "exchange": self.original_exchange, "reason": self.reason,
            "kind": self.kind, "attempts": self.attempts, "first_failure": self.first_failure,
            "last_failure": self.last_failure, "replayed": self.replayed, "first_dead": self.first_dead,
            "previous_reason": self.previous_reason,
        }
        if unreadable := self.unreadable:
            shown["unreadable"] = unreadable
        return shown
