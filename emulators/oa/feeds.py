"""Atom 1.0 (RFC 4287) feeds of an OA user's inboxes: ``/feeds/<user>/todo.atom`` and ``/feeds/<user>/toread.atom``.

A feed lists the open items of one inbox, newest first, a page at a time (``emulators.oa.feed_paging``). Feed:
``id`` ``urn:onepoint:oa:feed:<user>:<inbox>``, title, updated (the latest change in that inbox, including items
closed since), author, the ``self`` link and the RFC 5005 paging links (``first``, ``last``, ``next``,
``previous``), generator. Entry:
``id`` ``urn:onepoint:oa:item:<ItemId>`` (stable across re-pushes, which move ``updated``), title, published,
updated, ``alternate`` link to the item's Link (the work order page), ``category`` with scheme
``urn:onepoint:oa:inbox`` and term ``todo`` or ``toread`` (plus one for the priority), summary when pushed with
one, and a text content with due time, priority and work order.
"""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from emulators.oa.state import Item
from emulators.toolkit.xmlcommand import iso

__all__ = ["ATOM_MEDIA_TYPE", "ATOM_NS", "INBOX_SCHEME", "PRIORITY_SCHEME", "build_feed"]

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_MEDIA_TYPE = "application/atom+xml; charset=utf-8"
INBOX_SCHEME = "urn:onepoint:oa:inbox"
PRIORITY_SCHEME = "urn:onepoint:oa:priority"
_LABELS = {"todo": ("To-do", "待办"), "toread": ("To-read", "待阅")}


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        node.text = text
    return node


def _content(item: Item) -> str:
    parts = [f"Priority {item.priority}"]
    if item.due:
        parts.append(f"{'due' if item.inbox == 'todo' else 'read by'} {item.due}")
    if item.work_order_id:
        parts.append(f"work order {item.work_order_id}")
    if item.revision > 1:
        parts.append(f"revision {item.revision}")
    return "; ".join(parts) + "."


def build_feed(user_id: str, inbox: str, items: list[Item], *, updated: float, links: Mapping[str, str]) -> bytes:
    """The Atom document of ``items`` (one page); ``updated`` is the feed's last change (the caller knows closed
    items too); ``links``: rel -> URL, ``self`` and the paging links."""
    english, chinese = _LABELS[inbox]
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    _el(feed, "id", f"urn:onepoint:oa:feed:{user_id}:{inbox}")
    _el(feed, "title", f"{english} ({chinese}) of {user_id}", type="text")
    _el(feed, "subtitle", f"Open {english.lower()} items pushed by OnePoint Hub", type="text")
    _el(feed, "updated", iso(updated))
    author = _el(feed, "author")
    _el(author, "name", "OnePoint OA")
    for rel, href in links.items():
        _el(feed, "link", rel=rel, type="application/atom+xml", href=href)
    _el(feed, "generator", "OnePoint OA emulator", uri="urn:onepoint:oa")
    for item in items:
        entry = _el(feed, "entry")
        _el(entry, "id", f"urn:onepoint:oa:item:{item.item_id}")
        _el(entry, "title", item.title, type="text")
        _el(entry, "published", iso(item.published))
        _el(entry, "updated", iso(item.updated))
        _el(entry, "link", rel="alternate", href=item.link)  # no type: the hub answers a work order or a notice in XML
        _el(entry, "category", scheme=INBOX_SCHEME, term=inbox, label=english)
        _el(entry, "category", scheme=PRIORITY_SCHEME, term=str(item.priority), label=f"Priority {item.priority}")
        if item.summary:
            _el(entry, "summary", item.summary, type="text")
        _el(entry, "content", _content(item), type="text")
    data: bytes = etree.tostring(feed, xml_declaration=True, encoding="UTF-8")
    return data
