"""Districts as people write them, compared: whether a customer's district lies in the district an outage names.

A notice names its district in free text, often with a landmark after it ("Futian, around Shenzhen Civic
Center"); a complaint or a subscriber record names one district, with or without its suffix ("Futian District",
"福田区", "futian"). They match when the customer's district is one of the names the notice gives, compared without
case after Unicode NFKC (full-width "Ｆｕｔｉａｎ" is "Futian"). The names are the parts between separators: commas,
semicolons, colons, slashes, bars, brackets, "、", "&", a spaced dash ("Futian - around …"), the word "and", and a
space between two Chinese names ("福田 罗湖"); each part with a leading "around"/"near"/"in"/"at", a trailing
"附近"/"一带"/"周边" (nearby) and then its suffix ("District", "区", "县", …) left out. "Futian District" and "福田区"
are covered by a notice for "Futian" / "福田" or "福田区附近"; "Shenzhen" or "Center" are not covered by the Futian
notice above, nor is "Long" by "Longgang" (a name is never matched by a piece of it).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["district_covers", "district_name", "district_names"]

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff"
_PARTS = re.compile(rf"[,;:/|()（）、&，；：]+|\s+[-–—]+\s+|\s+and\s+|(?<=[{_HAN}])\s+(?=[{_HAN}])")
_SUFFIX = re.compile(r"(?:\s+(?:district|county|new district)|\s*(?:新区|区|县))$")
_NEARBY = re.compile(r"\s*(?:附近|一带|周边)$")
_LEADING = re.compile(r"^(?:around|near|in|at)\s+")


def _folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def district_name(text: str) -> str:
    """One district's name compared: NFKC, case folded, spaces collapsed, a leading "around", a trailing "附近"
    and its suffix left out ("Futian District", "福田区附近" → "futian", "福田")."""
    name = _LEADING.sub("", _folded(text))
    name = _NEARBY.sub("", name)
    return _SUFFIX.sub("", name).strip()


def district_names(named: str) -> set[str]:
    """The district names a notice's district text gives (compared forms)."""
    return {name for part in _PARTS.split(_folded(named)) if (name := district_name(part))}


def district_covers(named: str, district: str | None) -> bool:
    """Whether the customer's ``district`` is one of the districts ``named`` (a notice's district text) gives."""
    if district is None or not district.strip():
        return False
    wanted = district_name(district)
    return bool(wanted) and wanted in district_names(named)
