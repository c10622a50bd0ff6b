"""The simulation's wire: work-order calls to the hub's XML ingress (as CS sends them, with the development
token), and the NSP emulator's own desk (its tickets, replies, notices and the state of its call-backs)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
from lxml import etree

from hub.demo.scene import CS_TOKEN

__all__ = ["Answer", "HubDesk", "NspDesk"]

NS = {"wo": "urn:onepoint:workorder:1", "c": "urn:onepoint:common:1"}


@dataclass(frozen=True, slots=True)
class Answer:
    """The hub's answer: HTTP status and document (``c:Error`` when refused)."""

    status: int
    document: etree._Element | None

    def text(self, path: str) -> str:
        if self.document is None:
            return ""
        return str(self.document.findtext(path, default="", namespaces=NS))

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def state(self) -> str:
        return self.text("wo:State") or self.text("wo:WorkOrder/wo:State")

    @property
    def code(self) -> str:
        return self.text("c:Code") or f"http-{self.status}"


class HubDesk:
    """``post(document)`` to ``{hub}/xml/workorder``; thread-safe (one httpx client)."""

    def __init__(self, hub_url: str, *, token: str = CS_TOKEN, timeout: float = 60.0) -> None:
        self.url = f"{hub_url.rstrip('/')}/xml/workorder"
        self.http = httpx.Client(timeout=timeout, headers={"content-type": "application/xml",
                                                           "authorization": f"Bearer {token}"})

    def post(self, document: bytes) -> Answer:
        try:
            response = self.http.post(self.url, content=document)
        except httpx.TransportError as exc:
            return Answer(599, etree.fromstring(f"<e><m>{type(exc).__name__}</m></e>".encode()))
        try:
            parsed = etree.fromstring(response.content, etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError:
            parsed = None
        return Answer(response.status_code, parsed)

    def close(self) -> None:
        self.http.close()


class NspDesk:
    """The NSP emulator's admin side: tickets by work order (refreshed when the one sought is not known yet),
    replies, notices."""

    def __init__(self, nsp_url: str, *, timeout: float = 30.0) -> None:
        self.url = nsp_url.rstrip("/")
        self.http = httpx.Client(timeout=timeout)
        self._lock = threading.Lock()
        self._tickets: dict[str, list[dict[str, Any]]] = {}  # work order id -> its NSP tickets, oldest first
        self._refreshed = 0.0

    def ticket_of(self, work_order_id: str, *, dispatches: int | None = None) -> str | None:
        """The id of ``latest(work_order_id, dispatches=...)``."""
        ticket = self.latest(work_order_id, dispatches=dispatches)
        return None if ticket is None else str(ticket["ticket_id"])

    def latest(self, work_order_id: str, *, dispatches: int | None = None) -> dict[str, Any] | None:
        """The newest NSP ticket of ``work_order_id`` (a work order dispatched again has one per dispatch, and NSP's
        reply must answer the current one, else the hub sets it aside as stale). ``dispatches``: how many the
        caller knows were sent; the tickets read earlier are trusted while they hold that many, else (or without
        it) NSP's list is read again (at most every 50 ms); None while NSP has not got the latest."""
        with self._lock:
            known = self._tickets.get(work_order_id, [])
            if (dispatches is not None and len(known) >= dispatches) or time.monotonic() - self._refreshed < 0.05:
                return known[-1] if known and len(known) >= (dispatches or 1) else None
            tickets = self.http.get(f"{self.url}/nsp/tickets").json()["tickets"]
            self._tickets = {}
            for ticket in tickets:  # NSP lists them oldest first
                self._tickets.setdefault(ticket["work_order_id"], []).append(ticket)
            self._refreshed = time.monotonic()
            known = self._tickets.get(work_order_id, [])
            return known[-1] if known and len(known) >= (dispatches or 1) else None

    def tickets(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.http.get(f"{self.url}/nsp/tickets").json()["tickets"]
        return result

    def reply(self, ticket_id: str, overrides: dict[str, Any]) -> dict[str, Any] | None:
        """NSP answers the ticket now (its call-back goes to the hub); None when it was answered already."""
        response = self.http.post(f"{self.url}/nsp/tickets/{ticket_id}/reply", json=overrides)
        if response.status_code == 409:
            return None
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def raise_notice(self, spec: dict[str, Any]) -> dict[str, Any]:
        response = self.http.post(f"{self.url}/nsp/outages", json=spec)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def clear_notice(self, notice_id: str, wording: str) -> dict[str, Any]:
        response = self.http.post(f"{self.url}/nsp/outages/{notice_id}/clear", json={"wording": wording})
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def delivered(self, message_id: str, timeout: float = 30.0) -> bool:
        """Wait until NSP's call-back ``message_id`` reached the hub (the hub queued it): True, else False."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            callbacks = self.http.get(f"{self.url}/__admin/state").json().get("callbacks", [])
            status = next((c["status"] for c in callbacks if c["message_id"] == message_id), None)
            if status in ("delivered", "duplicate"):
                return True
            if status in ("rejected", "failed", "dropped"):
                return False
            time.sleep(0.02)
        return False

    def close(self) -> None:
        self.http.close()
