"""An emulator's log line carries each field once: the event's name is the message, its fields the record's extras
(audit: on a terminal every field was printed twice, rendered into the message and again as ``fields={…}``)."""

from __future__ import annotations

import io
import json
import logging

import pytest

from emulators.toolkit.logs import emulator_logger, log_event
from hub.observability import configure_logging

pytestmark = pytest.mark.unit


def _logged(log_format: str, **fields: object) -> str:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("DEBUG", log_format, stream)  # type: ignore[arg-type]
        log_event(emulator_logger("boss"), logging.INFO, "boss.hlr_sync", **fields)
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    return stream.getvalue().strip()


def test_a_terminal_line_shows_the_event_then_each_field_once_masked() -> None:
    line = _logged("text", msisdn="151-7003-3481", changed=["ALTERNATE_LINE"], note="two words")
    assert line.count("ALTERNATE_LINE") == 1 and line.count("boss.hlr_sync") == 1
    assert line.endswith('emulators.boss       boss.hlr_sync  msisdn=151****3481 changed=["ALTERNATE_LINE"] '
                         'note="two words"'), line


def test_a_json_line_has_the_event_and_the_fields_as_keys() -> None:
    entry = json.loads(_logged("json", msisdn="15170033481", changed=["ALTERNATE_LINE"]))
    assert {k: v for k, v in entry.items() if k != "ts"} == {
        "level": "info", "logger": "onepoint.emulators.boss", "event": "boss.hlr_sync", "msisdn": "151****3481",
        "changed": ["ALTERNATE_LINE"]}


def test_fields_named_like_a_record_attribute_or_a_json_key_are_kept_beside_them() -> None:
    entry = json.loads(_logged("json", name="x", msg="y", level="z", event="e", logger="l", seed=42))
    assert (entry["event"], entry["level"], entry["logger"]) == ("boss.hlr_sync", "info", "onepoint.emulators.boss")
    assert (entry["name_"], entry["msg_"], entry["level_"], entry["event_"], entry["logger_"], entry["seed"]) == (
        "x", "y", "z", "e", "l", 42)

