"""Districts as people write them, compared: whether a customer's district lies in the district an outage names.

A notice names its district in free text, often with a landmark after it ("Futian, around Shenzhen Civic
Center", "福田区华强北一带"), the city first ("深圳市福田区") or several districts joined by a word ("禅城区和南海区");
a complaint or a subscriber record names one district, with or without its suffix ("Futian District", "福田区",
"futian"). They match when the customer's district is one of the names the notice gives, compared without case
after Unicode NFKC (full-width "Ｆｕｔｉａｎ" is "Futian"). The names are the parts between separators: commas,
semicolons, colons, slashes, bars, brackets, "、", "&", a spaced dash ("Futian - around …"), the word "and", a
space between two Chinese names ("福田 罗湖") and "和"/"及"/"与" (and) between two Chinese names of at least two
characters each ("福田区和罗湖区"; not inside 平和县, 共和县, 太和县, which are counties, nor before a suffix).
Each part is then read as one name: a leading "around"/"near"/"in"/"at" and trailing "附近"/"一带"/"周边"/"等"/
"等地" (nearby, and so on) left out; a leading province ("广东省", "…自治区") and city ("深圳市", "…自治州") left
out when a district's name follows; a landmark after a district's suffix left out ("福田区华强北" is 福田区); and
its suffix ("District", "新区", "区", "县", "市" of a county-level city: 四会市 is 四会) left out. "Futian
District" and "福田区" are covered by a notice for "Futian" / "福田" or "福田区附近"; "Shenzhen" or "Center" are not
covered by the Futian notice above, nor is "Long" by "Longgang" (a name is never matched by a piece of it), nor
"南山区" by "南海区".
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["district_covers", "district_name", "district_names"]

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff"
# "和"/"及"/"与" join two names of two Han characters or more: the one before not itself after a conjunction
# ("南开区和和平区"), the one after not a bare suffix ("太和县" is one county).
_CONJUNCTION = rf"(?<=[{_HAN}]{{2}})(?<![和及与])[和及与](?=[{_HAN}]{{2}})(?![区县市旗])"
_PARTS = re.compile(rf"[,;:/|()（）、&，；：]+|\s+[-–—]+\s+|\s+and\s+|(?<=[{_HAN}])\s+(?=[{_HAN}])|{_CONJUNCTION}")
_SUFFIX = re.compile(r"(?:\s+(?:district|county|new district)|\s*(?:新区|区|县|市))$")
_NEARBY = re.compile(r"(?:\s*(?:附近|一带|周边|等地|等))+$")
_LEADING = re.compile(r"^(?:around|near|in|at)\s+")
# A province, then a city, before a district's name of two Han characters or more: "广东省深圳市福田区" is 福田区,
# "肇庆市四会市" is 四会市, "四会市" stays (nothing follows its 市), as does "市中区" (a district of Jinan).
_REGION = re.compile(rf"^(?:[{_HAN}]{{2,}}?(?:省|自治区))?(?:[{_HAN}]{{2,}}?(?:市|自治州))?(?=[{_HAN}]{{2}})")
# A district's name with a landmark glued after its suffix: "福田区华强北" → "福田区", "浦东新区张江" → "浦东新区".
_LANDMARK = re.compile(rf"^[{_HAN}]+?(?:新区|区|县)(?=[{_HAN}])")


def _folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def district_name(text: str) -> str:
    """One district's name compared: NFKC, case folded, spaces collapsed, a leading "around", a trailing "附近",
    the province and city before it, a landmark after it and its suffix left out ("Futian District", "福田区附近",
    "深圳市福田区华强北一带" → "futian", "福田", "福田")."""
    name = _LEADING.sub("", _folded(text))
    name = _NEARBY.sub("", name)
    name = _REGION.sub("", name, count=1)
    if landmark := _LANDMARK.match(name):
        name = landmark.group(0)
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
