"""Scripted notices: raise, clear and withdraw OutageNotices at fixed offsets after the emulator starts (or is reset).

A TOML or JSON file (or the same data passed as a list of events)::

    [[events]]
    at = 5                      # seconds after start
    raise = "fibre-cut"         # a name for the notice, used by the clear below
    kind = "FAULT"
    title = "Fibre cut, Futian district"
    areas = ["0755"]
    services = ["VOICE", "DATA"]
    wording = "A fibre cut in Futian affects calls and data; repair expected by 18:00."

    [[events]]
    at = 65
    clear = "fibre-cut"
    wording = "Service in Futian was restored at 10:05."   # optional: the wording of the CLEARED revision

A notice issued in error is withdrawn instead (sent as WITHDRAWN: there was no outage)::

    [[events]]
    at = 30
    withdraw = "fibre-cut"
    reason = "The alarm came from a faulty sensor."        # optional: the WithdrawalReason

Every other key of a ``raise`` event is a notice field (see :mod:`emulators.nsp.notices`), a ``clear`` event takes
only ``wording``, a ``withdraw`` event ``reason`` and ``wording``: any other key is refused. The file is checked
when the emulator is created: a bad file fails at start, not when its event comes due.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulators.nsp.notices import NoticeSpecError, parse_notice_spec
from emulators.toolkit.jsonkeys import unknown_keys_problem
from emulators.toolkit.xmltext import XmlTextError, check_json_text

__all__ = ["ScriptEvent", "load_script"]

_ACTIONS = ("raise", "clear", "withdraw")
_TAKES = {"clear": ("wording",), "withdraw": ("reason", "wording")}  # what each event after a raise takes


@dataclass(frozen=True, slots=True)
class ScriptEvent:
    at: float
    action: str  # "raise" | "clear" | "withdraw"
    name: str
    spec: dict[str, Any]


def _read(source: str | Path) -> Any:
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"cannot read the notice script {path}: {exc.strerror}") from exc
    try:
        return json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"the notice script {path} is not valid {path.suffix or 'TOML'}: {exc}") from exc


def load_script(source: str | Path | list[Any] | dict[str, Any]) -> list[ScriptEvent]:
    """The events of a script (a path, ``{"events": [...]}`` or a list of events), sorted by ``at``."""
    data = _read(source) if isinstance(source, str | Path) else source
    events_raw = data.get("events") if isinstance(data, dict) else data
    if not isinstance(events_raw, list):
        raise ValueError("a notice script holds a list of events ([[events]] in TOML)")
    events: list[ScriptEvent] = []
    for number, raw in enumerate(events_raw, 1):
        if not isinstance(raw, dict):
            raise ValueError(f"event {number}: an event is a table/object")
        at = raw.get("at")
        if isinstance(at, bool) or not isinstance(at, int | float) or at < 0:
            raise ValueError(f"event {number}: 'at' must be a number of seconds >= 0")
        actions = [key for key in _ACTIONS if key in raw]
        if len(actions) != 1 or not isinstance(raw[actions[0]], str):
            raise ValueError(f"event {number}: give exactly one of raise = \"name\", clear = \"name\" or "
                             "withdraw = \"name\"")
        action, name = actions[0], raw[actions[0]]
        spec = {k: v for k, v in raw.items() if k not in ("at", *_ACTIONS)}
        if action == "raise":
            try:
                parse_notice_spec(spec, now=0.0, notice_id="FLT-00000000-0000")
            except NoticeSpecError as exc:
                raise ValueError(f"event {number} ({name}): {exc}") from exc
        else:
            problem = unknown_keys_problem(spec, _TAKES[action], where=f"a {action} event")
            if problem:
                raise ValueError(f"event {number} ({name}): {problem}")
            try:
                check_json_text(spec)  # the CLEARED / WITHDRAWN revision's texts go into an OutageNotice too
            except XmlTextError as exc:
                raise ValueError(f"event {number} ({name}): {exc}") from exc
        events.append(ScriptEvent(float(at), action, name, spec))
    events.sort(key=lambda e: e.at)
    seen: set[str] = set()
    for event in events:
        if event.action == "raise":
            seen.add(event.name)
        elif event.name not in seen:
            raise ValueError(f"{event.action} {event.name!r} at +{event.at:g} s comes before any raise of it")
    return events
