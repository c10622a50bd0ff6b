"""The player: the day's arrivals and every simulated person's next step on one timeline of simulated instants,
each step run when the simulated clock reaches it (a few at a time, on a small thread pool), each step scheduling
the next one of its complaint from the hub's answer. The outage notice and its clearing are barriers: nothing
later is sent before NSP's call-back reached the hub, so "before" and "after the notice" mean what they say.

What the player keeps of each complaint and of its run (``hub.simulate.cases``) is only what the hub cannot know;
the figures are read from the hub's store afterwards.
The simulated network centre judges a dispatch by the NSP ticket it got (its template fields), not by what the
agent meant to send: a hub that loses fields on the way shows in the invalid-dispatch share.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from hub.simulate.arrivals import VAGUE, Arrival
from hub.simulate.cases import Case, PlayLog
from hub.simulate.clock import SimulatedTime
from hub.simulate.desk import Answer, HubDesk, NspDesk
from hub.simulate.documents import action
from hub.simulate.people import People
from hub.simulate.scenario import CHINA, Scenario
from hub.simulate.timeline import Timeline

__all__ = ["Case", "PlayLog", "Player"]

TAIL = timedelta(hours=48)  # after the day: the last complaints' replies and return visits, then the play stops
TICKET_RETRIES = 20
NSP_READS = timedelta(minutes=1)  # after a dispatch the centre looks at its ticket (the hub hands it on meanwhile)


class Player:
    """``Player(scenario, time_, hub_url, nsp_url).play(arrivals)`` returns the ``PlayLog``."""

    def __init__(self, scenario: Scenario, time_: SimulatedTime, hub_url: str, nsp_url: str, *, threads: int = 4,
                 skip_idle: bool = True, progress: Callable[[PlayLog, datetime, int], None] | None = None) -> None:
        self.scenario, self.time = scenario, time_
        self.hub, self.nsp = HubDesk(hub_url), NspDesk(nsp_url)
        self.log = PlayLog(uuid.uuid4().hex[:6])
        self.timeline = Timeline(time_, threads=threads, skip_idle=skip_idle)
        self.at, self.after = self.timeline.at, self.timeline.after
        self.progress = progress
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._auto_answered: list[Case] = []
        self._children: dict[str, list[Case]] = {}

    def play(self, arrivals: Iterable[Arrival]) -> PlayLog:
        outage = self.scenario.outage
        self.at(outage.notice_at, "outage notice", self._raise_notice, barrier=True)
        self.at(outage.cleared_at, "outage cleared", self._clear_notice, barrier=True)
        for arrival in arrivals:
            self.at(arrival.at, f"complaint {arrival.number}", lambda a=arrival: self._intake(a))  # type: ignore[misc]
        try:
            self.timeline.run(self.scenario.day_end + TAIL, self._tick)
        finally:
            self.hub.close()
            self.nsp.close()
        timeline = self.timeline
        self.log.steps, self.log.unfinished = timeline.steps, timeline.unfinished
        self.log.max_lag_seconds = timeline.max_lag_seconds
        self.log.refused.update({f"{kind}: failed": n for kind, n in timeline.failed.items()})
        return self.log

    def _tick(self, running: int) -> None:
        self.log.steps, self.log.max_lag_seconds = self.timeline.steps, self.timeline.max_lag_seconds
        if self.progress is not None:
            self.progress(self.log, self.time.now(), running)

    # -- calls ---------------------------------------------------------------------------------------------------
    def _message_id(self, label: str) -> str:
        return f"sim-{self.log.run}-{label}-{next(self._ids):06d}"

    def _act(self, case: Case, name: str, operator: str, *, values: dict[str, str] | None = None,
             fields: dict[str, str] | None = None, work_order_id: str | None = None) -> Answer:
        document = action(self._message_id(name), work_order_id or case.work_order_id, operator, name,
                          values=values, fields=fields, complaint=case.arrival)
        answer = self.hub.post(document)
        if not answer.ok:
            with self._lock:
                self.log.refused[f"{name}: {answer.code}"] += 1
        return answer

    # -- the complaint's way ---------------------------------------------------------------------------------------
    def _intake(self, arrival: Arrival) -> None:
        case = Case(arrival, People(self.scenario.seed, arrival.number))
        answer = self.hub.post(arrival.document(arrival.message_id(self.log.run), taken_by=case.people.agent()))
        if not answer.ok:
            with self._lock:
                self.log.refused[f"create: {answer.code}"] += 1
            return
        case.work_order_id, case.tier = answer.text("wo:WorkOrderId"), answer.text("wo:Tier")
        case.priority = int(answer.text("wo:Priority") or 4)
        case.incident_id, case.outage_notice = answer.text("wo:IncidentId"), answer.text("wo:OutageNoticeId")
        with self._lock:
            self.log.cases.append(case)
        state = answer.state
        if state == "AUTO_ANSWERED":
            with self._lock:
                self._auto_answered.append(case)
            return
        if case.incident_id and state != "DISPATCHED":
            self._child(case)
            return
        if answer.text("wo:RepeatOf"):  # held for the open complaint it repeats: answered with it, not dispatched
            with self._lock:
                self.log.held += 1
            return
        if not arrival.network:
            self.after(case.people.cs_answers_itself(case.priority), "reply", lambda: self._reply(case, None))
        elif state == "DISPATCHED":
            self._dispatched(case)
        else:
            self.after(case.people.agent_dispatch(), "dispatch", lambda: self._dispatch(case, arrival.fields))

    def _child(self, case: Case) -> None:
        with self._lock:
            known = case.incident_id in self.log.incidents
            self.log.incidents.add(case.incident_id)
            self._children.setdefault(case.incident_id, []).append(case)
        if not known:
            incident = Case(case.arrival, People(self.scenario.seed, 100_000 + case.arrival.number),
                            work_order_id=case.incident_id, tier=case.tier, priority=1)
            self._dispatched(incident, incident=True)

    def _dispatch(self, case: Case, fields: dict[str, str]) -> None:
        answer = self._act(case, "dispatch", case.people.agent(), fields=fields)
        if answer.ok:
            self._dispatched(case)
        elif answer.code == "dispatch-incomplete":
            self.after(case.people.agent_completes(), "dispatch",
                       lambda: self._dispatch(case, case.arrival.full_fields))
        elif answer.code == "transition-refused":  # escalated meanwhile: the manager's team answers it
            self.after(case.people.cs_answers_itself(case.priority), "reply", lambda: self._reply(case, None))

    def _poor(self, case: Case, ticket: dict[str, Any]) -> str | None:
        """Why the network centre cannot act on the ticket NSP got (None: it can): a template field missing, or a
        place or terminal given as not known."""
        got = {str(k): str(v) for k, v in (ticket.get("fields") or {}).items()}
        missing = sorted(set(case.arrival.full_fields) - set(got))
        if missing:
            return f"Dispatch lacks {', '.join(missing)}: cannot act on it"[:200]
        vague = sorted(k for k, v in got.items() if v == VAGUE)
        return f"{', '.join(vague)} not known: cannot locate the fault"[:200] if vague else None

    def _explained(self, case: Case) -> bool:
        return case.arrival.kind == "outage"

    def _dispatched(self, case: Case, *, incident: bool = False) -> None:
        case.dispatches += 1
        if incident:
            self._nsp_takes(case, incident=True)
        else:
            self.after(NSP_READS, "nsp-reads", lambda: self._nsp_reads(case, 0))

    def _nsp_reads(self, case: Case, attempt: int) -> None:
        """The network centre reads the ticket of the latest dispatch and rejects it when it cannot act on it."""
        ticket = self.nsp.latest(case.work_order_id, dispatches=case.dispatches)
        if ticket is None:
            if attempt < TICKET_RETRIES:
                self.after(timedelta(minutes=5), "nsp-reads", lambda: self._nsp_reads(case, attempt + 1))
            else:
                with self._lock:
                    self.log.refused["nsp-reads: no NSP ticket"] += 1
            return
        case.lacks = self._poor(case, ticket)
        self._nsp_takes(case)

    def _nsp_takes(self, case: Case, *, incident: bool = False) -> None:
        people = case.people
        if not incident and case.lacks is not None:
            self.after(people.nsp_rejects(), "reject", lambda: self._reject(case))
            return
        if self._explained(case):
            due = max(self.time.now() + people.nsp_matches_outage(),
                      self.scenario.outage.notice_at + timedelta(minutes=5))
            self.at(due, "nsp-reply", lambda: self._nsp_reply(case, 0))
            return
        self.after(people.nsp_answers(case.priority), "nsp-reply", lambda: self._nsp_reply(case, 0, incident))

    def _reject(self, case: Case) -> None:
        reason = case.lacks or "dispatch too poor to act on"
        answer = self._act(case, "reject-dispatch", case.people.engineer(case.arrival.area_code),
                           values={"RejectDispatch/Reason": reason})
        if answer.ok:
            self.after(case.people.agent_clarifies(), "dispatch",
                       lambda: self._dispatch(case, case.arrival.full_fields))
        else:  # the work order moved on meanwhile (escalated): the centre answers it after all
            self.after(case.people.nsp_answers(case.priority), "nsp-reply", lambda: self._nsp_reply(case, 0))

    def _nsp_reply(self, case: Case, attempt: int, incident: bool = False) -> None:
        ticket = self.nsp.ticket_of(case.work_order_id, dispatches=case.dispatches)
        if ticket is None:
            if attempt < TICKET_RETRIES:
                self.after(timedelta(minutes=5), "nsp-reply", lambda: self._nsp_reply(case, attempt + 1, incident))
            else:
                with self._lock:
                    self.log.refused["nsp-reply: no NSP ticket"] += 1
            return
        outage = self.scenario.outage
        overrides: dict[str, object] = {}
        if self._explained(case):
            overrides = {"cause": f"Known fault {outage.notice_id}", "resolved": False,
                         "result": "Matched to the active network notice; the customer is told the agreed wording."}
        reply = self.nsp.reply(ticket, overrides) or {
            "cause": "Answered by NSP", "action": "See NSP's ticket", "result": "Answered", "resolved": True}
        values = {"Reply/Cause": str(reply["cause"])[:200], "Reply/Action": str(reply["action"])[:2000],
                  "Reply/Result": str(reply["result"])[:2000], "Reply/Resolved": str(bool(reply["resolved"])).lower()}
        self.after(case.people.cs_tells_findings(), "reply", lambda: self._reply(case, values, incident))

    def _reply(self, case: Case, values: dict[str, str] | None, incident: bool = False) -> None:
        values = values or {"Reply/Cause": "Explained to the customer at first contact",
                            "Reply/Action": "Checked the account and explained the rule",
                            "Reply/Result": "The customer accepts the explanation", "Reply/Resolved": "true"}
        answer = self._act(case, "reply", case.people.agent(), values=values)
        if incident:
            children = self._children.get(case.work_order_id, [])
            for child in children:
                self.after(child.people.return_visit(child.tier), "callback", lambda c=child: self._visit(c))  # type: ignore[misc]
        if incident:  # an incident has no return visit (its children have theirs): closed once replied
            self.after(case.people.closes(), "close", lambda: self._close(case))
        elif answer.ok or answer.code == "transition-refused":  # refused: replied by its incident
            self.after(case.people.return_visit(case.tier), "callback", lambda: self._visit(case))

    def _visit(self, case: Case) -> None:
        people = case.people
        answer = self._act(case, "callback", people.visitor(), values={
            "Callback/VisitedAt": self.time.now().astimezone(CHINA).isoformat(timespec="seconds"),
            "Callback/Satisfaction": people.satisfaction(), "Callback/Note": "Return visit by the simulated team."})
        if answer.ok and answer.text("wo:ReturnVisitAttempt/wo:Attempt"):  # not reached: called again later
            self.after(people.return_visit(case.tier), "callback", lambda: self._visit(case))
        elif answer.ok or answer.code == "transition-refused":
            self.after(people.closes(), "close", lambda: self._close(case))

    def _close(self, case: Case) -> None:
        self._act(case, "close", case.people.agent())

    # -- the outage ----------------------------------------------------------------------------------------------
    def _raise_notice(self) -> None:
        outage = self.scenario.outage
        sent = self.nsp.raise_notice({
            "notice_id": outage.notice_id, "kind": "FAULT", "title": f"Base station fault, {outage.district}",
            "areas": [{"area_code": outage.area_code, "district": outage.district}],
            "services": list(outage.services), "start": outage.starts.isoformat(),
            "expected_end": (outage.starts + outage.clears_after + timedelta(hours=1)).isoformat(),
            "wording": f"A base station fault in {outage.district} affects calls and mobile data; engineers are on "
                       "site and service is expected back within a few hours. We are sorry for the trouble."})
        self.log.notice_delivered = self.nsp.delivered(str(sent["message_id"]))

    def _clear_notice(self) -> None:
        outage = self.scenario.outage
        sent = self.nsp.clear_notice(outage.notice_id, f"Service in {outage.district} is back to normal.")
        self.log.cleared_delivered = self.nsp.delivered(str(sent["message_id"]))
        with self._lock:
            answered = list(self._auto_answered)
        for case in answered:
            self.after(case.people.return_visit(case.tier), "callback", lambda c=case: self._visit(c))  # type: ignore[misc]
