"""Who reads an outage notice in OA: the managers of each area, and the link their to-read item carries.

From ``[adapters.oa]``::

    notice_link = "http://hub.example/bulletin?notice={notice_id}"   # {notice_id} filled in: the notice's page
    [adapters.oa.area_managers]
    "0755" = ["mgr-0755-01", "mgr-0755-02"]                    # area code -> OA user ids

A notice for an area nobody is named for reaches no manager in OA (the bulletin still shows it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["AreaManagers"]

_AREA = re.compile(r"0[1-9][0-9]{1,2}")                 # c:AreaCode
_USER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,31}")  # c:PartyId


@dataclass(frozen=True, slots=True)
class AreaManagers:
    by_area: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    notice_link: str = ""

    def managers_of(self, area_codes: Iterable[str]) -> tuple[str, ...]:
        """The managers of these areas, each once, in the order of the areas and of their lists."""
        return tuple(dict.fromkeys(user for code in area_codes for user in self.by_area.get(code, ())))

    def link_for(self, notice_id: str) -> str:
        return self.notice_link.format(notice_id=notice_id)

    @classmethod
    def from_options(cls, options: Mapping[str, Any], where: str = "[adapters.oa]") -> AreaManagers:
        """From the adapter's options (``AdapterSettings.options``); ``ValueError`` names the bad entry."""
        table = options.get("area_managers", {})
        if not isinstance(table, dict):
            raise ValueError(f"{where}: area_managers must be a table of area code = [user ids]")
        by_area: dict[str, tuple[str, ...]] = {}
        for code, users in table.items():
            if not _AREA.fullmatch(code):
                raise ValueError(f"{where}: area_managers: {code!r} is not an area code such as \"0755\"")
            if not isinstance(users, list) or not all(isinstance(u, str) and _USER.fullmatch(u) for u in users):
                raise ValueError(f"{where}: area_managers.{code} must be a list of OA user ids, not {users!r}")
            by_area[code] = tuple(users)
        link = options.get("notice_link", "")
        if not isinstance(link, str) or (by_area and not re.fullmatch(r"https?://\S+", link)):
            raise ValueError(f"{where}: notice_link must be an http(s) URL (with {{notice_id}}), not {link!r}")
        try:
            link.format(notice_id="FLT-20260101-0001")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"{where}: notice_link may only use {{notice_id}}: {exc}") from None
        return cls(by_area, link)
