"""Fixed-line numbers in the free text of listener events and ``onepoint workorders show``
(``hub.observability.fixed_lines``): a contact number a dispatch replaced is no longer the row's, and no mobile
number, so neither the work order's own numbers nor the free-text masking hid it (review of the dispatch numbers).
What it must not take for a number: dates, times, amounts, ids."""

from __future__ import annotations

import pytest

from hub.observability.fixed_lines import mask_fixed_lines_in
from hub.observability.masking import mask_msisdn_tail

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("written", "masked"), [
    ("office line 0755-83765432 dead", "office line ********5432 dead"),
    ("(010) 6552 9988", "*******9988"),
    ("+86 755 8376 5432", "*********5432"),
    ("0086-10-65529988", "**********9988"),
    ("电话０７５５－８３７６５４３２", "电话********5432"),
    ("Tel0755-83765432", "Tel********5432"),
    ("075583765432-801", "********5432-801"),
    ("(0755)83765432, 028 8765 4321", "********5432, *******4321"),
    # a bracketed country code, a "(0)" trunk (audit: these stayed whole in the events and workorders show)
    ("call (+86)755-83765432", "call *********5432"),
    ("(+86) 755 8376 5432", "*********5432"),
    ("+86 (0)10 6552 9988", "*********9988"),
    ("(+86)10-65529988", "********9988"),
    ("(0086) (0)755 8376 5432", "************5432"),
])
def test_a_fixed_line_number_is_masked_however_spelt(written: str, masked: str) -> None:
    assert mask_fixed_lines_in(written, mask_msisdn_tail) == masked


@pytest.mark.parametrize("text", [
    "2026-12-07 08:40:00+08:00", "2026-10-23 23:30", "2026/02/12 23:59", "2026-01-21T23:59:59", "0830-1730",
    "0.50 yuan", "12.50", "WO20261207075583765432", "1b4e28ba2fa111d2883f00755837654321", "10086", "400-820-8820",
    "13800138000", "02012345678", "0755837654321", "id 1075583765432", "no digits at all",
    # near the bracketed country code and the "(0)" trunk: a date, an amount, a longer run of digits
    "(+86) 2026-12-07 08:40", "+86 (0)10 2026-12-07", "fee (+86) 10.50 yuan", "(+86)10-655299881234",
    "(0)10 2026/12/07",
])
def test_dates_amounts_ids_and_other_numbers_are_left_alone(text: str) -> None:
    assert mask_fixed_lines_in(text, mask_msisdn_tail) == text
