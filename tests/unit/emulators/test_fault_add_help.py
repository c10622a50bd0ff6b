"""``onepoint emulator fault add --help`` says what an unscoped fault hits: the operation requests only, never the
WSDL, feeds or the emulator's own routes unless ``requests=all``."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from hub.cli.emulate import emulator

pytestmark = pytest.mark.unit


def test_the_operation_option_says_what_an_unscoped_fault_hits() -> None:
    result = CliRunner().invoke(emulator, ["fault", "http://127.0.0.1:9", "add", "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "every request" not in text
    assert "default: every operation request" in text
    assert "not GET ?wsdl, feeds, lists or the emulator's own routes" in text and "-p requests=all" in text
