"""The NSP emulator's behaviour: tickets for dispatched complaints, replies, network notices (kept in its state).

- A NetworkComplaintDispatch gets a ticket ``NSP<yyyymmdd><6 digits>`` (the sequence starts at a seeded offset) and
  is acknowledged ACCEPTED; a repeated MessageId is answered DUPLICATE with the same ticket.
- ``reply_delay`` seconds later (clock time; 0 allowed) the reply goes to the hub as a NetworkComplaintReply. When
  an active notice covers the complaint's area and services, the reply goes at once with the notice's wording.
  ``auto_reply=False`` leaves replies to ``POST /nsp/tickets/{id}/reply``.
- Notices are raised, revised and cleared through ``/nsp/outages`` or a script; each revision goes to the hub.
Reset: tickets, notices and pending replies are dropped and the script starts again from the reset.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from lxml import etree

from emulators.callbacks import CallbackClient
from emulators.nsp.notices import NSP_NS, Notice, NoticeSpecError, notice_document, parse_notice_spec
from emulators.nsp.replies import Reply, known_fault_reply, reply_document, seeded_reply
from emulators.nsp.schedule import Scheduler
from emulators.nsp.script import ScriptEvent
from emulators.nsp.state import NspState
from emulators.toolkit import Clock
from emulators.toolkit.logs import emulator_logger, log_event
from emulators.toolkit.xmlcommand import CommandError, MessageIds, iso, response_root, sub, text_of, validate_own
from hub.observability.logging import mask_msisdn
from hub.validation import DocumentRefused, ValidatedCommand
from hub.validation.namespaces import COMMON_NS as C

__all__ = ["NspService"]


class NspService:
    def __init__(
        self, *, seed: int | str, clock: Clock, callbacks: CallbackClient, reply_delay: float = 5.0,
        auto_reply: bool = True, answer_known_faults: bool = True, script: list[ScriptEvent] | None = None,
    ) -> None:
        if reply_delay < 0:
            raise ValueError("reply_delay must be >= 0")
        self.seed, self.clock, self.callbacks = seed, clock, callbacks
        self.reply_delay, self.auto_reply, self.answer_known_faults = reply_delay, auto_reply, answer_known_faults
        self.script = script or []
        self.state = NspState(seed)
        self.scheduler = Scheduler(clock, name="nsp")
        self.ids = MessageIds("nsp")
        self.log = emulator_logger("nsp")
        self._lock = self.state.lock

    # -- lifecycle ----------------------------------------------------------------------------------------------
    def reset(self, *, restart_script: bool = True) -> None:
        self.scheduler.cancel_all()
        self.callbacks.reset()
        self.ids.reset()
        self.state.reset()
        if restart_script:
            self.start_script()

    def start_script(self) -> None:
        start = self.clock.monotonic()
        for event in self.script:
            self.scheduler.call_at(start + event.at, lambda e=event: self._script_event(e),  # type: ignore[misc]
                                   label=f"script:{event.action}:{event.name}")

    def stop(self) -> None:
        self.scheduler.close()
        self.callbacks.close()

    # -- NetworkComplaintDispatch -------------------------------------------------------------------------------
    def dispatch(self, command: ValidatedCommand) -> etree._Element:
        el, now = command.element, self.clock.now()
        with self._lock:
            known = self.state.by_message.get(command.message_id)
            if known is not None:
                root = response_root(command, "DUPLICATE", now)
                sub(root, NSP_NS, "NspTicketId", known)
                return root
            ticket_id = self.state.next_ticket_id(now)
            area = el.find(f"{{{NSP_NS}}}Area")
            area_code = (text_of(area, "AreaCode", C) or "") if area is not None else ""
            district = text_of(area, "District", C) if area is not None else None
            functions = [f.text or "" for f in el.iterfind(f"{{{NSP_NS}}}FunctionAffected")]
            ticket: dict[str, Any] = {
                "ticket_id": ticket_id, "work_order_id": text_of(el, "WorkOrderId", NSP_NS),
                "message_id": command.message_id, "msisdn": mask_msisdn(text_of(el, "Msisdn", NSP_NS) or ""),
                "category": text_of(el, "CategoryCode", NSP_NS), "area_code": area_code, "district": district,
                "fault_place": text_of(el, "FaultPlace", NSP_NS), "functions": functions,
                "priority": int(text_of(el, "Priority", NSP_NS) or 4), "received_at": iso(now),
                "status": "acknowledged", "reply": None, "reply_message_id": None,
            }
            self.state.tickets[ticket_id] = ticket
            self.state.by_message[command.message_id] = ticket_id
            notice = self.state.covering_notice(area_code, district, functions) if self.answer_known_faults else None
        log_event(self.log, logging.INFO, "nsp.dispatch", ticket_id=ticket_id, work_order_id=ticket["work_order_id"],
                  area_code=area_code, known_fault=notice.notice_id if notice else None)
        if notice is not None:
            reply = known_fault_reply(self.seed, ticket["work_order_id"], notice, area_code)
            self.scheduler.call_later(0, lambda: self._send_reply(ticket_id, reply), label=f"reply:{ticket_id}")
        elif self.auto_reply:
            self.scheduler.call_later(self.reply_delay, lambda: self._send_reply(ticket_id),
                                      label=f"reply:{ticket_id}")
        root = response_root(command, "ACCEPTED", now)
        sub(root, NSP_NS, "NspTicketId", ticket_id)
        return root

    def reply_now(self, ticket_id: str, overrides: dict[str, Any]) -> dict[str, Any]:
        """Reply to a ticket now (``POST /nsp/tickets/{id}/reply``); ``overrides`` may set cause/action/result/
        resolved. Raises KeyError (unknown ticket) or CommandError 409 (already replied)."""
        with self._lock:
            ticket = self.state.tickets[ticket_id]
            if ticket["reply"] is not None:
                raise CommandError(409, "already-replied", f"ticket {ticket_id} was already answered")
            base = seeded_reply(self.seed, ticket["work_order_id"], ticket["functions"], ticket["area_code"],
                                ticket["fault_place"] or "")
        fields = {k: overrides[k] for k in ("cause", "action", "result", "resolved") if k in overrides}
        return self._send_reply(ticket_id, replace(base, **fields))

    def _send_reply(self, ticket_id: str, reply: Reply | None = None) -> dict[str, Any]:
        now = self.clock.now()
        with self._lock:
            ticket = self.state.tickets.get(ticket_id)
            if ticket is None or ticket["reply"] is not None:  # reset since, or answered by hand
                return {}
            if reply is None:
                reply = seeded_reply(self.seed, ticket["work_order_id"], ticket["functions"], ticket["area_code"],
                                     ticket["fault_place"] or "")
            message_id = self.ids.next()
            root = reply_document(reply, work_order_id=ticket["work_order_id"], ticket_id=ticket_id,
                                  message_id=message_id, correlation_id=ticket["message_id"], at=now)
            validate_own(root)
            ticket.update(status="resolved" if reply.resolved else "replied", reply={**reply.to_json(), "at": iso(now)},
                          reply_message_id=message_id)
        self.callbacks.submit("nsp", "NetworkComplaintReply", etree.tostring(root, xml_declaration=True,
                              encoding="UTF-8"), message_id=message_id, ref=ticket_id)
        return {"ticket_id": ticket_id, "message_id": message_id, **reply.to_json()}

    # -- notices ------------------------------------------------------------------------------------------------
    def raise_notice(self, spec: Any) -> dict[str, Any]:
        """Raise a notice, or revise an active one with the same ``notice_id``."""
        now = self.clock.now()
        with self._lock:
            kind = spec.get("kind", "FAULT") if isinstance(spec, dict) else "FAULT"
            notice = parse_notice_spec(spec, now=now, notice_id=self.state.next_notice_id(kind, now))
            previous = self.state.notices.get(notice.notice_id)
            if previous is not None:
                if previous.status != "ACTIVE":
                    raise CommandError(409, "notice-cleared", f"notice {notice.notice_id} is already cleared")
                notice.revision, notice.history = previous.revision + 1, previous.history
            return self._send_notice(notice, now)

    def clear_notice(self, notice_id: str, spec: dict[str, Any]) -> dict[str, Any]:
        now = self.clock.now()
        with self._lock:
            notice = self.state.notices[notice_id]
            if notice.status != "ACTIVE":
                raise CommandError(409, "notice-cleared", f"notice {notice_id} is already cleared")
            cleared = replace(notice, status="CLEARED", cleared_at=now, revision=notice.revision + 1,
                              wording=spec.get("wording") or notice.wording)
            return self._send_notice(cleared, now)

    def _send_notice(self, notice: Notice, now: float) -> dict[str, Any]:
        message_id = self.ids.next()
        root = notice_document(notice, message_id=message_id, sent_at=now)
        try:
            validate_own(root)
        except DocumentRefused as exc:
            raise NoticeSpecError("the notice is not a valid OutageNotice", [str(v) for v in exc.violations]) from exc
        notice.history.append({"revision": notice.revision, "status": notice.status, "message_id": message_id})
        self.state.notices[notice.notice_id] = notice
        self.callbacks.submit("nsp", "OutageNotice", etree.tostring(root, xml_declaration=True, encoding="UTF-8"),
                              message_id=message_id, ref=notice.notice_id)
        log_event(self.log, logging.INFO, "nsp.notice", notice_id=notice.notice_id, revision=notice.revision,
                  status=notice.status)
        return {**notice.to_json(), "message_id": message_id}

    def _script_event(self, event: ScriptEvent) -> None:
        if event.action == "raise":
            self.state.script_names[event.name] = self.raise_notice(event.spec)["notice_id"]
            return
        notice_id = self.state.script_names.get(event.name)
        if notice_id is not None and self.state.notices[notice_id].status == "ACTIVE":
            self.clear_notice(notice_id, event.spec)

    # -- admin view ---------------------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """``GET /__admin/state``: tickets with their call-back, notices, call-backs, due work, configuration."""
        history = {r["message_id"]: r for r in self.callbacks.history()}
        view = self.state.snapshot()
        tickets = [{**t, "callback": history.get(t["reply_message_id"] or "")} for t in view["tickets"]]
        return {"tickets": tickets, "notices": view["notices"], "callbacks": list(history.values()),
                "scheduled": self.scheduler.due,
                "config": {"reply_delay": self.reply_delay, "auto_reply": self.auto_reply,
                           "answer_known_faults": self.answer_known_faults, "hub_url": self.callbacks.hub_url,
                           "script_events": len(self.script)}}
