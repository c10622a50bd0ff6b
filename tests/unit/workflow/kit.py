"""Helpers of the workflow's unit tests: the schema examples as commands, answers read back."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from hub.envelope import Envelope
from hub.workers import WorkerTestClient

WO = "urn:onepoint:workorder:1"
C = "urn:onepoint:common:1"
EXAMPLES = Path(__file__).parents[3] / "schemas" / "examples"
START = datetime(2026, 11, 23, 1, 15, tzinfo=UTC)  # 09:15 in Shenzhen, a Monday


def command(name: str, **replace: str) -> tuple[etree._Element, str]:
    document = etree.parse(str(EXAMPLES / "workorder" / name)).getroot()
    message_id = f"cs-{uuid.uuid4().hex[:16]}"
    document.find(f"{{{WO}}}Header/{{{C}}}MessageId").text = message_id
    for local, value in replace.items():
        document.find(f"{{{WO}}}{local}").text = value
    return document, message_id


def template_dispatch(work_order_id: str, fields: Mapping[str, str]) -> tuple[etree._Element, str]:
    """The example Dispatch with exactly ``fields`` and no department or system named: to the target of the work
    order's template (an offline department's: by e-mail)."""
    document, message_id = command("WorkOrderAction.valid-dispatch.xml", WorkOrderId=work_order_id)
    dispatch = document.find(f"{{{WO}}}Dispatch")
    assert dispatch is not None
    for element in list(dispatch):
        if etree.QName(element).localname in ("Field", "ToDepartment", "ToSystem"):
            dispatch.remove(element)
    for name, value in fields.items():
        etree.SubElement(dispatch, f"{{{WO}}}Field", name=name).text = value
    return document, message_id


def envelope(document: etree._Element, message_id: str) -> Envelope:
    command_type = "workorder." + etree.QName(document).localname
    return Envelope(message_id, command_type, "CS", etree.tostring(document))


def answer(result: object) -> etree._Element:
    reply = result.reply
    assert reply is not None
    return etree.fromstring(reply)


def text(root: etree._Element, path: str) -> str | None:
    return root.findtext(path, namespaces={"wo": WO, "c": C})


def act(client: WorkerTestClient, work_order_id: str, example: str) -> etree._Element:
    document, message_id = command(example, WorkOrderId=work_order_id)
    return answer(client.request(envelope(document, message_id)))


def send_filled(client: WorkerTestClient, example: str, work_order_id: str = "", **values: str) -> etree._Element:
    """The schema example ``example`` (its WorkOrderId set when given) with each of ``values`` put at its path
    (``Callback__Satisfaction``: wo:Callback/wo:Satisfaction), sent; the answer's command element."""
    document, message_id = command(example, **({"WorkOrderId": work_order_id} if work_order_id else {}))
    for path, value in values.items():
        found = document.find("/".join(f"{{{WO}}}{name}" for name in path.split("__")))
        assert found is not None, path
        found.text = value
    return answer(client.request(envelope(document, message_id)))
