"""How the NSP emulator answers dispatches, changeable while it runs (``GET`` / ``POST /nsp/settings``).

- ``auto_reply`` (true/false): a dispatch gets NSP's reply ``reply_delay`` seconds later by itself; false leaves
  replies to ``POST /nsp/tickets/{id}/reply`` (a person at NSP), so a work order stays DISPATCHED until the hub is
  told otherwise (a tester sending the WorkOrderAction examples in turn switches it off first);
- ``reply_delay`` (seconds, 0 to ``MAX_REPLY_DELAY``, a day): how long the automatic reply waits;
- ``answer_known_faults`` (true/false): a dispatch an active notice covers is answered at once with its wording.

A change applies to the dispatches that come after it (a reply already scheduled still goes). ``POST`` takes any of
the keys (a JSON object; another key, or a value of the wrong type, is a 400 naming it) and answers the settings now
in force; ``POST /__admin/reset`` puts back those the emulator was started with (``create_emulator``'s options).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from emulators.nsp.notices import NoticeSpecError
from emulators.toolkit.jsonkeys import unknown_keys_problem

__all__ = ["MAX_REPLY_DELAY", "SETTING_KEYS", "ReplySettings"]

SETTING_KEYS = ("auto_reply", "reply_delay", "answer_known_faults")
MAX_REPLY_DELAY = 86_400  # seconds: a day; more is no test (and a JSON integer too large for a float was a 500)


def _is_delay(delay: object) -> bool:
    """0 to ``MAX_REPLY_DELAY`` seconds (compared exactly: an integer of any size, NaN and infinity refused)."""
    return not isinstance(delay, bool) and isinstance(delay, int | float) and 0 <= delay <= MAX_REPLY_DELAY


@dataclass(frozen=True, slots=True)
class ReplySettings:
    """How dispatches are answered (the module docstring)."""

    auto_reply: bool = True
    reply_delay: float = 5.0
    answer_known_faults: bool = True

    def __post_init__(self) -> None:
        if not _is_delay(self.reply_delay):
            raise ValueError(f"reply_delay must be 0 to {MAX_REPLY_DELAY} seconds")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def changed(self, spec: Any) -> ReplySettings:
        """These settings with ``spec``'s (``POST /nsp/settings``); ``NoticeSpecError`` (400) names what is wrong."""
        if not isinstance(spec, dict):
            raise NoticeSpecError("the body is a JSON object")
        problem = unknown_keys_problem(spec, SETTING_KEYS)
        if problem:
            raise NoticeSpecError(problem)
        for key in ("auto_reply", "answer_known_faults"):
            if key in spec and not isinstance(spec[key], bool):
                raise NoticeSpecError(f"'{key}' must be true or false")
        delay = spec.get("reply_delay", self.reply_delay)
        if not _is_delay(delay):
            raise NoticeSpecError(f"'reply_delay' must be a number of seconds, 0 or more and at most {MAX_REPLY_DELAY}")
        return replace(self, **{**spec, "reply_delay": float(delay)})
