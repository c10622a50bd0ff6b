"""The OA emulator's state: each user's inboxes, to-do (待办) and to-read (待阅) items.

- PushTodo / PushToRead add an item; a repeated push of the same ItemId replaces it (a new revision, ``updated``
  moves on) and reopens it. A repeated MessageId is answered DUPLICATE and changes nothing.
- CompleteTodo from the hub (the work order moved on without the to-do's user: an escalation's manager, or the
  department a dispatch went to, whatever the item id) closes the to-do without a call-back, and the feed no longer
  lists it; the user can no longer complete it (409 ``already-closed``);
  completing it in OA (``POST /oa/todos/{item}/complete``) closes it and calls the hub back with CompleteTodo.
- ``POST /oa/toreads/{item}/read`` marks a to-read as read. Feeds list the open items of an inbox.
- WithdrawToRead from the hub (its work order closed or cancelled) marks an open to-read ``withdrawn``: it leaves
  the user's to-read list and feed (whose ``updated`` moves on), and the user can no longer read it (409
  ``already-closed``); the hub withdrawing it again is answered as done, one read already 409 ``already-closed``.
Unknown items are refused 404 (``unknown-item``), an item of another user 404 too, CompleteTodo on a to-read or on
a to-do already completed in OA 409, WithdrawToRead on a to-do 409 (``wrong-inbox``).
At most ``max_items`` items are kept: past that, the oldest closed item goes first (the oldest of all when none is
closed); the MessageIds seen are remembered four times as long, so a repeated push is still DUPLICATE.
Each inbox's last change (:meth:`Inbox.changed`) is kept apart from its items: an item that leaves it (re-pushed to
another user, evicted) is a change too, and its feed's ``updated`` must move on, never back.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

__all__ = ["INBOXES", "Inbox", "InboxError", "Item"]

INBOXES = {"todo": "PushTodo", "toread": "PushToRead"}


class InboxError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(slots=True)
class Item:
    item_id: str
    inbox: str  # "todo" | "toread"
    user_id: str
    title: str
    link: str
    priority: int
    published: float
    updated: float
    due: str | None = None
    work_order_id: str | None = None
    summary: str | None = None
    message_id: str = ""  # of the push
    revision: int = 1
    status: str = "open"  # open | completed | read | withdrawn
    closed_at: float | None = None
    outcome: str | None = None
    closed_by: str | None = None  # "hub" | "oa-user"
    callback_message_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


class Inbox:
    """Every user's items, by id; thread-safe."""

    def __init__(self, *, max_items: int = 10_000) -> None:
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        self.max_items = max_items
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.items: dict[str, Item] = {}
            self.messages: OrderedDict[str, str] = OrderedDict()  # MessageId -> ItemId, oldest first
            self._closed: OrderedDict[str, None] = OrderedDict()  # item ids, oldest closing first
            self._changed: OrderedDict[tuple[str, str], float] = OrderedDict()  # (user, inbox) -> last change
            self.evicted = 0

    def _touch(self, item: Item, at: float) -> None:
        """``item``'s inbox changed at ``at`` (never moved back); as many inboxes remembered as MessageIds."""
        key = (item.user_id, item.inbox)
        self._changed[key] = max(at, self._changed.pop(key, at))
        while len(self._changed) > 4 * self.max_items:
            self._changed.popitem(last=False)

    def changed(self, user_id: str, inbox: str) -> float | None:
        """When an item last came into, changed in or left this inbox (None: never, or forgotten)."""
        with self._lock:
            return self._changed.get((user_id, inbox))

    def _remember(self, message_id: str, item_id: str) -> None:
        self.messages[message_id] = item_id
        while len(self.messages) > 4 * self.max_items:
            self.messages.popitem(last=False)

    def seen(self, message_id: str) -> str | None:
        with self._lock:
            return self.messages.get(message_id)

    def push(self, item: Item, message_id: str) -> Item:
        with self._lock:
            previous = self.items.get(item.item_id)
            if previous is not None:
                item.revision, item.published = previous.revision + 1, previous.published
                self._touch(previous, item.updated)  # it leaves that inbox when pushed to another user or inbox
            self._touch(item, item.updated)
            self.items[item.item_id] = item
            self._closed.pop(item.item_id, None)  # a re-push reopens it
            self._remember(message_id, item.item_id)
            while len(self.items) > self.max_items:
                victim = next(iter(self._closed)) if self._closed else next(iter(self.items))
                self._closed.pop(victim, None)
                self._touch(self.items.pop(victim), item.updated)
                self.evicted += 1
            return item

    def get(self, item_id: str, user_id: str | None = None) -> Item:
        with self._lock:
            item = self.items.get(item_id)
        if item is None or (user_id is not None and item.user_id != user_id):
            raise InboxError(404, "unknown-item", f"no item {item_id}" + (f" for {user_id}" if user_id else ""))
        return item

    def close(self, item_id: str, *, user_id: str | None, status: str, at: float, by: str,
              outcome: str | None = None, message_id: str | None = None) -> Item:
        """Complete a to-do, read or withdraw a to-read; refuses what cannot be closed so (see the module
        docstring)."""
        item = self.get(item_id, user_id)
        wanted = "todo" if status == "completed" else "toread"  # read, withdrawn: a to-read
        if item.inbox != wanted:
            raise InboxError(409, "wrong-inbox", f"{item_id} is a {item.inbox} item")
        with self._lock:
            if item.status != "open":
                if by == "hub" and item.status == status:
                    return item  # the hub telling us again: idempotent
                raise InboxError(409, "already-closed", f"{item_id} is already {item.status}")
            item.status, item.closed_at, item.closed_by, item.outcome = status, at, by, outcome
            self._touch(item, at)
            if self.items.get(item_id) is item:
                self._closed[item_id] = None
            if message_id is not None:
                self._remember(message_id, item_id)
            return item

    def items_of(self, user_id: str, inbox: str) -> list[Item]:
        """Every item kept of one inbox, open or closed."""
        with self._lock:
            return [i for i in self.items.values() if i.user_id == user_id and i.inbox == inbox]

    def open_items(self, user_id: str, inbox: str) -> list[Item]:
        """Open items of one inbox, newest first."""
        with self._lock:
            items = [i for i in self.items.values() if i.user_id == user_id and i.inbox == inbox and i.status == "open"]
        return sorted(items, key=lambda i: (i.updated, i.item_id), reverse=True)

    def snapshot(self, limit: int | None = None) -> dict[str, Any]:
        """Open item ids per user, the newest ``limit`` items in full (all with None), and the counts."""
        with self._lock:
            items, evicted = list(self.items.values()), self.evicted
            listed = items if limit is None else (items[-limit:] if limit > 0 else [])
            rendered = [i.to_json() for i in listed]
        users: dict[str, dict[str, list[str]]] = {}
        for item in items:
            box = users.setdefault(item.user_id, {"todo": [], "toread": []})
            if item.status == "open":
                box[item.inbox].append(item.item_id)
        return {"users": users, "items": rendered, "item_count": len(items), "items_evicted": evicted}
