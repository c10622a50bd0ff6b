"""The two complaint plays, through the hub's real workflow as a CS front end uses it (``WorkOrderDesk``):

* ``network_complaint``: a customer's work order created (tier from BOSS, priority, deadlines), dispatched with its
  template's fields and the pre-processing checks the agent made (first without the fields: refused, naming what
  is missing), NSP's reply call-back taking it on to IN_PROGRESS, then replied, return-visited and closed; its
  history read back whole;
* ``vip_complaint``: a VIP customer's work order: CRM tells the account manager, the order is escalated to a
  manager (an OA to-do), who completes it in OA, and OA's CompleteTodo call-back takes the order up again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hub.demo.desk import CHINA, WorkOrderDesk
from hub.demo.documents import dispatch_target
from hub.demo.scene import AGENT, ORDINARY_TIERS, FlowFailed, Scene
from hub.observability.logging import mask_msisdn

__all__ = ["network_complaint", "vip_complaint"]

MANAGER = "mgr-cs-0755-03"
TEMPLATE_FIELDS = {  # what the agent asked the customer (template voice_originate; msisdn and contact number
    "terminal_type": "Huawei Mate 60",  # come from the work order, fault time and place are the complaint's)
    "announcement_heard": "The number you dialled cannot be connected",
    "calling_functions_affected": "local and long-distance calls; incoming calls and SMS work",
}
CHECKS_MADE = (1, 2, 4)  # barring and balance, terminal and SIM, the HLR synchronised (the template's numbers)
CLOSED_PATH = ["NEW", "ACCEPTED", "DISPATCHED", "IN_PROGRESS", "REPLIED", "RETURN_VISITED", "CLOSED"]


def _customer(scene: Scene) -> Any:
    """An ordinary, active Shenzhen customer (not the one whose HLR the hlr flow repairs)."""
    drifted = {s.msisdn for s in scene.population.drifted()}
    return next(s for s in scene.population.subscribers if s.effective_tier in ORDINARY_TIERS
                and s.status == "ACTIVE" and s.area_code == "0755" and s.msisdn not in drifted)


def _nsp_ticket(scene: Scene, work_order_id: str) -> dict[str, Any]:
    nsp = scene.admin("nsp")

    def ticket() -> dict[str, Any] | None:
        return next((t for t in nsp.state()["tickets"] if t["work_order_id"] == work_order_id), None)

    found: dict[str, Any] = scene.wait(ticket, f"NSP's ticket for {work_order_id}")
    return found


def network_complaint(scene: Scene) -> str:
    customer, occurred = _customer(scene), datetime.now(CHINA) - timedelta(hours=1)
    desk = WorkOrderDesk(scene, AGENT)
    created = desk.create(customer, "customer", occurred)
    work_order_id = created.text("wo:WorkOrderId")
    if created.state != "ACCEPTED" or created.text("wo:Tier") != customer.effective_tier:
        raise FlowFailed(f"{work_order_id} is {created.state} with tier {created.text('wo:Tier')}; expected "
                         f"ACCEPTED with the seeded tier {customer.effective_tier}")
    to = dispatch_target(TEMPLATE_FIELDS)  # the template's target (the NMC, through NSP)
    refused = desk.act(work_order_id, "dispatch", "to NSP, the template's questions not yet asked", fields={},
                       values={"Dispatch/ToDepartment": to.code, "Dispatch/ToSystem": to.system}, refused=True)
    if refused.text("c:Code") != "dispatch-incomplete" or "terminal_type" not in refused.text("c:Message"):
        raise FlowFailed(f"a dispatch without the template's fields: {refused.refusal}")
    fields = {**TEMPLATE_FIELDS, "fault_time": f"{occurred:%Y-%m-%d %H:%M}",
              "fault_place": f"{customer.district}: at home and in the streets around it"}
    desk.act(work_order_id, "dispatch", f"to NSP with the template's {len(fields)} fields and checks "
             f"{', '.join(map(str, CHECKS_MADE))} made", fields=fields, checks=CHECKS_MADE)
    ticket = _nsp_ticket(scene, work_order_id)
    replied = scene.http.post(f"{scene.system_url('nsp')}/nsp/tickets/{ticket['ticket_id']}/reply", json={})
    if replied.status_code == 200:
        scene.note("NSP operator", "NSP", "reply now", f"ticket {ticket['ticket_id']}: NSP calls the hub back")
    elif replied.status_code != 409:  # 409: NSP had already answered on its own (its automatic reply)
        raise FlowFailed(f"NSP did not reply to {ticket['ticket_id']}: {replied.status_code} {replied.text}")
    in_progress = desk.wait_for(work_order_id, "IN_PROGRESS", "NSP's reply call-back")
    nsp = in_progress.changes()
    if nsp.get("nsp_nspticketid") != ticket["ticket_id"]:
        raise FlowFailed(f"the history of {work_order_id} does not hold NSP's ticket {ticket['ticket_id']}: {nsp}")
    desk.act(work_order_id, "reply", "NSP's findings told to the customer", values={
        "Reply/Cause": nsp["nsp_cause"], "Reply/Action": nsp["nsp_action"], "Reply/Result": nsp["nsp_result"],
        "Reply/Resolved": nsp["nsp_resolved"]})
    desk.act(work_order_id, "callback", "the customer is satisfied", values={
        "Callback/VisitedAt": datetime.now(CHINA).isoformat(timespec="seconds"), "Callback/Satisfaction": "SATISFIED",
        "Callback/Note": "Calls work again."})
    desk.act(work_order_id, "close", "resolved by the network centre")
    closed = desk.wait_for(work_order_id, "CLOSED", "the whole history")
    path = [state for state, _ in closed.states()]
    checks = sorted(field for field in closed.changes() if field.startswith("check."))
    if path != CLOSED_PATH or "dispatch" not in closed.changes() or len(checks) != len(CHECKS_MADE):
        raise FlowFailed(f"the history of {work_order_id} is {path} with checks {checks}, expected {CLOSED_PATH}, "
                         f"the refused dispatch and the {len(CHECKS_MADE)} checks made")
    scene.facts.update(work_order_id=work_order_id, msisdn=mask_msisdn(customer.msisdn), tier=customer.effective_tier,
                       priority=int(created.text("wo:Priority")), refused_dispatch=refused.text("c:Code"),
                       nsp_ticket=ticket["ticket_id"], checks_made=list(CHECKS_MADE), checks_carried=len(checks),
                       states=path, history_entries=len(closed.history()))
    return (f"{work_order_id} (tier {customer.effective_tier}, priority {created.text('wo:Priority')}) dispatched "
            f"to NSP (ticket {ticket['ticket_id']}, {len(checks)} pre-processing checks carried), taken on by NSP's "
            "reply, replied, return-visited, closed; "
            f"{len(closed.history())} history entries")


def vip_complaint(scene: Scene) -> str:
    vip = scene.vip
    desk = WorkOrderDesk(scene, AGENT)
    created = desk.create(vip, "VIP", datetime.now(CHINA) - timedelta(minutes=20))
    work_order_id = created.text("wo:WorkOrderId")
    if created.text("wo:Tier") != vip.effective_tier:
        raise FlowFailed(f"{work_order_id} has tier {created.text('wo:Tier')}, the seeded tier is "
                         f"{vip.effective_tier}")
    crm = scene.admin("crm")

    def notice() -> dict[str, Any] | None:
        return next((n for n in crm.state()["recent_notices"] if n["work_order_id"] == work_order_id), None)

    told = scene.wait(notice, f"CRM's NotifyAccountManager for {work_order_id}")
    if told["account_manager_id"] != vip.account_manager_id:
        raise FlowFailed(f"CRM told {told['account_manager_id']}, the customer's manager is {vip.account_manager_id}")
    scene.note("CRM", "the demo (looked)", "account manager notice",
               f"{told['notice_id']} for {told['account_manager_id']} about {work_order_id}")
    desk.act(work_order_id, "escalate", f"to {MANAGER}", values={
        "Escalate/Reason": "VIP customer: a second failed call today", "Escalate/ToDepartment": MANAGER})
    item_id = f"{work_order_id}-esc1-0"
    items = f"{scene.system_url('oa')}/oa/users/{MANAGER}/items"
    scene.wait(lambda: any(t["item_id"] == item_id for t in scene.http.get(items).json()["todo"]),
               f"the to-do {item_id} in {MANAGER}'s OA list")
    done = scene.http.post(f"{scene.system_url('oa')}/oa/todos/{item_id}/complete",
                           json={"outcome": "Called the customer back; NOC engineer on site",
                                 "user_id": MANAGER})
    if done.status_code != 200:
        raise FlowFailed(f"OA did not complete {item_id}: {done.status_code} {done.text}")
    escalated = scene.wait(lambda: next((n for n in crm.state()["recent_notices"] if n["work_order_id"] ==
                                         work_order_id and n["summary"].startswith("handed up")), None),
                           f"CRM's NotifyAccountManager of the escalation of {work_order_id}")
    scene.note("CRM", "the demo (looked)", "account manager notice",
               f"{escalated['notice_id']} for {escalated['account_manager_id']}: {work_order_id} handed up")
    scene.note(MANAGER, "OA", "complete to-do", f"{item_id}: OA calls the hub back")
    taken_up = desk.wait_for(work_order_id, "IN_PROGRESS", "OA's CompleteTodo call-back")
    if "oa_todo" not in taken_up.changes():
        raise FlowFailed(f"the history of {work_order_id} does not hold the completed to-do")
    scene.facts.update(work_order_id=work_order_id, msisdn=mask_msisdn(vip.msisdn), tier=vip.effective_tier,
                       priority=int(created.text("wo:Priority")), account_manager_id=vip.account_manager_id,
                       crm_notices=[told["notice_id"], escalated["notice_id"]], escalated_to=MANAGER,
                       oa_todo=item_id, state=taken_up.state)
    return (f"{work_order_id} (tier {vip.effective_tier}, priority {created.text('wo:Priority')}): CRM told "
            f"{vip.account_manager_id} of it and of its escalation to {MANAGER}'s OA to-do, completed, in progress "
            "again")

