"""A MessageId is its system's (the security review's squatting): OA, which may query work orders, asks under the
id the complaint front end (CS) will use next; CS's CreateWorkOrder with that id is still taken, through the real
ingress, the broker router and the workflow's Worker (memory broker), and CS's own retry and reuse of it are still
the recorded answer and 409 ``message-id-reused``."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from lxml import etree

from tests.integration.workflow.test_statistics_ingress import (  # the hub on a memory broker, its workflow worker
    CS,
    NS,
    Hub,
    hub,  # noqa: F401 - the fixture
)

pytestmark = pytest.mark.integration

OA = {**CS, "authorization": "Bearer oa-dev-token"}
SQUATTED = "cs-20261207-000001"


def with_id(path: Path, message_id: str, source: str = "CS") -> bytes:
    text = re.sub(r"<c:MessageId>[^<]*</c:MessageId>", f"<c:MessageId>{message_id}</c:MessageId>",
                  path.read_text(encoding="utf-8"), count=1)
    return text.replace("<c:SourceSystem>CS</c:SourceSystem>", f"<c:SourceSystem>{source}</c:SourceSystem>").encode()


def post(hub: Hub, body: bytes, headers: dict[str, str]) -> httpx.Response:  # noqa: F811
    return httpx.post(f"{hub.base_url}/xml/workorder", content=body, headers=headers, timeout=15)


def test_another_system_asking_under_cs_s_next_id_does_not_refuse_cs_s_complaint(
        hub: Hub, examples_dir: Path) -> None:  # noqa: F811
    examples = examples_dir / "workorder"
    asked = post(hub, with_id(examples / "QueryWorkOrder.valid.xml", SQUATTED, "OA"), OA)
    assert asked.status_code in (200, 422), asked.text  # answered (a work order not found is a c:Error)
    create = with_id(examples / "CreateWorkOrder.valid.xml", SQUATTED)
    taken = post(hub, create, CS)
    assert taken.status_code == 200, taken.text
    work_order_id = etree.fromstring(taken.content).findtext("wo:WorkOrderId", namespaces=NS)
    assert work_order_id and hub.runtime.store.get_work_order(work_order_id) is not None
    again = post(hub, create, CS)  # CS's retry: the recorded answer, nothing done twice
    assert again.status_code == 200 and again.content == taken.content
    reused = post(hub, create.replace(b"0755-83765432", b"0755-83760000"), CS)
    assert reused.status_code == 409 and b"message-id-reused" in reused.content
