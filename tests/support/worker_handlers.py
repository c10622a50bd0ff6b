"""Handlers for the ``onepoint worker`` test: each effect is appended to the file named by ONEPOINT_TEST_EFFECTS."""

from __future__ import annotations

import os
from pathlib import Path

from hub.envelope import Envelope
from hub.workers import HandlerRegistry, PermanentError

handlers = HandlerRegistry()


def dependencies() -> dict[str, Path]:
    return {"effects": Path(os.environ["ONEPOINT_TEST_EFFECTS"])}


@handlers.handler("boss.SyncHLR")
def sync_hlr(envelope: Envelope, effects: Path) -> str:
    if b"refuse" in envelope.payload:
        raise PermanentError("this subscriber cannot be synced")
    with effects.open("a") as out:
        out.write(envelope.message_id + "\n")
    return "synced"
