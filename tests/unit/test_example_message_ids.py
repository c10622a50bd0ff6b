"""Every valid schema example carries a MessageId of its own: the contract tests send them all through one hub,
where a MessageId already used for another document is refused (message-id-reused)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "examples"


def test_valid_examples_do_not_share_a_message_id() -> None:
    ids: Counter[str] = Counter()
    for path in EXAMPLES.glob("*/*.valid*.xml"):
        found = re.search(rb"<(?:\w+:)?MessageId>([^<]+)<", path.read_bytes())
        if found:
            ids[found.group(1).decode()] += 1
    assert ids, "no examples found"
    assert [message_id for message_id, n in ids.items() if n > 1] == []
