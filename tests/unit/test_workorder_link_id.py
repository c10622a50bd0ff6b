"""``GET /workorders/{id}`` with a malformed id: refused 404 before any credential is asked, the id echoed back
shortened (a 5,000-character one is cut, its length named), never in full."""

from __future__ import annotations

import asyncio
from typing import cast

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from hub.ingress.workorder_link import SHOWN, WorkOrderLink
from hub.ingress.xml.endpoint import XmlIngress

pytestmark = pytest.mark.unit


def refusal(work_order_id: str) -> str:
    link = WorkOrderLink(cast(XmlIngress, None))  # never reached: the id is refused first
    app = Starlette(routes=[Route("/workorders/{work_order_id}", link.endpoint)])

    async def get() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client:
            return await client.get(f"/workorders/{work_order_id}")

    answer = asyncio.run(get())
    assert answer.status_code == 404 and answer.headers["x-onepoint-refusal"] == "unknown-work-order"
    return answer.text


def test_a_long_malformed_id_is_echoed_shortened_with_its_length() -> None:
    text = refusal("X" * 5000)
    assert f"'{'X' * SHOWN}'... (5000 characters) is not a work order id" in text
    assert "X" * (SHOWN + 1) not in text


def test_a_short_malformed_id_is_echoed_whole() -> None:
    assert "'WO2026' is not a work order id" in refusal("WO2026")
