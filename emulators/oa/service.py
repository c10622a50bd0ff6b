"""The OA emulator's behaviour: pushes into inboxes, completion from the hub or by the user, the hub's withdrawal of
a to-read, feeds, state.

OA starts with empty inboxes whatever the seed (its data is what the hub pushes); reset empties them again.
A to-do completed by its user in OA goes back to the hub as CompleteTodo (CorrelationId: the push's MessageId).
"""

from __future__ import annotations

import logging
from typing import Any

from lxml import etree

from emulators.callbacks import CallbackClient
from emulators.oa.feed_paging import FeedPage
from emulators.oa.feeds import build_feed
from emulators.oa.state import Inbox, InboxError, Item
from emulators.toolkit import Clock
from emulators.toolkit.logs import emulator_logger, log_event
from emulators.toolkit.xmlcommand import (
    COMMON_NS,
    CommandError,
    MessageIds,
    add_header,
    iso,
    response_root,
    sub,
    text_of,
    validate_own,
)
from hub.validation import ValidatedCommand
from hub.validation.namespaces import OA_NS

__all__ = ["OA_NS", "OaService"]



class OaService:
    def __init__(self, *, clock: Clock, callbacks: CallbackClient, max_items: int = 10_000,
                 state_limit: int = 1_000) -> None:
        if state_limit < 0:
            raise ValueError("state_limit must be >= 0")
        self.clock, self.callbacks, self.state_limit = clock, callbacks, state_limit
        self.inbox = Inbox(max_items=max_items)
        self.ids = MessageIds("oa")
        self.log = emulator_logger("oa")
        self.epoch = clock.now()

    def reset(self) -> None:
        self.callbacks.reset()
        self.inbox.reset()
        self.ids.reset()
        self.epoch = self.clock.now()

    def stop(self) -> None:
        self.callbacks.close()

    # -- commands from the hub ----------------------------------------------------------------------------------
    def push(self, command: ValidatedCommand) -> etree._Element:
        el, now = command.element, self.clock.now()
        known = self.inbox.seen(command.message_id)
        item_id = text_of(el, "ItemId", OA_NS) or ""
        if known is not None:
            root = response_root(command, "DUPLICATE", now)
            sub(root, OA_NS, "ItemId", known)
            return root
        inbox = "todo" if command.command == "PushTodo" else "toread"
        item = self.inbox.push(Item(
            item_id=item_id, inbox=inbox, user_id=text_of(el, "UserId", OA_NS) or "",
            title=text_of(el, "Title", OA_NS) or "", link=text_of(el, "Link", OA_NS) or "",
            priority=int(text_of(el, "Priority", OA_NS) or 4), published=now, updated=now,
            due=text_of(el, "Due", OA_NS), work_order_id=text_of(el, "WorkOrderId", OA_NS),
            summary=text_of(el, "Summary", OA_NS), message_id=command.message_id,
        ), command.message_id)
        log_event(self.log, logging.INFO, "oa.push", inbox=inbox, item_id=item_id, user_id=item.user_id,
                  revision=item.revision)
        root = response_root(command, "ACCEPTED", now)
        sub(root, OA_NS, "ItemId", item_id)
        return root

    def complete_from_hub(self, command: ValidatedCommand) -> etree._Element:
        el, now = command.element, self.clock.now()
        if self.inbox.seen(command.message_id) is not None:
            return response_root(command, "DUPLICATE", now)
        try:
            self.inbox.close(text_of(el, "ItemId", OA_NS) or "", user_id=text_of(el, "UserId", OA_NS),
                             status="completed", at=now, by="hub", outcome=text_of(el, "Outcome", OA_NS),
                             message_id=command.message_id)
        except InboxError as exc:
            raise CommandError(exc.status, exc.code, exc.message) from exc
        return response_root(command, "ACCEPTED", now)

    def withdraw_to_read(self, command: ValidatedCommand) -> etree._Element:
        """The hub withdraws a to-read (its work order closed or cancelled): it leaves the user's to-read list."""
        el, now = command.element, self.clock.now()
        if self.inbox.seen(command.message_id) is not None:
            return response_root(command, "DUPLICATE", now)
        item_id = text_of(el, "ItemId", OA_NS) or ""
        try:
            item = self.inbox.close(item_id, user_id=text_of(el, "UserId", OA_NS), status="withdrawn", at=now,
                                    by="hub", outcome=text_of(el, "Reason", OA_NS), message_id=command.message_id)
        except InboxError as exc:
            raise CommandError(exc.status, exc.code, exc.message) from exc
        log_event(self.log, logging.INFO, "oa.withdrawn", item_id=item_id, user_id=item.user_id)
        return response_root(command, "ACCEPTED", now)

    # -- user actions in OA -------------------------------------------------------------------------------------
    def complete_by_user(self, item_id: str, *, outcome: str | None, user_id: str) -> dict[str, Any]:
        """The manager ``user_id`` completes a to-do of theirs in OA (another user's is unknown to them, 404): close
        it and call the hub back with CompleteTodo."""
        now = self.clock.now()
        item = self.inbox.get(item_id, user_id)
        message_id = self.ids.next()
        root = etree.Element(f"{{{OA_NS}}}CompleteTodo", nsmap={"oa": OA_NS, "c": COMMON_NS})
        add_header(root, OA_NS, message_id=message_id, source="OA", sent_at=now, correlation_id=item.message_id)
        sub(root, OA_NS, "ItemId", item.item_id)
        sub(root, OA_NS, "UserId", item.user_id)
        sub(root, OA_NS, "CompletedAt", iso(now))
        if outcome:
            sub(root, OA_NS, "Outcome", outcome)
        validate_own(root)  # an outcome over 200 characters is refused here, before anything changes
        item = self.inbox.close(item_id, user_id=user_id, status="completed", at=now, by="oa-user",
                                outcome=outcome)
        item.callback_message_id = message_id
        status = self.callbacks.submit("oa", "CompleteTodo", etree.tostring(root, xml_declaration=True,
                                       encoding="UTF-8"), message_id=message_id, ref=item_id)
        log_event(self.log, logging.INFO, "oa.completed", item_id=item_id, user_id=item.user_id, callback=status)
        return {"item": item.to_json(), "callback": {"message_id": message_id, "status": status}}

    def mark_read(self, item_id: str, *, user_id: str) -> dict[str, Any]:
        item = self.inbox.close(item_id, user_id=user_id, status="read", at=self.clock.now(), by="oa-user")
        return {"item": item.to_json()}

    # -- feeds and state ----------------------------------------------------------------------------------------
    def feed(self, user_id: str, inbox: str, base_url: str, page: FeedPage) -> tuple[bytes, float]:
        """One page of the feed (``InboxError`` 404 past its last) and when the feed last changed."""
        items = self.inbox.open_items(user_id, inbox)
        changes = [self.epoch, self.inbox.changed(user_id, inbox) or self.epoch]
        changes += [max(i.updated, i.closed_at or 0.0) for i in self.inbox.items_of(user_id, inbox)]
        updated = max(changes)
        shown = page.entries(items)
        return build_feed(user_id, inbox, shown, updated=updated, links=page.links(base_url, items)), updated

    def state(self) -> dict[str, Any]:
        """``GET /__admin/state``: open items per user, the newest ``state_limit`` items, counts, call-backs."""
        history = {r["message_id"]: r for r in self.callbacks.history()}
        return {**self.inbox.snapshot(self.state_limit), "callbacks": list(history.values()),
                "config": {"hub_url": self.callbacks.hub_url, "max_items": self.inbox.max_items,
                           "state_limit": self.state_limit}}
