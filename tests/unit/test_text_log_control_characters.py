"""The text log format (a terminal's) writes no control character nor bidi override that a request carried: an
answer mail's From domain ``exa\\x1b[2J\\x1b[41mmple.com`` cleared the operator's screen (security audit). They are
escaped in the fields' values (quoted, JSON-style) and in the message; the JSON format is unchanged."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from hub.observability import JsonFormatter, MaskingFilter, TextFormatter

pytestmark = pytest.mark.unit

HOSTILE = [
    "exa\x1b[2J\x1b[41mmple.com",  # ANSI: clear the screen, red background
    "a\x07b",  # BEL
    "a\x7fb",  # DEL
    "a\x9bb",  # C1 CSI
    "cs-front\u202eend",  # right-to-left override
    "x\u2066y\u2069",  # isolates
    "two\nlines",
    "cr\rover",
]
UNSAFE = {chr(c) for c in [*range(0x20), *range(0x7f, 0xa0), *range(0x202a, 0x202f), *range(0x2066, 0x206a)]}


def _record(message: str, **fields: object) -> logging.LogRecord:
    record = logging.LogRecord("onepoint.ingress", logging.WARNING, __file__, 1, message, None, None)
    record.__dict__.update(fields)
    assert MaskingFilter().filter(record)
    return record


@pytest.mark.parametrize("value", HOSTILE)
def test_a_fields_control_characters_are_escaped_on_a_text_line(value: str) -> None:
    line = TextFormatter().format(_record("answer mail refused", sender=value, nested={"k": [value]}))
    assert not UNSAFE & set(line), repr(line)
    assert line.count("sender=") == 1 and line.endswith("]}")


@pytest.mark.parametrize("value", HOSTILE)
def test_the_messages_control_characters_are_escaped_on_a_text_line(value: str) -> None:
    line = TextFormatter().format(_record(f"refused {value}"))
    assert not UNSAFE & set(line), repr(line)


def test_the_escapes_say_which_character_it_was() -> None:
    line = TextFormatter().format(_record("from exa\x1b[2J", sender="exa\x1b[2J\u202e"))
    assert "from exa\\x1b[2J" in line
    assert json.loads(line.split("sender=", 1)[1]) == "exa\x1b[2J\u202e"  # quoted JSON-style: read back as it was
    from hub.observability.printable import printable

    assert printable("a\x1bb\u202ec\x9b") == "a\\x1bb\\u202ec\\x9b"


def test_plain_values_and_printable_text_stay_as_they_are() -> None:
    line = TextFormatter().format(_record("work order created", tier="VIP_GOLD", customer="张三", note="two words"))
    assert line.endswith('work order created  tier=VIP_GOLD customer=张三 note="two words"')


def test_a_tracebacks_control_characters_are_escaped_line_by_line() -> None:
    try:
        raise ValueError("bad \x1b[2J header")
    except ValueError:
        record = logging.LogRecord("onepoint.x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    _, *rest = TextFormatter().format(record).splitlines()
    assert rest[0].startswith("  Traceback") and rest[-1] == "  ValueError: bad \\x1b[2J header"


def test_the_json_format_is_unchanged() -> None:
    record = _record("refused \x1b[2J", sender="exa\x1b[2J\u202e")
    entry = json.loads(JsonFormatter().format(record))
    assert (entry["event"], entry["sender"]) == ("refused \x1b[2J", "exa\x1b[2J\u202e")


def test_a_line_break_in_an_exceptions_message_cannot_forge_a_log_line() -> None:
    formatter = TextFormatter()
    try:
        raise ValueError("bad\n12:00:00.000 INFO    ingress              accepted  caller=admin")
    except ValueError:
        record = logging.LogRecord("onepoint.x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    lines = formatter.format(record).split("\n")
    assert all(line.startswith("  ") for line in lines[1:])
