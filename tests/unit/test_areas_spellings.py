"""hub.areas after the audit: more separators, "附近"/"一带" left out, NFKC (full-width letters)."""

from __future__ import annotations

import pytest

from hub.areas import district_covers

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("named", "district"), [
    ("Futian: around Shenzhen Civic Center", "Futian"),
    ("Futian - around Shenzhen Civic Center", "Futian"),
    ("Futian and Luohu", "Luohu"),
    ("Futian & Luohu", "Futian"),
    ("福田 罗湖", "罗湖"),
    ("福田区附近", "福田区"),
    ("福田一带", "福田"),
    ("福田：市民中心附近", "福田区"),
    ("Ｆｕｔｉａｎ", "Futian"),
    ("Futian", "Ｆｕｔｉａｎ District"),
    ("Futian, around Shenzhen Civic Center", "Futian District"),
    ("福田区、罗湖区", "罗湖"),
])
def test_a_notice_covers_the_districts_it_names(named: str, district: str) -> None:
    assert district_covers(named, district)


@pytest.mark.parametrize(("named", "district"), [
    ("Futian: around Shenzhen Civic Center", "Shenzhen"),
    ("Futian and Luohu", "and"),
    ("Longgang", "Long"),
    ("Futian District", "Futian New"),
    ("Bao-an", "Bao"),  # a dash inside a name is no separator
    ("福田区附近", "附近"),
])
def test_a_notice_does_not_cover_pieces_or_landmarks(named: str, district: str) -> None:
    assert not district_covers(named, district)
