"""What a 406 to a declaration is read as, and the refusal's wording (audit 3, repro 5)."""

from __future__ import annotations

from typing import Any

import pika.exceptions
import pytest

from hub.transport.amqp import declarations
from hub.transport.amqp.inequivalence import describe, read_refusal
from hub.transport.errors import TopologyMismatchError
from hub.transport.topology import Topology

pytestmark = pytest.mark.unit

REFUSED = ("PRECONDITION_FAILED - inequivalent arg 'x-delivery-limit' for queue 'onepoint.boss' in vhost '/': "
           "received '5' but current is '10'")


def test_a_refusal_is_read_back_with_both_values() -> None:
    mismatch = read_refusal("queue onepoint.boss", REFUSED)
    assert (mismatch.argument, mismatch.broker, mismatch.ours) == ("x-delivery-limit", "10", "5")
    unset = read_refusal("queue onepoint.boss", "PRECONDITION_FAILED - inequivalent arg 'x-max-length' for "
                         "queue 'onepoint.boss' in vhost '/': received '7' but current is none")
    assert (unset.argument, unset.broker, unset.ours) == ("x-max-length", None, "7")


def test_the_refusal_names_each_difference_and_the_ways_forward() -> None:
    boss = read_refusal("queue onepoint.boss", REFUSED)
    other = read_refusal("exchange onepoint.commands", "PRECONDITION_FAILED - inequivalent arg 'type' for "
                            "exchange 'onepoint.commands' in vhost '/': received 'topic' but current is 'direct'")
    text = describe("onepoint", [other, boss])
    assert "2 queue(s) or exchange(s) differ" in text
    assert ("queue onepoint.boss: x-delivery-limit is 10 on the broker, 5 in the settings ([broker] delivery_limit)"
            in text)
    assert "exchange onepoint.commands: type is direct on the broker, topic in the settings (fixed by" in text
    assert "rabbitmqctl delete_queue onepoint.boss" in text and "new [broker] prefix" in text
    assert "x-delivery-limit: [broker] delivery_limit = 10" in text


class _Channel:
    """Refuses every declaration of an entity the broker has with other arguments (406), as RabbitMQ does."""

    def __init__(self, calls: list[tuple[str, dict[str, Any]]]) -> None:
        self.calls, self.is_open = calls, True

    def _refuse(self, kind: str, name: str, what: str) -> None:
        self.is_open = False
        reason = (f"PRECONDITION_FAILED - inequivalent arg {what} for {kind} '{name}' in vhost '/': "
                  "received '5' but current is '10'")
        raise pika.exceptions.ChannelClosedByBroker(406, reason)

    def exchange_declare(self, name: str, kind: str, durable: bool) -> None:
        self.calls.append((name, {}))
        if name == "onepoint.commands":
            self._refuse("exchange", name, "'type'")

    def queue_declare(self, name: str, durable: bool, arguments: dict[str, Any] | None = None,
                      passive: bool = False) -> None:
        self.calls.append((name, dict(arguments or {})))
        if name == "onepoint.boss":
            self._refuse("queue", name, "'x-delivery-limit'")

    def queue_bind(self, *args: Any, **kwargs: Any) -> None:
        pass

    def close(self) -> None:
        self.is_open = False


class _Connection:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.is_open = True

    def channel(self) -> _Channel:
        return _Channel(self.calls)

    def close(self) -> None:
        self.is_open = False


def test_a_refused_declaration_is_never_explored_with_another_declare_and_named_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Review (repros 5 and 7): after a 406 the hub declared the queue again "with the broker's value": a queue the
    operator deleted meanwhile was created with the OLD arguments, and the refusal then said nothing was changed;
    an exchange of another type was named twice. Each entity is declared once; the first difference is named, with
    "possibly more"; the refusal claims nothing about what was created."""
    conn = _Connection()
    monkeypatch.setattr(declarations, "open_blocking", lambda _nodes: conn)
    with pytest.raises(TopologyMismatchError) as refused:
        declarations.Declarations(["amqp://127.0.0.1:1/"], Topology.build()).declare()
    names = [name for name, _ in conn.calls]
    assert names.count("onepoint.boss") == 1 and names.count("onepoint.commands") == 1, names
    lines = [line for line in str(refused.value).splitlines() if line.startswith("  ")]
    assert len(lines) == len(set(lines)) == 2, lines
    assert "possibly more" in str(refused.value) and "nothing was changed" not in str(refused.value)
