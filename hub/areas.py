"""Districts as people write them, compared: whether a customer's district lies in the district an outage names.

A notice names its district in free text, often with a landmark after it ("Futian, around Shenzhen Civic
Center"); a complaint or a subscriber record names one district, with or without its suffix ("Futian District",
"福田区", "futian"). They match when the customer's district is one of the names the notice gives (its parts
between commas and the like, each with its suffix and a leading "around"/"near" left out), compared without case:
"Futian District" and "福田区" are covered by a notice for "Futian" / "福田"; "Shenzhen" or "Center" are not covered
by the Futian notice above, nor is "Long" by "Longgang" (a name is never matched by a piece of it).
"""

from __future__ import annotations

import re

__all__ = ["district_covers", "district_name"]

_PARTS = re.compile(r"[,;，；、/|()（）]+")
_SUFFIX = re.compile(r"(?:\s+(?:district|county|new district)|\s*(?:新区|区|县))$")
_LEADING = re.compile(r"^(?:around|near|in|at)\s+")


def district_name(text: str) -> str:
    """One district's name compared: case folded, spaces collapsed, its suffix left out ("Futian District",
    "福田区" → "futian", "福田")."""
    name = " ".join(text.casefold().split())
    name = _LEADING.sub("", name)
    return _SUFFIX.sub("", name).strip()


def district_covers(named: str, district: str | None) -> bool:
    """Whether the customer's ``district`` is one of the districts ``named`` (a notice's district text) gives."""
    if district is None or not district.strip():
        return False
    wanted = district_name(district)
    return bool(wanted) and any(district_name(part) == wanted for part in _PARTS.split(named) if part.strip())
