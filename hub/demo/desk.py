"""The complaint front end's work-order desk: CreateWorkOrder, WorkOrderAction and QueryWorkOrder sent to the
hub's XML ingress as CS sends them, answered by the workflow, each call and its answer noted on the timeline.
A complaint is written by the demo (``create``) or is one of the simulator's day (``take``); an answer's note says
what the operator's rules did (an outage notice answering it at intake, the incident it is linked to)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from lxml import etree

from hub.demo.day import DayComplaint
from hub.demo.documents import new_complaint, read_xml, work_order_action, work_order_query
from hub.demo.scene import FlowFailed, Scene
from hub.observability.logging import mask_msisdn

__all__ = ["CHINA", "Answer", "WorkOrderDesk"]

WO, C = "urn:onepoint:workorder:1", "urn:onepoint:common:1"
NS = {"wo": WO, "c": C}
CHINA = timezone(timedelta(hours=8))


@dataclass(frozen=True, slots=True)
class Answer:
    """The hub's answer to a work-order call: HTTP status and document (``c:Error`` when refused)."""

    status: int
    document: etree._Element

    def text(self, path: str) -> str:
        return str(self.document.findtext(path, default="", namespaces=NS))

    @property
    def state(self) -> str:
        return self.text("wo:State") or self.text("wo:WorkOrder/wo:State")

    @property
    def refusal(self) -> str:
        return f"{self.status} {self.text('c:Code')}: {self.text('c:Message')}"

    def history(self) -> list[etree._Element]:
        return list(self.document.iterfind("wo:WorkOrder/wo:History", NS))

    def states(self) -> list[tuple[str, str]]:
        """The states of the work order's history, oldest first, each with the system that moved it there."""
        return [(str(e.findtext("wo:State", namespaces=NS)), str(e.findtext("wo:System", "", NS)))
                for e in self.history() if e.find("wo:State", NS) is not None]

    def note_of(self, action: str) -> str:
        """The note of the work order's latest history entry of ``action`` (REPLY, AUTO_ANSWER...), or ""."""
        notes = [str(e.findtext("wo:Note", "", NS)) for e in self.history()
                 if e.findtext("wo:Action", "", NS) == action]
        return notes[-1] if notes else ""

    def changes(self) -> dict[str, str]:
        """The field changes of the work order's history: each field's latest value."""
        return {str(e.findtext("wo:Field", namespaces=NS)): str(e.findtext("wo:NewValue", "", NS))
                for e in self.history() if e.find("wo:Field", NS) is not None}


def _local(value: str) -> str:
    """A timestamp of an answer as the agent's screen shows it: China time, to the minute."""
    return f"{datetime.fromisoformat(value).astimezone(CHINA):%m-%d %H:%M}"


def _rules(answer: Answer) -> str:
    """What the operator's rules did to a work order, as its answer says: the outage notice that answered it at
    intake (with the wording read to the caller) or that it is linked to, the incident it is a child of."""
    said = []
    notice = answer.text("wo:OutageNoticeId") or answer.text("wo:WorkOrder/wo:OutageNoticeId")
    if notice:
        wording = answer.text("wo:AutoAnswer")
        said.append(f"outage {notice}" + (f', answered at intake: "{_short(wording)}"' if wording else ""))
    incident = answer.text("wo:IncidentId") or answer.text("wo:WorkOrder/wo:IncidentId")
    if incident:
        said.append(f"incident {incident}")
    return "".join(f"; {s}" for s in said)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


