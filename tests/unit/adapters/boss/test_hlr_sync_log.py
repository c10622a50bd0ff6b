"""An HLR repair changes the network's state on a caller's word: each SyncHLR answered leaves one INFO line saying
who asked (the signed-in caller, its system, the agent's Operator), for which number (masked), for which work
order, and what BOSS changed, field by field (or that there was nothing to repair). BOSS itself is told the hub's
identity (user hub, SourceSystem HUB), so the hub's log is where the caller is kept."""

from __future__ import annotations

import io
import json
import logging

import pytest

from hub.observability.logging import JsonFormatter, MaskingFilter
from tests.unit.adapters.boss.tier_kit import BOSS, boss_behind_respx
from tests.unit.adapters.soap_kit import C, command, echoing, example, soap_answer

pytestmark = pytest.mark.unit

NOT_CHANGED = (f'<boss:SyncHLRResponse xmlns:boss="{BOSS}" xmlns:c="{C}"><boss:Ack><c:MessageId>x</c:MessageId>'
               "<c:Status>COMPLETED</c:Status><c:ReceivedAt>2026-11-23T09:18:03+08:00</c:ReceivedAt></boss:Ack>"
               "<boss:Changed>false</boss:Changed></boss:SyncHLRResponse>").encode()


def logged_sync(answer: bytes, *, replace: dict[bytes, bytes] | None = None) -> list[dict[str, object]]:
    """The JSON lines the adapter's logger wrote (through the hub's masking filter) while SyncHLR was answered."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskingFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("onepoint.adapters.boss")
    logger.addHandler(handler)
    level, logger.level = logger.level, logging.INFO
    try:
        with boss_behind_respx() as boss:
            boss.route.side_effect = echoing(soap_answer(answer))
            envelope = command("boss/SyncHLR.valid.xml", message_id="cs-sync-0000001", replace=replace)
            result = boss.client.request(envelope.with_headers(caller="cs-frontend", ingress="soap"))
            assert result.processed, result
    finally:
        logger.removeHandler(handler)
        logger.level = level
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_field_repaired_is_logged_with_who_asked_the_number_masked_and_the_work_order() -> None:
    lines = logged_sync(example("boss/responses/SyncHLRResponse.xml"))
    synced = [line for line in lines if line.get("message_id") == "cs-sync-0000001"]
    assert len(synced) == 1, lines
    line = synced[0]
    assert line["level"] == "info" and "HLR" in str(line["event"])
    assert line["caller"] == "cs-frontend" and line["source_system"] == "CS"
    assert line["operator"] == "agent-1024" and line["work_order_id"] == "WO20261123A7K2M9Q1"
    assert line["msisdn"] == "138****8000" and "13800138000" not in json.dumps(lines)
    changes = line["changes"]
    assert isinstance(changes, list) and [c.split(":")[0] for c in changes] == [
        "BARRING_ALL_OUTGOING", "SUBSCRIBER_STATUS"]
    assert all("→" in c for c in changes)


def test_a_sync_with_nothing_to_repair_says_so() -> None:
    lines = logged_sync(NOT_CHANGED, replace={b"<boss:WorkOrderId>WO20261123A7K2M9Q1</boss:WorkOrderId>": b""})
    line = next(line for line in lines if line.get("message_id") == "cs-sync-0000001")
    assert line["changes"] == "nothing to repair" and line["work_order_id"] is None
    assert line["caller"] == "cs-frontend" and line["operator"] == "agent-1024"
