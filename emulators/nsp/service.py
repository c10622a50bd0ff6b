"""The NSP emulator's behaviour: tickets for dispatched complaints, replies, network notices (kept in its state).

- A NetworkComplaintDispatch gets a ticket ``NSP<yyyymmdd><6 digits>`` (numbers never repeat across resets, nor, but
  by a rare chance, across restarts: :mod:`emulators.nsp.state`) and
  is acknowledged ACCEPTED; a repeated MessageId is answered DUPLICATE with the same ticket. The ticket keeps what
  NSP's staff read: the fault time (``occurred_at``), the terminal, the functions and every template ``Field`` by
  name (``fields``; the numbers masked as the Msisdn is); the request journal keeps the document itself.
- ``reply_delay`` seconds later (clock time; 0 allowed) the reply goes to the hub as a NetworkComplaintReply. When
  an active notice covers the complaint's area and services, the reply goes at once with the notice's wording.
  ``auto_reply=False`` leaves replies to ``POST /nsp/tickets/{id}/reply``. These three settings can be changed while
  the emulator runs (``POST /nsp/settings``, :mod:`emulators.nsp.settings`); a reset puts back those it started with.
- A NetworkComplaintWithdraw (the hub cancelled the work order) withdraws the work order's tickets not answered
  yet: no reply is sent for them, scheduled or by hand (409 ``withdrawn``); it is always acknowledged, an unknown
  work order with ``Known`` false, and a dispatch of a withdrawn work order arriving later opens its ticket withdrawn
  (:mod:`emulators.nsp.withdrawals`).
- Notices are raised, revised and cleared through ``/nsp/outages`` or a script; each revision goes to the hub
  (:mod:`emulators.nsp.outages`).
- At most ``max_tickets`` tickets are kept (the oldest answered go first); ``GET /__admin/state`` lists the newest
  ``state_limit`` tickets, notices and withdrawals with their counts, ``GET /nsp/tickets`` every ticket kept.
Reset: tickets, notices and pending replies are dropped and the script starts again from the reset; the ticket and
notice numbering goes on where it was.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from lxml import etree

from emulators.callbacks import CallbackClient
from emulators.nsp.notice_feedback import take_feedback
from emulators.nsp.notices import NSP_NS, NoticeSpecError
from emulators.nsp.outages import OutageNotices
from emulators.nsp.replies import Reply, known_fault_reply, reply_document, seeded_reply
from emulators.nsp.schedule import Scheduler
from emulators.nsp.script import ScriptEvent
from emulators.nsp.settings import ReplySettings
from emulators.nsp.state import NspState
from emulators.nsp.withdrawals import WITHDRAWN, withdraw_work_order
from emulators.toolkit import Clock
from emulators.toolkit.jsonkeys import unknown_keys_problem
from emulators.toolkit.logs import emulator_logger, log_event
from emulators.toolkit.xmlcommand import CommandError, MessageIds, iso, response_root, sub, text_of, validate_own
from hub.observability.logging import mask_msisdn
from hub.validation import ValidatedCommand
from hub.validation.namespaces import COMMON_NS as C

__all__ = ["NspService"]

_NUMBERS = frozenset({"msisdn", "peer_number", "contact_number"})  # template fields kept masked, as Msisdn is
REPLY_KEYS = ("cause", "action", "result", "resolved")  # what a reply by hand may set; any other key is refused


def _masked(name: str, value: str) -> str:
    return mask_msisdn(value) if name in _NUMBERS else value


class NspService:
    def __init__(
        self, *, seed: int | str, clock: Clock, callbacks: CallbackClient, reply_delay: float = 5.0,
        auto_reply: bool = True, answer_known_faults: bool = True, script: list[ScriptEvent] | None = None,
        max_tickets: int = 10_000, state_limit: int = 1_000,
    ) -> None:
        if reply_delay < 0 or state_limit < 0:
            raise ValueError("reply_delay and state_limit must be >= 0")
        self.seed, self.clock, self.callbacks = seed, clock, callbacks
        self.started_with = ReplySettings(auto_reply=auto_reply, reply_delay=float(reply_delay),
                                          answer_known_faults=answer_known_faults)
        self.reply_settings = self.started_with  # GET/POST /nsp/settings
        self.script = script or []
        self.state = NspState(max_tickets=max_tickets)
        self.state_limit = state_limit
        self.scheduler = Scheduler(clock, name="nsp")
        self.ids = MessageIds("nsp")
        self.log = emulator_logger("nsp")
        self._lock = self.state.lock
        self.outages = OutageNotices(state=self.state, clock=clock, callbacks=callbacks, ids=self.ids, log=self.log)

    # -- lifecycle ----------------------------------------------------------------------------------------------
    def reset(self, *, restart_script: bool = True) -> None:
        self.scheduler.cancel_all()
        self.callbacks.reset()
        self.ids.reset()
        self.state.reset()
        self.reply_settings = self.started_with
        if restart_script:
            self.start_script()

    def start_script(self) -> None:
        start = self.clock.monotonic()
        for event in self.script:
            self.scheduler.call_at(start + event.at,
                                   lambda e=event: self.outages.script_event(e),  # type: ignore[misc]
                                   label=f"script:{event.action}:{event.name}")

    def stop(self) -> None:
        self.scheduler.close()
        self.callbacks.close()

    # -- NetworkComplaintDispatch -------------------------------------------------------------------------------
    def dispatch(self, command: ValidatedCommand) -> etree._Element:
        el, now, settings = command.element, self.clock.now(), self.reply_settings
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
            fields = {f.get("name") or "": _masked(f.get("name") or "", f.text or "")
                      for f in el.iterfind(f"{{{NSP_NS}}}Field")}
            ticket: dict[str, Any] = {
                "ticket_id": ticket_id, "work_order_id": text_of(el, "WorkOrderId", NSP_NS),
                "message_id": command.message_id, "msisdn": mask_msisdn(text_of(el, "Msisdn", NSP_NS) or ""),
                "category": text_of(el, "CategoryCode", NSP_NS), "area_code": area_code, "district": district,
                "fault_place": text_of(el, "FaultPlace", NSP_NS), "functions": functions,
                "occurred_at": text_of(el, "OccurredAt", NSP_NS), "terminal_type": text_of(el, "TerminalType", NSP_NS),
                "fields": fields,
                "priority": int(text_of(el, "Priority", NSP_NS) or 4), "received_at": iso(now),
                "status": "acknowledged", "reply": None, "reply_message_id": None, "withdrawal": None,
            }
            withdrawn = self.state.withdrawals.get(ticket["work_order_id"])  # it overtook this dispatch
            if withdrawn is not None:
                ticket.update(status=WITHDRAWN, withdrawal=withdrawn)
            self.state.add_ticket(ticket)
            if withdrawn is not None:
                self.state.answered(ticket_id)
            covering = settings.answer_known_faults
            notice = self.state.covering_notice(area_code, district, functions) if covering else None
        log_event(self.log, logging.INFO, "nsp.dispatch", ticket_id=ticket_id, work_order_id=ticket["work_order_id"],
                  area_code=area_code, known_fault=notice.notice_id if notice else None,
                  withdrawn=withdrawn is not None)
        if withdrawn is None and notice is not None:  # (withdrawn before it came: no reply)
            reply = known_fault_reply(self.seed, ticket["work_order_id"], notice, area_code)
            self.scheduler.call_later(0, lambda: self._send_reply(ticket_id, reply), label=f"reply:{ticket_id}")
        elif withdrawn is None and settings.auto_reply:
            self.scheduler.call_later(settings.reply_delay, lambda: self._send_reply(ticket_id),
                                      label=f"reply:{ticket_id}")
        root = response_root(command, "ACCEPTED", now)
        sub(root, NSP_NS, "NspTicketId", ticket_id)
        return root

    # -- NetworkComplaintWithdraw -------------------------------------------------------------------------------
    def withdraw(self, command: ValidatedCommand) -> etree._Element:
        """Withdraw the work order's unanswered tickets; their scheduled replies are dropped (and never sent)."""
        root, withdrawn = withdraw_work_order(self.state, command, self.clock.now())
        for ticket_id in withdrawn:
            self.scheduler.cancel(f"reply:{ticket_id}")
        log_event(self.log, logging.INFO, "nsp.withdraw", work_order_id=text_of(command.element, "WorkOrderId",
                  NSP_NS), outcome=root.findtext(f"{{{NSP_NS}}}Outcome"), withdrawn=withdrawn)
        return root

    def reply_now(self, ticket_id: str, overrides: dict[str, Any]) -> dict[str, Any]:
        """Reply to a ticket now (``POST /nsp/tickets/{id}/reply``); ``overrides`` may set cause/action/result/
        resolved (any other key: NoticeSpecError). Raises KeyError (unknown ticket) or CommandError 409 (already
        replied)."""
        problem = unknown_keys_problem(overrides, REPLY_KEYS)
        if problem:
            raise NoticeSpecError(problem)
        with self._lock:
            ticket = self.state.tickets[ticket_id]
            if ticket["reply"] is not None:
                raise CommandError(409, "already-replied", f"ticket {ticket_id} was already answered")
            if ticket["status"] == WITHDRAWN:
                raise CommandError(409, "withdrawn", f"ticket {ticket_id} was withdrawn by the hub (its work order "
                                   "was cancelled): no reply is sent")
            base = seeded_reply(self.seed, ticket["work_order_id"], ticket["functions"], ticket["area_code"],
                                ticket["fault_place"] or "")
        fields = {k: overrides[k] for k in REPLY_KEYS if k in overrides}
        for key, value in fields.items():
            if not isinstance(value, bool if key == "resolved" else str):
                raise NoticeSpecError(f"'{key}' must be {'true or false' if key == 'resolved' else 'a string'}")
        return self._send_reply(ticket_id, replace(base, **fields))

    def _send_reply(self, ticket_id: str, reply: Reply | None = None) -> dict[str, Any]:
        now = self.clock.now()
        with self._lock:
            ticket = self.state.tickets.get(ticket_id)
            if ticket is None or ticket["reply"] is not None or ticket["status"] == WITHDRAWN:
                return {}  # reset since, answered by hand, or withdrawn by the hub
            if reply is None:
                reply = seeded_reply(self.seed, ticket["work_order_id"], ticket["functions"], ticket["area_code"],
                                     ticket["fault_place"] or "")
            message_id = self.ids.next()
            root = reply_document(reply, work_order_id=ticket["work_order_id"], ticket_id=ticket_id,
                                  message_id=message_id, correlation_id=ticket["message_id"], at=now)
            validate_own(root)
            ticket.update(status="resolved" if reply.resolved else "replied", reply={**reply.to_json(), "at": iso(now)},
                          reply_message_id=message_id)
            self.state.answered(ticket_id)
        self.callbacks.submit("nsp", "NetworkComplaintReply", etree.tostring(root, xml_declaration=True,
                              encoding="UTF-8"), message_id=message_id, ref=ticket_id)
        return {"ticket_id": ticket_id, "message_id": message_id, **reply.to_json()}

    # -- settings (``emulators.nsp.settings``) ---------------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        """``GET /nsp/settings``: how dispatches are answered now."""
        return self.reply_settings.to_json()

    def change_settings(self, spec: Any) -> dict[str, Any]:
        """``POST /nsp/settings``: change some of them (``ReplySettings.changed``); the settings now in force."""
        with self._lock:
            self.reply_settings = self.reply_settings.changed(spec)
        log_event(self.log, logging.INFO, "nsp.settings", **self.reply_settings.to_json())
        return self.reply_settings.to_json()

    # -- NoticeFeedback -----------------------------------------------------------------------------------------
    def notice_feedback(self, command: ValidatedCommand) -> etree._Element:
        """Customer service's feedback on a notice, recorded with it (``emulators.nsp.notice_feedback``)."""
        answer = take_feedback(self.state, command, self.clock.now())
        log_event(self.log, logging.INFO, "nsp.notice_feedback", message_id=command.message_id)
        return answer

    # -- notices (``emulators.nsp.outages``) --------------------------------------------------------------------
    def raise_notice(self, spec: Any) -> dict[str, Any]:
        """Raise a notice, or revise the active one the caller names with ``notice_id``."""
        return self.outages.raise_notice(spec)

    def clear_notice(self, notice_id: str, spec: Any) -> dict[str, Any]:
        """Clear a notice (``OutageNotices.clear_notice``)."""
        return self.outages.clear_notice(notice_id, spec)

    def withdraw_notice(self, notice_id: str, spec: Any) -> dict[str, Any]:
        """Withdraw a notice issued in error (``OutageNotices.withdraw_notice``)."""
        return self.outages.withdraw_notice(notice_id, spec)

    # -- admin view ---------------------------------------------------------------------------------------------
    def notices(self) -> list[dict[str, Any]]:
        """``GET /nsp/outages``: every notice."""
        with self._lock:
            return [n.to_json() for n in self.state.notices.values()]

    def tickets(self) -> list[dict[str, Any]]:
        """``GET /nsp/tickets``: every ticket kept, with its call-back."""
        tickets: list[dict[str, Any]] = self.snapshot(limit=None)["tickets"]
        return tickets

    def snapshot(self, limit: int | None = -1) -> dict[str, Any]:
        """``GET /__admin/state``: the newest ``state_limit`` tickets (with their call-back), notices and the hub's
        withdrawals, their counts, call-backs, due work, configuration. ``limit``: how many to list instead (None:
        all)."""
        history = {r["message_id"]: r for r in self.callbacks.history()}
        view = self.state.snapshot(self.state_limit if limit == -1 else limit)
        tickets = [{**t, "callback": history.get(t["reply_message_id"] or "")} for t in view["tickets"]]
        return {"tickets": tickets, "notices": view["notices"], "ticket_count": view["ticket_count"],
                "notice_count": view["notice_count"], "tickets_evicted": view["tickets_evicted"],
                "withdrawals": view["withdrawals"], "withdrawal_count": view["withdrawal_count"],
                "callbacks": list(history.values()), "scheduled": self.scheduler.due,
                "config": {**self.reply_settings.to_json(), "hub_url": self.callbacks.hub_url,
                           "script_events": len(self.script), "max_tickets": self.state.max_tickets,
                           "state_limit": self.state_limit}}
