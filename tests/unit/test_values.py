"""``value_class``: slots dataclasses at run time, frozen for the type checker (mypy refuses assignments)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from mypy import api as mypy_api

from hub.envelope import Envelope
from hub.transport.message import Message
from hub.values import value_class

pytestmark = pytest.mark.unit


@value_class
class Point:
    x: int
    y: int = 0


def test_a_value_class_is_a_slots_dataclass() -> None:
    point = Point(1)
    assert dataclasses.is_dataclass(point)
    assert Point.__slots__ == ("x", "y")
    assert not hasattr(point, "__dict__")
    assert dataclasses.replace(point, y=2) == Point(1, 2)
    assert point == Point(1, 0)


def test_the_messages_of_the_hot_path_are_value_classes() -> None:
    for cls in (Message, Envelope):
        assert dataclasses.is_dataclass(cls)
        assert "__slots__" in cls.__dict__
        assert not cls.__dataclass_params__.frozen  # type: ignore[attr-defined]  # the point: cheap to build


def test_mypy_refuses_assigning_to_a_field_of_a_value_class(tmp_path: Path) -> None:
    program = tmp_path / "assigns.py"
    program.write_text(
        "from hub.transport.message import Message\n"
        "from hub.envelope import Envelope\n"
        "m = Message(body=b'x')\n"
        "m.routing_key = 'y'\n"
        "def f(e: Envelope) -> None:\n"
        "    e.message_id = 'z'\n"
    )
    out, _err, status = mypy_api.run(["--strict", "--no-incremental", "--follow-imports=silent",
                                      "--ignore-missing-imports", "--cache-dir", str(tmp_path / "cache"),
                                      str(program)])
    assert status == 1, out
    assert 'Property "routing_key" defined in "Message" is read-only' in out
    assert 'Property "message_id" defined in "Envelope" is read-only' in out
