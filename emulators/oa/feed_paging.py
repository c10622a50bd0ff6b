"""Paging and conditional GET of the OA feeds: RFC 5005 (Feed Paging) links and HTTP validators.

A manager with thousands of open to-dos does not fetch them all on every poll. A feed is served a page at a
time, newest first (by ``(updated, item id)``): ``?page=N`` (from 1) and ``?size=M`` (1-500, default 100). Each
page carries the RFC 5005 links ``first``, ``last``, ``previous`` (by page number) and ``next`` where there is
one, so a feed reader follows ``next`` until there is none. ``next`` carries a stable cursor, not a page number:
``?after=<updated>~<item id>`` of the page's last entry (keyset), and that page holds the entries after it in the
order, so an item read or withdrawn between two pages does not push an older one onto the page already fetched
(never shown), nor does a push shift one onto the next page twice. Page 1 always exists (empty when the inbox
is), a page past the last is a 404 naming the last. A query parameter the feed does not take, a page or size that
is not a whole number in range, or a cursor that is none (or given with a page) is a 400 naming it
(``unknown-key``, ``invalid-page``, ``invalid-size``, ``invalid-after``).

Every page has a strong ``ETag`` (a digest of the page as served) and, once a second has passed since the feed's
last change, ``Last-Modified`` (its ``updated``): a reader sending ``If-None-Match`` (or, without it,
``If-Modified-Since``) gets ``304 Not Modified`` when nothing changed, RFC 9110 section 13.1.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Protocol, TypeVar
from urllib.parse import urlencode

from emulators.oa.state import InboxError
from emulators.toolkit.jsonkeys import unknown_keys_problem

__all__ = ["DEFAULT_SIZE", "MAX_SIZE", "FeedPage", "entity_tag", "http_date", "last_modified", "not_modified",
           "read_paging"]

DEFAULT_SIZE = 100
MAX_SIZE = 500
CURSOR_SEPARATOR = "~"


class Entry(Protocol):
    """What a feed's entry is ordered by (newest first)."""

    @property
    def updated(self) -> float: ...

    @property
    def item_id(self) -> str: ...


Item = TypeVar("Item", bound=Entry)


@dataclass(frozen=True, slots=True)
class FeedPage:
    """Page ``number`` (from 1) of ``size`` entries; or, with ``after``, the ``size`` entries after that cursor."""

    number: int = 1
    size: int = DEFAULT_SIZE
    after: tuple[float, str] | None = None

    def last(self, total: int) -> int:
        """The number of the last page of ``total`` entries (1 when there are none)."""
        return max(1, -(-total // self.size))

    def entries(self, items: list[Item]) -> list[Item]:
        """This page's share of ``items`` (newest first); ``InboxError`` 404 for a page past the last."""
        if self.after is not None:
            after = self.after
            return [item for item in items if (item.updated, item.item_id) < after][:self.size]
        last = self.last(len(items))
        if self.number > last:
            raise InboxError(404, "no-such-page", f"page {self.number} of a feed of {len(items)} entries: its last "
                                                  f"page is {last} (size {self.size})")
        start = (self.number - 1) * self.size
        return items[start:start + self.size]

    def links(self, base_url: str, items: list[Item]) -> dict[str, str]:
        """The RFC 5005 links of this page: rel -> URL (``self`` too); ``next`` names the cursor after its last
        entry."""
        shown = self.entries(items)
        last = self.last(len(items))
        links = {"self": self._url(base_url, self.number, self.after), "first": self._url(base_url, 1),
                 "last": self._url(base_url, last)}
        if self.after is None and self.number > 1:
            links["previous"] = self._url(base_url, self.number - 1)
        if shown and items.index(shown[-1]) < len(items) - 1:
            links["next"] = self._url(base_url, 1, (shown[-1].updated, shown[-1].item_id))
        return links

    def _url(self, base_url: str, number: int, after: tuple[float, str] | None = None) -> str:
        """Page ``number``'s URL (or the cursor ``after``'s): the feed's own for page 1 at the default size (the
        address a reader subscribes to)."""
        query: dict[str, str | int] = {}
        if after is not None:
            query["after"] = f"{after[0]!r}{CURSOR_SEPARATOR}{after[1]}"
        elif number > 1:
            query["page"] = number
        if self.size != DEFAULT_SIZE:
            query["size"] = self.size
        return f"{base_url}?{urlencode(query)}" if query else base_url


def _cursor(params: Mapping[str, str]) -> tuple[float, str] | None:
    text = params.get("after")
    if text is None:
        return None
    updated, separator, item_id = text.partition(CURSOR_SEPARATOR)
    try:
        moment = float(updated)
    except ValueError:
        moment = float("nan")
    if not separator or not item_id or moment != moment or moment in (float("inf"), float("-inf")) \
            or "page" in params:
        raise InboxError(400, "invalid-after", f"after must be a feed's cursor (<updated>~<item id>, from a 'next' "
                                               f"link; not with a page), not {text!r}")
    return moment, item_id


def _whole(params: Mapping[str, str], name: str, default: int, high: int | None) -> int:
    text = params.get(name)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit()) or int(text) < 1 or (high is not None and int(text) > high):
        bound = f"1 to {high}" if high is not None else "1 or more"
        raise InboxError(400, f"invalid-{name}", f"{name} must be a whole number from {bound}, not {text!r}")
    return int(text)


def read_paging(params: Mapping[str, str]) -> FeedPage:
    """The page a feed request asks for (``page``, ``size``); ``InboxError`` 400 naming what is wrong."""
    problem = unknown_keys_problem(params, ("page", "size", "after"), where="the feed's query")
    if problem:
        raise InboxError(400, "unknown-key", problem)
    return FeedPage(_whole(params, "page", 1, None), _whole(params, "size", DEFAULT_SIZE, MAX_SIZE), _cursor(params))


def entity_tag(body: bytes) -> str:
    """A strong ETag of the page as served."""
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def http_date(moment: float) -> str:
    """``moment`` (epoch seconds) as an HTTP date (``Last-Modified``)."""
    return format_datetime(datetime.fromtimestamp(moment, UTC), usegmt=True)


def last_modified(updated: float, now: float) -> str | None:
    """``Last-Modified`` for a feed last changed at ``updated``: only once a whole second has passed since (RFC 9110
    8.8.2.2: a change within the second of the date sent could otherwise go unseen by ``If-Modified-Since``)."""
    return http_date(updated) if now - updated >= 1 else None


def not_modified(headers: Mapping[str, str], etag: str, updated: float, now: float) -> bool:
    """Whether the reader's copy is current: its ``If-None-Match`` names ``etag`` (or ``*``); without one, its
    ``If-Modified-Since`` is not before ``updated`` (whole seconds, as HTTP dates are; a date after ``now`` is
    ignored, RFC 9110 13.1.3)."""
    wanted = headers.get("if-none-match")
    if wanted is not None:
        tags = {tag.strip().removeprefix("W/") for tag in wanted.split(",")}
        return "*" in tags or etag in tags
    since = headers.get("if-modified-since")
    if since is None:
        return False
    try:
        moment = parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False  # an unreadable date is ignored (RFC 9110 13.1.3)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(updated) <= moment.timestamp() <= now
