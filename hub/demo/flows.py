"""The scenario: one play per flow of the hub, each as the real callers would do it, each checking its effect.

A play returns one line saying what it showed, or raises ``FlowFailed`` (or anything else) naming what went
wrong. The plays run in order; each waits for every effect it caused, so what the hub and the systems did in
between belongs to it on the timeline. The complaints, the outage, the mass-complaint and the offline-department
plays are modules of their own (``complaints``, ``outage``, ``mass``, ``offline``); the outage and mass-complaint
plays play complaints of the simulator's day.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from hub.audit import AuditLog
from hub.demo.complaints import network_complaint, vip_complaint
from hub.demo.desk import WorkOrderDesk
from hub.demo.documents import read_xml, sms_log_query
from hub.demo.mass import mass_complaint
from hub.demo.offline import offline_department
from hub.demo.outage import outage_notice
from hub.demo.scene import AGENT, ORDINARY_TIERS, FlowFailed, Scene
from hub.observability.logging import mask_msisdn

__all__ = ["FLOWS", "Flow"]

DSMP, C = "urn:onepoint:dsmp:1", "urn:onepoint:common:1"
ALLOWED_OPERATOR, DENIED_OPERATOR = "net-bo-liqiang", AGENT  # roles by [adapters.dsmp] operator_roles
SMS_NOT_RECEIVED = {"CategoryCode": "03.01.02", "Phenomenon": "Cannot receive SMS",
                    "Description": "Bank verification codes from 95588 have not arrived since yesterday evening."}


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    title: str
    play: Callable[[Scene], str]


def _timed(call: Callable[[], Any]) -> tuple[Any, float, float]:
    """``(result, sent at, seconds taken)``."""
    sent, started = time.time(), time.perf_counter()
    return call(), sent, time.perf_counter() - started


def tier_lookup(scene: Scene) -> str:
    subscribers = scene.population.subscribers
    vip = scene.vip
    ordinary = next(s for s in subscribers if s.effective_tier in ORDINARY_TIERS and len(s.identities) == 1)
    boss = scene.soap("boss")  # zeep reads the WSDL now: not part of any hop
    answers, looked_up = [], []
    for who, customer in (("VIP", vip), ("ordinary", ordinary), ("VIP again", vip)):
        header = scene.header("tier")
        scene.note("CS", "hub (SOAP)", "boss.QueryCustomerTier", f"{who} {mask_msisdn(customer.msisdn)}")
        answer, sent, took = _timed(partial(boss.service.QueryCustomerTier, Header=header, Msisdn=customer.msisdn))
        if answer.EffectiveTier != customer.effective_tier:
            raise FlowFailed(f"{who}: BOSS says {answer.EffectiveTier}, the seeded tier is {customer.effective_tier}")
        identities = "+".join(i.Tier for i in answer.Identity)
        manager = f", account manager {answer.AccountManagerId}" if answer.AccountManagerId else ""
        scene.note("hub", "CS", "QueryCustomerTierResponse",
                   f"{answer.EffectiveTier} ({answer.Brand}; identities {identities}{manager})", took,
                   at=sent + took)
        answers.append(took)
        looked_up.append({"who": who, "msisdn": mask_msisdn(customer.msisdn), "tier": str(answer.EffectiveTier),
                          "brand": str(answer.Brand), "identities": identities.split("+") if identities else [],
                          "account_manager_id": answer.AccountManagerId or None})
    asked = scene.admin("boss").count("QueryCustomerTier")
    if asked != 2:
        raise FlowFailed(f"BOSS was asked {asked} times for 3 lookups of 2 customers (the repeat is the cache's)")
    scene.note("hub's reply cache", "CS", "(BOSS not asked)",
               f"the repeat answered in {answers[2] * 1000:.0f} ms (first time {answers[0] * 1000:.0f} ms)")
    scene.facts.update(lookups=looked_up, boss_asked=asked, from_reply_cache=1)
    return (f"VIP {vip.effective_tier} and ordinary {ordinary.effective_tier} answered by BOSS; the repeat from "
            f"the hub's reply cache (BOSS asked 2 times for 3 lookups)")


def hlr_sync(scene: Scene) -> str:
    drifted = scene.population.drifted()[0]
    scene.note("CS", "hub (SOAP)", "boss.SyncHLR", f"{mask_msisdn(drifted.msisdn)}: HLR drift "
               f"{', '.join(drifted.drift)}")
    boss = scene.soap("boss")  # its WSDL read before the call is timed
    answer, sent, took = _timed(lambda: boss.service.SyncHLR(
        Header=scene.header("hlr"), Msisdn=drifted.msisdn, Reason="Cannot originate since reconnection"))
    changes = [f"{c.Field}: HLR {c.HlrValue} → BOSS {c.BossValue}" for c in answer.Change]
    if not answer.Changed or not changes:
        raise FlowFailed(f"SyncHLR of a drifted subscriber changed nothing (drift {drifted.drift})")
    scene.note("hub", "CS", "SyncHLRResponse", "repaired: " + "; ".join(changes), took, at=sent + took)
    scene.facts.update(msisdn=mask_msisdn(drifted.msisdn), drift=list(drifted.drift), changed=bool(answer.Changed),
                       changes=[{"field": str(c.Field), "hlr": str(c.HlrValue), "boss": str(c.BossValue)}
                                for c in answer.Change])
    return f"{len(changes)} HLR field(s) repaired, the diff returned to the caller"


def sms_log(scene: Scene) -> str:
    customer = scene.population.subscribers[0]
    window_to = datetime.fromisoformat(scene.admin("dsmp").state()["window"]["to"])
    # the purpose the query must name: its trouble began within DSMP's window (the query's period must lie within
    # the complaint's: from sms_log_days_before_complaint days before OccurredAt)
    complaint = WorkOrderDesk(scene, AGENT).create(customer, "customer", window_to - timedelta(hours=2),
                                                   SMS_NOT_RECEIVED)
    work_order_id = complaint.text("wo:WorkOrderId")
    outcomes = {}
    for operator in (ALLOWED_OPERATOR, DENIED_OPERATOR):
        document = sms_log_query(scene.message_id("sms"), customer.msisdn, operator, window_to, work_order_id)
        scene.note("CS", "hub (XML)", "dsmp.QuerySmsLog",
                   f"by {operator} for {mask_msisdn(customer.msisdn)}, purpose {work_order_id}")
        response, sent, took = _timed(partial(scene.post_xml, "dsmp", document))
        answer = read_xml(response.content)
        if response.status_code == 200:
            records = answer.findall(f"{{{DSMP}}}Record")
            refused = sum(int(r.findtext(f"{{{DSMP}}}SubmitResult") or 0) != 0 for r in records)  # 00 is 0 too
            outcome = (f"200: {len(records)} record(s) of {answer.findtext(f'{{{DSMP}}}Total')}, "
                       f"{refused} refused at submit (send status)")
        else:
            outcome = f"{response.status_code}: {answer.findtext(f'{{{C}}}Code')}"
        scene.note("hub", "CS", "QuerySmsLog answer", outcome, took, at=sent + took)
        outcomes[operator] = response.status_code
    if outcomes != {ALLOWED_OPERATOR: 200, DENIED_OPERATOR: 422}:
        raise FlowFailed(f"expected the back-office operator answered (200) and the agent refused (422): {outcomes}")
    with AuditLog.open(scene.stage.settings.audit, create=False) as audit:
        rows = [r.as_dict() for r in audit.last(3)]  # the allowed query's pending and result rows, the denied one
        intact = audit.verify().intact
    for row in rows:
        at = datetime.fromisoformat(str(row["at"]).replace("Z", "+00:00")).timestamp()
        scene.note("DSMP adapter", "audit log", f"audit row #{row['seq']}",
                   f"{row['outcome']}: {row['operator']} ({row['role']}) from {row['client_address']}, "
                   f"{row['msisdn_masked']}, {row['rows_returned']} row(s); sent by {row['caller']}", at=at)
    if [r["outcome"] for r in rows] != ["pending", "allowed", "denied"] or not intact:
        raise FlowFailed(f"the audit log does not hold both queries in an intact chain: {rows}")
    scene.facts.update(work_order_id=work_order_id, state=complaint.state, msisdn=mask_msisdn(customer.msisdn),
                       answers=outcomes, audit_rows=[{"seq": r["seq"], "outcome": r["outcome"],
                                                      "operator": r["operator"]} for r in rows], chain_intact=intact)
    return (f"allowed query for the customer's complaint {work_order_id} answered, denied one refused (422); both "
            "audited first, chain intact")


FLOWS: tuple[Flow, ...] = (
    Flow("tier", "Customer tier lookup (SOAP → BOSS, reply cache)", tier_lookup),
    Flow("hlr", "HLR sync (SOAP → BOSS, the diff back)", hlr_sync),
    Flow("sms-log", "SMS log (XML → DSMP, audited)", sms_log),
    Flow("network", "Network complaint (work order → NSP, reply call-back, closed)", network_complaint),
    Flow("vip", "VIP complaint (→ CRM, escalated to an OA to-do, CompleteTodo)", vip_complaint),
    Flow("outage", "Outage (broadcast, complaints answered at intake, cleared)", outage_notice),
    Flow("mass", "Mass complaint (one incident, one fault report, an OA to-do)", mass_complaint),
    Flow("offline", "Offline department (dispatch e-mailed, answer mailed back)",
         offline_department),
)
