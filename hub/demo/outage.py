"""The outage play (the operator's first rule, docs/outages.md), on the simulator's outage:

* NSP's operator raises the notice of the day's fault (its area, district and services; started as long before
  the complaints played as in the day); NSP calls the hub, which broadcasts it: the agents' bulletin, the area
  managers' OA to-read items, CRM and the workflow;
* complaints of the day's burst taken after the notice, sent as the simulator writes them (re-timed to now), are
  answered at intake: CreateWorkOrder's answer is AUTO_ANSWERED with the notice's id and wording, and neither the
  hub's handlers nor NSP saw a dispatch for them;
* NSP's operator clears the notice: the workflow replies every linked complaint with the recovery wording
  (REPLIED, the return visit due), read back with QueryWorkOrder.
"""

from __future__ import annotations

import time
from datetime import datetime
from functools import partial
from typing import Any

from hub.demo.day import DayComplaint, DayOutage
from hub.demo.desk import CHINA, Answer, WorkOrderDesk
from hub.demo.dispatches import hub_dispatches, nsp_dispatches
from hub.demo.scene import AGENT, FlowFailed, Scene

__all__ = ["outage_notice"]

COMPLAINTS = 3  # of the burst taken after the notice: enough to show the rule
NOTICE_CONSUMERS = ("bulletin", "crm", "oa", "workflow")  # who handles NSP's broadcast notice
WORDING = "A base station fault affects calls and mobile data around the Civic Center; engineers are on site."
RECOVERY = "The base station is repaired: calls and mobile data work again."


def _raise(scene: Scene, outage: DayOutage) -> str:
    # the fault began as long before now as it began before the last complaint played in the day: each complaint,
    # re-timed to when it is taken, keeps how long before its intake its fault occurred (never before the fault)
    last = max((c.at for c in scene.day.after_notice[:COMPLAINTS]), default=outage.notice_at)
    began = max(last, outage.notice_at) - outage.starts
    starts = datetime.now(CHINA) - began
    spec = {"title": f"{outage.district}: base station SZ-FT-0412 out of service",
            "areas": [{"area_code": outage.area_code, "district": outage.district}],
            "services": list(outage.services), "wording": WORDING, "start": starts.isoformat(timespec="seconds"),
            "expected_end": (starts + outage.lasts).isoformat(timespec="seconds")}
    raised_at = time.time()
    raised = scene.http.post(f"{scene.system_url('nsp')}/nsp/outages", json=spec)
    if raised.status_code != 201:
        raise FlowFailed(f"NSP refused the outage: {raised.status_code} {raised.text}")
    notice_id = str(raised.json()["notice_id"])
    minutes = began.total_seconds() / 60
    scene.note("NSP operator", "NSP", "raise outage",
               f"{notice_id} in {outage.area_code} {outage.district} ({', '.join(outage.services)}), the fault "
               f"began {minutes:.0f} min ago: NSP calls the hub", at=raised_at)
    return notice_id


def _broadcast(scene: Scene, notice_id: str, area_code: str, raised_at: float) -> str:
    def on_bulletin() -> dict[str, Any] | None:
        return next((n for n in scene.bulletin(AGENT)["notices"] if n["notice_id"] == notice_id), None)

    notice = scene.wait(on_bulletin, "the notice on the agents' bulletin")
    scene.note(f"CS agent {AGENT}", "hub (GET /bulletin)", "bulletin",
               f"{notice_id} {'unread' if notice.get('unread') else 'read'}: {notice.get('title', '')}")
    managers = scene.stage.settings.adapter("oa").options["area_managers"][area_code]

    def to_read() -> bool:
        inbox = [scene.http.get(f"{scene.system_url('oa')}/oa/users/{m}/items").json()["toread"] for m in managers]
        return all(any(notice_id in item["item_id"] for item in items) for items in inbox)

    scene.wait(to_read, f"the to-read items of {', '.join(managers)} in OA")
    scene.note("OA inboxes", "the demo (looked)", "to-read items", f"for {', '.join(managers)}: one each")
    scene.wait(lambda: scene.admin("crm").count("NotifyAreaOutage") >= 1, "CRM's NotifyAreaOutage")
    scene.wait(lambda: scene.handled("workflow", "nsp.OutageNotice", since=raised_at),
               "the workflow worker to handle the notice")
    if not notice.get("unread"):
        raise FlowFailed(f"{notice_id} is on the bulletin but not unread for {AGENT}")
    return f"{notice_id} on the bulletin (unread), to-read for {len(managers)} manager(s) in OA, CRM told"


def _covered(complaint: DayComplaint, outage: DayOutage) -> bool:
    """The notice's area and district, one of the fault's complaint categories (the time: it happens now)."""
    return (complaint.area_code == outage.area_code and complaint.district.casefold() == outage.district.casefold()
            and complaint.category in outage.categories)


