"""The bulletin's consumer (queue ``bulletin``): NSP's broadcast ``nsp.OutageNotice`` → the bulletin board.

Shaped like an adapter (``CONSUMER``, ``handlers``, ``dependencies(settings, ...)``, ``close``) so that the
system assembly and ``onepoint worker bulletin`` run it like any other::

    deps = dependencies(settings)
    with Worker(broker, CONSUMER, handlers, store=store, dependencies=deps):
        ...
    close(deps)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from hub.bulletin.board import BulletinBoard
from hub.bulletin.notice import parse_outage_notice
from hub.config.settings import HubSettings
from hub.envelope import Envelope
from hub.workers import HandlerRegistry

__all__ = ["CONSUMER", "close", "dependencies", "handlers"]

CONSUMER = "bulletin"
log = logging.getLogger("onepoint.bulletin")

handlers = HandlerRegistry()


@handlers.handler("nsp.OutageNotice", consumer=CONSUMER)
def post_outage_notice(envelope: Envelope, bulletin: BulletinBoard) -> str:
    """Raise, update or clear the notice; the board records the message id in the same transaction."""
    notice = parse_outage_notice(envelope.payload)
    outcome = bulletin.post(envelope.message_id, notice)
    log.info("outage notice %s", outcome, extra={"message_id": envelope.message_id, "notice_id": notice.notice_id,
                                                 "revision": notice.revision, "status": notice.status})
    return f"{outcome} {notice.notice_id} r{notice.revision}"


def dependencies(settings: HubSettings, **_: Any) -> dict[str, Any]:
    """``bulletin``: the board of ``[bulletin] database`` or ``path`` (the keyword arguments of the adapters' shape
    are unused)."""
    return {"bulletin": BulletinBoard.from_settings(settings.bulletin)}


def close(built: Mapping[str, Any]) -> None:
    board = built.get("bulletin")
    if isinstance(board, BulletinBoard):
        board.close()
