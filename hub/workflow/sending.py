"""The commands a work order's change owes other systems (``FollowUp``), built and sent through the outbound path.

``send_follow_ups`` builds each follow-up's document (``follow_ups.follow_up_document``) and sends it; a replied
VIP or group complaint's return-visit notice goes to the account manager kept on the work order when its tier was
known (the one BOSS named then), and only for a work order from before that was kept, to the one BOSS names now
(the tier cache, else BOSS asked). ``each_alone``: a document the receiving system's schema refuses is logged and
left out, the others sent (an outage notice's to-reads: one bad owner must not dead-letter the notice); otherwise
the refusal refuses the whole message. Each is sent at the step ``follow_up_steps`` names after what it is for
(its work order and kind), so a redelivery sends each under the message id it had the first time. A dispatch to
NSP is kept by its MessageId with its work order (``store.nsp_dispatches``), in the handler's transaction, so NSP's
reply correlated with it can be checked against the work order it names; a to-do or to-read pushed to OA is kept
by its item id with its work order (``store.oa_items``), so OA may read the work order its link leads to
(``work_order_readers``). A withdrawal from NSP (a cancelled work
order NSP held: ``network_withdrawal``) that the routing table routes nowhere (an operator's own table written
before the command existed) is logged and left out: the cancel goes on, as before there was a withdrawal.
"""

from __future__ import annotations

import hashlib
import logging

from hub.routing.outbound import Sender
from hub.routing.table import NoRouteError
from hub.validation.violations import DocumentRefused
from hub.workflow.changes import DISPATCH_FOLLOW_UP
from hub.workflow.effects import RETURN_VISIT_NOTICE
from hub.workflow.engine import FollowUp
from hub.workflow.follow_up_steps import follow_up_steps
from hub.workflow.follow_ups import follow_up_document
from hub.workflow.network_withdrawal import WITHDRAW_FOLLOW_UP
from hub.workflow.runtime import WorkflowRuntime
from hub.workflow.store.nsp_dispatches import record_nsp_dispatch
from hub.workflow.work_order_readers import OA_PUSHES, keep_oa_item

__all__ = ["send_follow_ups"]

log = logging.getLogger("onepoint.workflow")


def send_follow_ups(follow_ups: list[FollowUp], outbound: Sender, workflow: WorkflowRuntime, operator: str, *,
                    work_order_id: str | None, each_alone: bool = False) -> None:
    """Send ``follow_ups`` (see the module); ``operator``: who the documents name as their sender;
    ``work_order_id``: the handled message's own work order (None: it names none, an outage notice), whose
    follow-ups keep their positional steps (``hub.workflow.follow_up_steps``)."""
    now = workflow.clock.now()
    for owed, step in zip(follow_ups, follow_up_steps(follow_ups, work_order_id), strict=True):
        follow_up = _with_account_manager(owed, outbound, workflow) if owed.kind == RETURN_VISIT_NOTICE else owed
        if follow_up is None:
            continue
        document = follow_up_document(follow_up, now, operator=operator, link_base=workflow.link_base,
                                      taxonomy=workflow.engine.taxonomy,
                                      zone=workflow.engine.settings.local_zone)
        try:
            outbound.send(document, step=step)
        except NoRouteError as exc:
            if follow_up.kind != WITHDRAW_FOLLOW_UP:
                raise
            log.error("no route takes NSP's withdrawal: NSP is not told of the cancel (add a route of "
                      "nsp.NetworkComplaintWithdraw to nsp)", extra={
                          "work_order_id": follow_up.work_order.get("id"), "reason": str(exc)})
            continue
        except DocumentRefused as exc:
            if not each_alone:
                raise
            log.error("follow-up refused by its schema, left out", extra={
                "work_order_id": follow_up.work_order.get("id"), "follow_up": follow_up.kind, "reason": str(exc)})
            continue
        if follow_up.kind == DISPATCH_FOLLOW_UP:  # NSP's reply names it as its CorrelationId
            record_nsp_dispatch(workflow.store.current_transaction().db, outbound.message_id(step),
                                str(follow_up.work_order["id"]), now)
        elif document.tag in OA_PUSHES:  # OA may read the work order its item links to
            keep_oa_item(workflow.store.current_transaction().db, document, now)


def _with_account_manager(follow_up: FollowUp, outbound: Sender, workflow: WorkflowRuntime) -> FollowUp | None:
    """A replied VIP or group complaint's return-visit notice, for the account manager kept on the work order (BOSS
    named the manager when the tier was known); for a work order from before it was kept, the one BOSS names now
    (the tier cache, else BOSS asked: one question per number, so an incident's many children each get theirs);
    None, logged, when there is none to tell."""
    row = follow_up.work_order
    if row.get("account_manager_id"):
        return FollowUp(follow_up.kind, row, {**follow_up.details, "account_manager": row["account_manager_id"]})
    msisdn = str(row["msisdn"])
    step = f"tier-{hashlib.sha256(msisdn.encode()).hexdigest()[:16]}"  # the number not spelt in the step's header
    facts = workflow.tiers.facts(msisdn, outbound, workflow.clock.now(), step=step)
    if not facts.has_account_manager:
        log.warning("no account manager to tell of the return visit", extra={
            "work_order_id": row.get("id"), "tier": facts.tier, "known": facts.known})
        return None
    return FollowUp(follow_up.kind, row, {**follow_up.details, "account_manager": facts.account_manager_id})