def _answered_at_intake(scene: Scene, desk: WorkOrderDesk, notice_id: str) -> list[tuple[DayComplaint, Answer]]:
    outage, chosen = scene.day.outage, scene.day.after_notice[:COMPLAINTS]
    if not chosen:
        raise FlowFailed(f"the simulator's day (seed {scene.day.seed}) has no outage complaint after the notice")
    since = time.time()
    answers = []
    for complaint in chosen:
        if not _covered(complaint, outage):
            raise FlowFailed(f"the day's complaint #{complaint.number} ({complaint.category} in "
                             f"{complaint.district}) is not one the notice explains")
        answer = desk.take(complaint, f"the day's #{complaint.number} ({complaint.at:%H:%M})")
        if answer.state != "AUTO_ANSWERED" or answer.text("wo:OutageNoticeId") != notice_id:
            raise FlowFailed(f"the day's complaint #{complaint.number} was not answered at intake: "
                             f"{answer.text('wo:WorkOrderId')} {answer.state}, notice "
                             f"{answer.text('wo:OutageNoticeId') or 'none'}")
        answers.append((complaint, answer))
    ids = {a.text("wo:WorkOrderId") for _, a in answers}
    sent = hub_dispatches(scene, since)  # the handler sends before it answers: all there is, is logged
    reached = [d.work_order_id for d in nsp_dispatches(scene, since) if d.work_order_id in ids]
    if sent or reached:
        raise FlowFailed(f"complaints answered at intake were dispatched: the hub sent {sent}, NSP got {reached}")
    scene.note("NSP", "the demo (looked)", "journal", f"no dispatch for {', '.join(sorted(ids))}")
    return answers


def _cleared(scene: Scene, desk: WorkOrderDesk, notice_id: str, work_order_ids: list[str]) -> list[Answer]:
    cleared_at = time.time()
    cleared = scene.http.post(f"{scene.system_url('nsp')}/nsp/outages/{notice_id}/clear", json={"wording": RECOVERY})
    if cleared.status_code != 200:
        raise FlowFailed(f"NSP did not clear {notice_id}: {cleared.status_code} {cleared.text}")
    scene.note("NSP operator", "NSP", "clear outage", f"{notice_id}: the fault is repaired; NSP calls the hub",
               at=cleared_at)
    for consumer in NOTICE_CONSUMERS:
        scene.wait(partial(scene.handled, consumer, "nsp.OutageNotice", since=cleared_at),
                   f"the {consumer} worker to handle the clearance")
    replied = [desk.wait_for(work_order_id, "REPLIED", "the notice's clearance") for work_order_id in work_order_ids]
    for answer in replied:
        reply = answer.note_of("REPLY")
        if RECOVERY not in reply or f"outage {notice_id} cleared" not in reply:
            raise FlowFailed(f"{answer.text('wo:WorkOrder/wo:WorkOrderId')} was replied with {reply!r}, not the "
                             "recovery wording")
        if not answer.text("wo:WorkOrder/wo:Deadlines/wo:ReturnVisitDue"):
            raise FlowFailed(f"{answer.text('wo:WorkOrder/wo:WorkOrderId')} is REPLIED without a return visit due")
    scene.wait(lambda: scene.settled(cleared_at), "the clearance's items for OA and CRM")
    return replied


def outage_notice(scene: Scene) -> str:
    outage = scene.day.outage
    raised_at = time.time()
    notice_id = _raise(scene, outage)
    told = _broadcast(scene, notice_id, outage.area_code, raised_at)
    desk = WorkOrderDesk(scene, AGENT)
    answered = _answered_at_intake(scene, desk, notice_id)
    work_order_ids = [a.text("wo:WorkOrderId") for _, a in answered]
    replied = _cleared(scene, desk, notice_id, work_order_ids)
    scene.facts.update(notice_id=notice_id, seed=scene.day.seed, nsp_dispatches=0, complaints=[
        {"work_order_id": work_order_id, "day_number": complaint.number, "category": complaint.category,
         "at_intake": a.state, "outage_notice_id": a.text("wo:OutageNoticeId"), "dispatched": False,
         "after_clearance": r.state, "return_visit_due": r.text("wo:WorkOrder/wo:Deadlines/wo:ReturnVisitDue")}
        for work_order_id, (complaint, a), r in zip(work_order_ids, answered, replied, strict=True)])
    count = len(answered)
    return (f"{told}; {count} complaints of the simulator's day (seed {scene.day.seed}) answered at intake "
            f"(AUTO_ANSWERED, {notice_id}), none dispatched; cleared: the {count} REPLIED with the recovery "
            "wording, return visit due")
