"""What RabbitMQ's 406 to a declaration says, read back: which argument differs, the broker's value and ours, and
what an operator can do about it.

RabbitMQ refuses a re-declaration with other arguments (``PRECONDITION_FAILED - inequivalent arg 'x-delivery-limit'
for queue 'onepoint.boss' in vhost '/': received '5' but current is '10'``) and names only the *first* argument that
differs. Every queue is declared once, on its own channel, so one refusal names every queue that differs, each with
that first argument and "possibly more". The others are not explored: a passive declare returns no arguments, the
management plugin may not be enabled, and a second declaration "with the broker's value" would *create* a queue the
operator deleted in between (following the refusal's advice) with the very argument the settings changed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Inequivalence", "describe", "read_refusal"]

_REFUSAL = re.compile(r"inequivalent arg '(?P<arg>[^']+)'.*?received (?P<ours>none|(?:the value )?'[^']*')"
                      r".*?current is (?P<theirs>none|(?:the value )?'[^']*')", re.DOTALL)
_VALUE = re.compile(r"'([^']*)'")

# the settings behind each argument the hub declares (the others are fixed by the hub's version)
SETTINGS: Mapping[str, str] = {
    "x-delivery-limit": "[broker] delivery_limit",
    "x-max-length": "[broker] max_queue_length",
    "x-message-ttl": "[broker] delay_tiers",
}


@dataclass(frozen=True, slots=True)
class Inequivalence:
    """One argument of one entity that differs: ``broker`` / ``ours`` None when that side has no such argument."""

    entity: str  # "queue onepoint.boss"
    argument: str | None  # None: a 406 whose text names no argument (``reason`` says what)
    broker: str | None
    ours: str | None
    reason: str  # the broker's own text

    def line(self) -> str:
        if self.argument is None:
            return f"{self.entity}: {self.reason}"
        setting = SETTINGS.get(self.argument)
        where = f" ({setting})" if setting else " (fixed by this version of the hub)"
        return (f"{self.entity}: {self.argument} is {_shown(self.broker)} on the broker, {_shown(self.ours)} in the "
                f"settings{where}")


def _shown(value: str | None) -> str:
    return "unset" if value is None else value


def _value(text: str) -> str | None:
    found = _VALUE.search(text)
    return None if text == "none" or found is None else found.group(1)


def read_refusal(entity: str, reason: str) -> Inequivalence:
    """The 406's argument and both values (RabbitMQ 3.10 writes them without their types)."""
    found = _REFUSAL.search(reason)
    if found is None:
        return Inequivalence(entity, None, None, None, reason)
    return Inequivalence(entity, found.group("arg"), _value(found.group("theirs")), _value(found.group("ours")), reason)


def describe(prefix: str, mismatches: Sequence[Inequivalence]) -> str:
    """Every entity that differs, each argument with both values, then the ways forward."""
    entities = list(dict.fromkeys(m.entity for m in mismatches))
    kept = [_kept(m.argument, m.broker) for m in mismatches if m.argument is not None and m.argument in SETTINGS]
    queue = next((e.split(" ", 1)[1] for e in entities if e.startswith("queue ")), None)
    delete = f"rabbitmqctl delete_queue {queue}" if queue else "rabbitmqadmin delete exchange name=NAME"
    lines = [f"on the broker, {len(entities)} queue(s) or exchange(s) differ from the settings (prefix {prefix!r}; "
             "each with the first argument RabbitMQ named, possibly more differ; those named were left as they are, "
             "the ones that were missing were created):"]
    lines += [f"  {m.line()}" for m in mismatches]
    keep = f"; or keep the broker's values in the settings ({', '.join(dict.fromkeys(kept))})" if kept else ""
    lines.append(f"for each: drain it (let its workers empty it; a DLQ: onepoint dlq replay/purge), then delete it "
                 f"({delete}) and start again: the hub declares it anew (deleting a queue "
                 f"deletes its messages); or start on a new [broker] prefix (new queues; the old ones drained by "
                 f"workers of the old prefix){keep}")
    return "\n".join(lines)


def _kept(argument: str, broker: str | None) -> str:
    """The setting that keeps the broker's value of ``argument``."""
    if broker is None:
        return f"{argument}: {SETTINGS[argument]} unset"
    if argument == "x-message-ttl":
        return f"{argument}: {SETTINGS[argument]} with a tier of {broker} ms"
    return f"{argument}: {SETTINGS[argument]} = {broker}"
