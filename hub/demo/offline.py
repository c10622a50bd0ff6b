"""The offline-department play: a department without the hub's OA handles its work orders by e-mail.

The demo marks BILLING offline (``[mail.offline.BILLING]``, ``hub.demo.stage``). A customer's usage-charge dispute is
dispatched there with the template's fields and a check the agent made: the hub e-mails the work order to the
billing desk's mailbox (the mail adapter, through the mail emulator's SMTP server), the handler answers the mail in
Chinese as a mail client would (the emulator's ``POST /mail/messages/{id}/answer``, in GB2312), the emulator
delivers the answer to the hub's ``POST /mail/inbound``, and the answer, the quoted dispatch left out, replies the
work order: by BILLING, through MAIL (docs/offline-mail.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hub.demo.desk import CHINA, WorkOrderDesk
from hub.demo.scene import AGENT, ORDINARY_TIERS, FlowFailed, Scene
from hub.demo.stage import OFFLINE_DEPARTMENT, OFFLINE_MAILBOX
from hub.observability.logging import mask_msisdn
from hub.observability.masking import mask_mailbox

__all__ = ["offline_department"]

BILL_DISPUTE = {"CategoryCode": "05.01.01", "Phenomenon": "Voice charges disputed",
                "Description": "The October bill charges 268.50 yuan of international roaming data; the customer "
                               "did not travel abroad."}
BILLING_FIELDS = {"bill_month": "2026-10", "charge_item": "International roaming data", "amount": "268.50"}
_NS = {"wo": "urn:onepoint:workorder:1"}
HANDLERS_ANSWER = "已核实：漫游流量费误计，已退费268.50元，下月账单冲减。\n李明 计费账务中心"


def _customer(scene: Scene) -> Any:
    """An ordinary, active customer the other plays leave alone (from the end of the population)."""
    return next(s for s in reversed(scene.population.subscribers)
                if s.effective_tier in ORDINARY_TIERS and s.status == "ACTIVE")


def offline_department(scene: Scene) -> str:
    customer, desk = _customer(scene), WorkOrderDesk(scene, AGENT)
    created = desk.create(customer, "customer", datetime.now(CHINA) - timedelta(hours=3), BILL_DISPUTE)
    work_order_id = created.text("wo:WorkOrderId")
    mailbox = mask_mailbox(OFFLINE_MAILBOX)
    desk.act(work_order_id, "dispatch", f"to {OFFLINE_DEPARTMENT} (offline: its handler works by e-mail)",
             fields=BILLING_FIELDS, checks=(1,), values={
                 "Dispatch/ToDepartment": OFFLINE_DEPARTMENT, "Dispatch/ToSystem": "BOSS",
                 "Dispatch/Instructions": "Check the October roaming data charge against the usage records."})
    mail_url = scene.system_url("mail")

    def dispatch_mail() -> dict[str, Any] | None:
        mails = scene.http.get(f"{mail_url}/mail/messages", params={"to": OFFLINE_MAILBOX}).json()["mails"]
        return next((m for m in mails if m.get("work_order_id") == work_order_id), None)

    mail = scene.wait(dispatch_mail, f"the dispatch mail of {work_order_id} in {mailbox}'s mailbox")
    scene.note(f"{OFFLINE_DEPARTMENT} handler", "mail (looked)", "the dispatch mail",
               f"to {mailbox}: {mail['subject'][:70]}")
    scene.note(f"{OFFLINE_DEPARTMENT} handler", "mail → hub", "answer by e-mail",
               "in GB2312, the dispatch quoted below it: the mail emulator delivers it to POST /mail/inbound")
    answered = scene.http.post(f"{mail_url}/mail/messages/{mail['id']}/answer",
                               json={"text": HANDLERS_ANSWER, "charset": "gb2312"})
    if answered.status_code != 200 or answered.json().get("status") != 200:
        raise FlowFailed(f"the handler's answer was not taken: {answered.status_code} {answered.text[:300]}")
    replied = desk.wait_for(work_order_id, "REPLIED", "the handler's answer by e-mail")
    by = [(e.findtext("wo:System", "", _NS), e.findtext("wo:By", "", _NS)) for e in replied.history()
          if e.findtext("wo:Action", "", _NS) == "REPLY"]
    note = replied.note_of("REPLY")
    if by != [("MAIL", OFFLINE_DEPARTMENT)] or not note.startswith(HANDLERS_ANSWER.split("\n")[0]) \
            or "wrote:" in note:
        raise FlowFailed(f"{work_order_id}'s reply is {by} with the note {note[:120]!r}: expected one REPLY by "
                         f"{OFFLINE_DEPARTMENT} through MAIL, the answer without the quoted dispatch")
    scene.facts.update(work_order_id=work_order_id, msisdn=mask_msisdn(customer.msisdn), tier=customer.effective_tier,
                       department=OFFLINE_DEPARTMENT, mailbox=mailbox, mail_id=mail["id"], state=replied.state,
                       replied_by=[{"system": system, "by": who} for system, who in by])
    return (f"{work_order_id} e-mailed to {OFFLINE_DEPARTMENT}'s handler ({mailbox}), whose answer in Chinese "
            "came back by mail and replied it (by BILLING, through MAIL)")

