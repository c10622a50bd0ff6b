"""``new_work_order_id``: WO, the date in the time's own zone, eight characters of [0-9A-Z] drawn uniformly."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from hub.workflow.store.records import WORK_ORDER_ID, new_work_order_id

pytestmark = pytest.mark.unit


def test_the_id_carries_the_date_of_the_time_in_its_own_zone() -> None:
    late_utc = datetime(2026, 3, 4, 20, 30, tzinfo=UTC)  # already 5 March in Shanghai
    assert new_work_order_id(late_utc).startswith("WO20260304")
    assert new_work_order_id(late_utc.astimezone(ZoneInfo("Asia/Shanghai"))).startswith("WO20260305")


def test_ids_match_the_pattern_differ_and_use_every_character_about_equally() -> None:
    ids = [new_work_order_id(datetime(2026, 1, 9, tzinfo=UTC)) for _ in range(36_000)]
    assert all(WORK_ORDER_ID.match(i) for i in ids) and len(set(ids)) == len(ids)
    for position in range(10, 18):  # each position: 1,000 expected per character; far outside it would be a bias
        counts = Counter(i[position] for i in ids)
        assert len(counts) == 36 and min(counts.values()) > 800 and max(counts.values()) < 1200
