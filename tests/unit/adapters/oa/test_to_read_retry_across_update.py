"""The retry of an outage notice whose to-reads were announced by a hub of before the update (its sends failed,
the message went to a delay tier): its PushToRead messages now carry ids derived with the cause's source system,
so the retry announces each item again (``ToReadVersions.offer``) and the push is made, not skipped as overtaken."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from lxml import etree

from adapters.oa import MemoryClosedItems, mapping
from adapters.oa.outage_notices import OutageNotice
from adapters.oa.versions import NoticeVersion, ToReadVersions
from hub.envelope import Envelope
from hub.routing.message_ids import derive_message_id
from hub.validation.namespaces import COMMON_NS

pytestmark = pytest.mark.unit

oa_handlers = importlib.import_module("adapters.oa.handlers")
NOTICE_MESSAGE = "nsp-20261207-000042"
USER = "mgr-0755-01"
NOTICE = OutageNotice("FLT-20261207-0001", 1, "FAULT", None, "Cell outage Nanshan", (("0755", None),), ("VOICE",),
                      "2026-12-07T08:00:00+08:00", None, "Base station down", "ACTIVE", None)


class RecordingOa:
    def __init__(self) -> None:
        self.pushed: list[str] = []

    def push_to_read(self, document: etree._Element) -> Any:
        self.pushed.append(document.findtext(f"{{{mapping.OA_NS}}}ItemId") or "")
        return type("Pushed", (), {"item_id": self.pushed[-1]})()


def test_a_retry_after_the_update_pushes_the_to_read_its_first_attempt_announced() -> None:
    document = mapping.to_read_document(NOTICE, USER, "https://hub.example/bulletin#FLT-20261207-0001")
    step = oa_handlers._to_read_step(USER)
    versions = ToReadVersions()

    def announced(push_id: str) -> Any:
        return lambda user: (mapping.to_read_item_id(NOTICE, user), mapping.to_read_message_id(document, push_id))

    before = derive_message_id(NOTICE_MESSAGE, step, "oa")  # the id a hub of before the update derived
    now = derive_message_id(NOTICE_MESSAGE, step, "oa", "NSP")
    for push_id in (before, now):  # the first attempt (its sends failed), then its retry after the update
        offer = versions.offer(NOTICE.notice_id, NoticeVersion(1, False), NOTICE.fingerprint(), NOTICE_MESSAGE,
                               managers=[USER], announce=announced(push_id))
        assert offer.verdict == "newer"
    header_id = document.find(f"{{{mapping.OA_NS}}}Header/{{{COMMON_NS}}}MessageId")
    assert header_id is not None
    header_id.text = now
    oa = RecordingOa()
    oa_handlers.push_to_read(Envelope(now, "oa.PushToRead", "HUB", etree.tostring(document)), oa, versions,
                             MemoryClosedItems())
    assert oa.pushed == [mapping.to_read_item_id(NOTICE, USER)]
