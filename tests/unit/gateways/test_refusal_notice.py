"""What a requester is told of a system's refusal (``hub.gateways.refusal_notice``): the system, its code and the
first line of its text, with no internal address and no customer's number left whole."""

from __future__ import annotations

import pytest

from hub.gateways.refusal_notice import MOST_TEXT, refusal_notice

pytestmark = pytest.mark.unit


def test_the_system_its_code_and_its_first_line_are_told() -> None:
    told = refusal_notice("boss", "Client.AccountFrozen", "account frozen by billing\nat BossService.java:212")
    assert told == "boss refused it: Client.AccountFrozen: account frozen by billing"


@pytest.mark.parametrize(("said", "hidden"), [
    ("see http://boss.internal:8080/admin for details", "boss.internal"),
    ("db 10.20.30.40:1521 refused the login", "10.20.30.40"),
    ("node boss-db-2.local:5432 is down", "boss-db-2.local"),
    ("trace in /opt/boss/logs/error.log", "/opt/boss"),
    ("ORA-12541: no listener at (HOST=db1.boss.local)(PORT=1521)", "db1.boss.local"),
])
def test_internal_addresses_are_hidden(said: str, hidden: str) -> None:
    told = refusal_notice("boss", "Client.Refused", said)
    assert hidden not in told and "[…]" in told


@pytest.mark.parametrize(("said", "number", "tail"), [
    ("subscriber 13800138000 is barred", "13800138000", "*******8000"),
    ("contact 0755-83765432 unreachable", "0755-83765432", "*********5432"),
    ("contact 020 12345678 unreachable", "020 12345678", "********5678"),
    # the forms of a fixed line customers and systems write (regression audit: each was shown whole)
    ("contact 0755-83765432-801 not valid", "83765432", "*********5432-*** not valid"),
    ("contact 0755-8376-5432 not valid", "8376", "**********5432 not valid"),
    ("contact (0755)83765432 not valid", "0755", "**********5432 not valid"),
    ("contact +86 755 8376 5432 not valid", "755 8376", "************5432 not valid"),
    ("contact 0086-755-83765432 not valid", "83765432", "************5432 not valid"),
    ("contact 0755 83765432 转 801 not valid", "83765432", "*********5432 转 *** not valid"),
])
def test_numbers_are_masked_but_for_their_last_four_digits(said: str, number: str, tail: str) -> None:
    told = refusal_notice("crm", "Client.Rejected", said)
    assert number not in told and tail in told


def test_a_long_text_is_cut() -> None:
    told = refusal_notice("oa", "HTTP 409", "x" * 500)
    assert told.endswith("…") and len(told) <= len("oa refused it: HTTP 409: ") + MOST_TEXT