class WorkOrderDesk:
    """One CS agent's work-order calls through ``/xml/workorder``."""

    def __init__(self, scene: Scene, agent: str) -> None:
        self.scene, self.agent = scene, agent

    def _call(self, document: bytes) -> tuple[Answer, float, float]:
        sent, started = time.time(), time.perf_counter()
        response = self.scene.post_xml("workorder", document)
        took = time.perf_counter() - started
        return Answer(response.status_code, read_xml(response.content)), sent, took

    def _expect(self, answer: Answer, what: str) -> Answer:
        if answer.status != 200:
            raise FlowFailed(f"{what} refused: {answer.refusal}")
        return answer

    def create(self, customer: Any, who: str, occurred_at: datetime,
               phenomenon: Mapping[str, str] | None = None) -> Answer:
        """CreateWorkOrder for ``customer``: the answer carries the id, the tier BOSS gave, priority, deadlines;
        ``phenomenon``: its ``CategoryCode`` and ``Phenomenon`` (else the example's: cannot originate calls)."""
        document = new_complaint(self.scene.message_id("wo"), customer, self.agent, occurred_at, phenomenon)
        said = (f"{phenomenon['Phenomenon'].lower()} ({phenomenon['CategoryCode']})" if phenomenon
                else "cannot originate calls (01.02.03)")
        return self._create(document, f"{who} {mask_msisdn(customer.msisdn)}: {said}")

    def take(self, complaint: DayComplaint, who: str) -> Answer:
        """CreateWorkOrder of a complaint of the simulator's day, as the simulator writes it, happening now."""
        document = complaint.document(self.scene.message_id("wo"), taken_by=self.agent, at=datetime.now(CHINA))
        where = f" at {complaint.intake_point}" if complaint.intake_point else ""
        return self._create(document, f"{who}: {mask_msisdn(complaint.msisdn)} in {complaint.district}, "
                                      f"{complaint.phenomenon.lower()} ({complaint.category}) via "
                                      f"{complaint.channel}{where}")

    def _create(self, document: bytes, summary: str) -> Answer:
        self.scene.note("CS", "hub (XML)", "workorder.CreateWorkOrder", summary)
        answer, sent, took = self._call(document)
        self._expect(answer, "CreateWorkOrder")
        deadlines = ", ".join(f"{label} due {_local(answer.text(f'wo:Deadlines/wo:{name}'))}"
                              for name, label in (("FirstResponseDue", "first response"), ("ReplyDue", "reply"))
                              if answer.text(f"wo:Deadlines/wo:{name}"))
        repeat = " (repeat complaint)" if answer.text("wo:RepeatComplaint") == "true" else ""
        self.scene.note("hub", "CS", "CreateWorkOrderResponse",
                        f"{answer.text('wo:WorkOrderId')} {answer.state}{repeat}: tier {answer.text('wo:Tier')}, "
                        f"priority {answer.text('wo:Priority')}; {deadlines}{_rules(answer)}", took, at=sent + took)
        return answer

    def act(self, work_order_id: str, action: str, summary: str, *, values: Mapping[str, str] | None = None,
            fields: Mapping[str, str] | None = None, checks: Sequence[int] = (), refused: bool = False) -> Answer:
        """WorkOrderAction ``action`` (an example's name: dispatch, escalate, reply, callback, close) on the work
        order; ``checks``: a dispatch's pre-processing checks made, by number; ``refused``: the workflow is
        expected to refuse it (the refusal is the answer)."""
        document = work_order_action(self.scene.message_id(action), work_order_id, self.agent, action, values,
                                     fields, checks)
        self.scene.note("CS", "hub (XML)", f"workorder.WorkOrderAction {action.title()}",
                        f"{work_order_id}: {summary}")
        answer, sent, took = self._call(document)
        if refused:
            if answer.status == 200:
                raise FlowFailed(f"{action.title()} of {work_order_id} was expected to be refused: "
                                 f"it led to {answer.state}")
            outcome = answer.refusal
        else:
            outcome = self._expect(answer, f"{action.title()} of {work_order_id}").state
            if answer.text("wo:Owner"):
                outcome += f", owner {answer.text('wo:Owner')}"
        self.scene.note("hub", "CS", "WorkOrderActionResponse", outcome, took, at=sent + took)
        return answer

    def query(self, work_order_id: str) -> Answer:
        """QueryWorkOrder (not noted: ``wait_for`` notes the answer it waited for)."""
        answer, _, _ = self._call(work_order_query(self.scene.message_id("query"), work_order_id))
        return self._expect(answer, f"QueryWorkOrder {work_order_id}")

    def look(self, work_order_id: str, why: str) -> Answer:
        """QueryWorkOrder once, noted: the work order's state, type, priority, links and history."""
        self.scene.note("CS", "hub (XML)", "workorder.QueryWorkOrder", f"{work_order_id} ({why})")
        sent, started = time.time(), time.perf_counter()
        answer = self.query(work_order_id)
        took = time.perf_counter() - started
        children = answer.text("wo:WorkOrder/wo:ChildCount")
        facts = [answer.text("wo:WorkOrder/wo:TicketType"), f"priority {answer.text('wo:WorkOrder/wo:Priority')}",
                 *([f"{children} children"] if children else [])]
        path = " → ".join(f"{entered} ({by})" for entered, by in answer.states())
        self.scene.note("hub", "CS", "QueryWorkOrderResponse",
                        f"{answer.state}, {', '.join(facts)}{_rules(answer)}; history {path}", took, at=sent + took)
        return answer

    def wait_for(self, work_order_id: str, state: str, why: str) -> Answer:
        """Poll QueryWorkOrder until the work order is in ``state`` (moved on by ``why``)."""
        self.scene.note("CS", "hub (XML)", "workorder.QueryWorkOrder", f"{work_order_id}, until {state} ({why})")
        polls, started = 0, time.perf_counter()

        def reached() -> Answer | None:
            nonlocal polls
            polls += 1
            answer = self.query(work_order_id)
            return answer if answer.state == state else None

        found: Answer = self.scene.wait(reached, f"{work_order_id} to be {state} ({why})")
        took = time.perf_counter() - started
        path = " → ".join(f"{entered} ({by})" for entered, by in found.states())
        queries = "1 query" if polls == 1 else f"{polls} queries"
        self.scene.note("hub", "CS", "QueryWorkOrderResponse",
                        f"{state} after {queries}; history {path}; {len(found.history())} entries", took)
        return found
