"""``onepoint demo`` as a newcomer runs it: the whole system started privately, every flow played through the
hub, a timeline and a summary printed, exit 0; on memory:// and on a real RabbitMQ; the operator's rules shown on
the simulator's complaints (outage answered at intake, mass complaint's incident); a failing flow is named and
makes the exit status 1."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.demo import FLOWS, Scene

ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}
WAIT = 240  # seconds before a hung demo fails the test (never asserted on)
FLOW_NAMES = [flow.name for flow in FLOWS]


def demo(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-W", "ignore", "-m", "hub.cli.main", "demo", *args], cwd=cwd,
                          capture_output=True, text=True, env=ENV, timeout=WAIT, check=False)


@pytest.mark.integration
def test_the_demo_plays_every_flow_on_the_embedded_broker(tmp_path: Path) -> None:
    result = demo([], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert FLOW_NAMES == ["tier", "hlr", "sms-log", "network", "vip", "outage", "mass", "offline"]
    for number, flow in enumerate(FLOWS, 1):
        assert f"{number}. {flow.name} ✓" in out and flow.title in out
    # each flow's own hops: what the callers sent, what the systems got, what came back
    for hop in ("CS → hub (SOAP)", "hub → BOSS", "QueryCustomerTierResponse", "(BOSS not asked)",
                "SyncHLRResponse", "hub → DSMP", "audit row #1", "audit row #2", "422: role-not-allowed",
                "workorder.CreateWorkOrder", "CreateWorkOrderResponse", "422 dispatch-incomplete",
                "hub → workflow worker", "hub → NSP", "nsp (xml) → hub", "nsp.NetworkComplaintReply",
                "QueryWorkOrderResponse", "hub → CRM", "NotifyAccountManager", "hub → OA", "PushTodo",
                "oa.CompleteTodo", "nsp.OutageNotice", "hub → bulletin worker", "NotifyAreaOutage", "PushToRead",
                "unread", "AUTO_ANSWERED", "clear outage", "BH-0757-CHANCHENG-01", "INCIDENT",
                "hub → MAIL", "mail.DispatchMail", "mail.AnswerMail",
                "DISPATCHED (CS) → REPLIED (MAIL)", "b***@example.com"):
        assert hop in out, hop
    assert "Summary: 8 of 8 flows passed" in out and "Every flow completed." in out
    assert "0 in 8 DLQs" in out and "OK: 3 rows, chain intact" in out
    assert "cannot receive sms (03.01.02)" in out and ", purpose WO" in out  # the SMS log's work order exists
    assert "refused at submit (send status)" in out  # each SMS record's send status beside its delivery status
    assert list(tmp_path.iterdir()) == []  # its audit log, bulletin and stores lived in a folder of its own


@pytest.mark.integration
@pytest.mark.rabbitmq
def test_the_demo_runs_the_same_on_rabbitmq_and_reports_json(tmp_path: Path, rabbitmq_server: Any) -> None:
    result = demo(["--broker", rabbitmq_server.url, "--json"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    run = json.loads(result.stdout)
    assert run["passed"] is True and run["broker"].startswith("amqp://")
    assert [(f["flow"], f["passed"]) for f in run["flows"]] == [(name, True) for name in FLOW_NAMES]
    timelines = {f["flow"]: f["timeline"] for f in run["flows"]}
    systems = {name: {e["target"] for e in timeline if e["side"] == "system"} for name, timeline in timelines.items()}
    assert {name: systems[name] for name in FLOW_NAMES[:5]} == {
        "tier": {"BOSS"}, "hlr": {"BOSS"}, "sms-log": {"BOSS", "DSMP"},  # the complaint the query serves: its tier
        "network": {"BOSS", "NSP"},
        "vip": {"BOSS", "CRM", "OA"}}
    assert systems["offline"] == {"BOSS", "MAIL"}  # the tier, the dispatch mail (the answer is the handler's)
    assert "billing-desk@" not in result.stdout  # the mailbox masked on the timeline as in the logs
    assert "NSP" not in systems["outage"] and {"BOSS", "CRM", "OA"} <= systems["outage"]  # tiers, area outage, to-reads
    assert {"BOSS", "NSP", "OA"} <= systems["mass"]
    # the complaints went through the hub's workflow: its worker handled the commands and the call-backs
    handled = {name: {e["command"] for e in timeline if e["target"] == "workflow worker"}
               for name, timeline in timelines.items()}
    assert handled["network"] == {"workorder.CreateWorkOrder", "workorder.WorkOrderAction", "workorder.QueryWorkOrder",
                                  "nsp.NetworkComplaintReply", "workorder.NspDispatchNote"}  # NSP's ticket, noted
    assert handled["vip"] == {"workorder.CreateWorkOrder", "workorder.WorkOrderAction", "workorder.QueryWorkOrder",
                              "oa.CompleteTodo"}
    assert handled["outage"] == {"nsp.OutageNotice", "workorder.CreateWorkOrder", "workorder.QueryWorkOrder"}
    assert {"workorder.CreateWorkOrder", "workorder.QueryWorkOrder"} <= handled["mass"]
    answers = {name: [e["outcome"] for e in timeline if e["target"] == "CS" and "WorkOrder" in e["command"]]
               for name, timeline in timelines.items()}
    network = answers["network"]  # created; dispatched without the template's fields, then with them; ...
    work_order_id = network[0].split()[0]
    assert [a.split()[0].rstrip(",") for a in network] == [
        work_order_id, "422", "DISPATCHED", "IN_PROGRESS", "REPLIED", "RETURN_VISITED", "CLOSED", "CLOSED"], network
    assert "ACCEPTED: tier " in network[0] and "dispatch-incomplete" in network[1] and "terminal_type" in network[1]
    assert ("history NEW (CS) → ACCEPTED (HUB) → DISPATCHED (CS) → IN_PROGRESS (NSP) → REPLIED (CS) → "
            "RETURN_VISITED (CS) → CLOSED (CS);") in network[-1]
    assert "ACCEPTED: tier VIP_" in answers["vip"][0] and answers["vip"][1].startswith("ESCALATED, owner mgr-")
    assert "history NEW (CS) → ACCEPTED (HUB) → ESCALATED (CS) → IN_PROGRESS (OA);" in answers["vip"][-1]
    assert [a.split(",")[0].split()[0] for a in answers["offline"][1:]] == ["DISPATCHED", "REPLIED"]
    assert handled["offline"] >= {"workorder.CreateWorkOrder", "workorder.WorkOrderAction", "mail.AnswerMail"}
    assert_operator_rules(run)
    assert set(run["dead_letters"].values()) == {0} and run["audit"]["intact"] is True
    assert run["left_in_queues"] == {}
    assert list(tmp_path.iterdir()) == []
    assert run["prefix"] and not declared_queues(rabbitmq_server.url, run["prefix"])  # a shared broker: removed


@pytest.mark.integration
def test_the_demo_shows_the_operators_rules_on_the_simulators_complaints(tmp_path: Path) -> None:
    result = demo(["--json"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    run = json.loads(result.stdout)
    assert [(f["flow"], f["passed"]) for f in run["flows"]] == [(name, True) for name in FLOW_NAMES]
    assert_operator_rules(run)
    assert_every_flow_has_facts(run)
    detail = {f["flow"]: f["detail"] for f in run["flows"]}
    assert "3 pre-processing checks carried" in detail["network"]  # CheckDone 1, 2 and 4 of voice_originate
    assert "replied it (by BILLING, through MAIL)" in detail["offline"]


def assert_every_flow_has_facts(run: dict[str, Any]) -> None:
    """README: "``--json`` gives each flow's facts (ids, states, counts)" -- every flow's, not only the outage's and
    the mass complaint's (the newcomer audit: the six others gave ``{}``); numbers masked as on the timeline."""
    facts = {f["flow"]: f["facts"] for f in run["flows"]}
    assert [name for name, found in facts.items() if not found] == []
    masked = re.compile(r"\d{3}\*{4}\d{4}")
    tier, hlr, sms, network, vip, offline = (facts[n] for n in ("tier", "hlr", "sms-log", "network", "vip", "offline"))
    assert tier["boss_asked"] == 2 and len(tier["lookups"]) == 3 and tier["lookups"][0]["account_manager_id"]
    assert all(masked.fullmatch(f["msisdn"]) for f in (*tier["lookups"], hlr, sms, network, vip, offline))
    assert hlr["changed"] is True and hlr["changes"]
    assert sms["work_order_id"].startswith("WO") and [r["outcome"] for r in sms["audit_rows"]] == [
        "pending", "allowed", "denied"] and sms["chain_intact"] is True
    assert network["nsp_ticket"].startswith("NSP") and network["states"][-1] == "CLOSED"
    assert network["refused_dispatch"] == "dispatch-incomplete" and network["checks_carried"] == 3
    assert vip["account_manager_id"] and vip["oa_todo"].startswith(vip["work_order_id"])
    assert vip["state"] == "IN_PROGRESS" and len(vip["crm_notices"]) == 2
    assert (offline["department"], offline["state"]) == ("BILLING", "REPLIED")
    assert offline["replied_by"] == [{"system": "MAIL", "by": "BILLING"}] and "billing-desk@" not in offline["mailbox"]


def assert_operator_rules(run: dict[str, Any]) -> None:
    """The outage and mass flows of a ``--json`` run: what the rules did to the simulator's day's complaints."""
    flows = {f["flow"]: f for f in run["flows"]}
    outage, mass = flows["outage"], flows["mass"]
    # the outage: complaints of the burst answered at intake with the notice, never dispatched, replied at clearance
    notice = outage["facts"]["notice_id"]
    complaints = outage["facts"]["complaints"]
    assert notice.startswith("FLT-") and len(complaints) >= 2
    for complaint in complaints:
        assert complaint["at_intake"] == "AUTO_ANSWERED" and complaint["outage_notice_id"] == notice, complaint
        assert complaint["after_clearance"] == "REPLIED" and complaint["return_visit_due"], complaint
    answered = [e["outcome"] for e in outage["timeline"] if e["command"] == "CreateWorkOrderResponse"]
    assert [a.split()[:2] for a in answered] == [[c["work_order_id"], "AUTO_ANSWERED:"] for c in complaints]
    assert all(f"outage {notice}, answered at intake" in a for a in answered)
    # neither sent by the hub nor received by NSP
    assert not [e for e in outage["timeline"] if "NetworkComplaintDispatch" in e["command"]]
    # the mass complaint: the threshold's complaint opens one incident, the later ones are linked on arrival
    facts = mass["facts"]
    incident, threshold, taken = facts["incident_id"], facts["threshold"], facts["complaints"]
    assert (facts["ticket_type"], facts["priority"], facts["intake_point"]) == ("INCIDENT", 1, "BH-0757-CHANCHENG-01")
    assert len(taken) == 12 and threshold == 10 and facts["child_count"] == len(taken)  # every complaint its child
    linked_on_arrival = len(taken) - threshold + 1
    assert [c["answer_incident_id"] for c in taken] == [None] * (threshold - 1) + [incident] * linked_on_arrival
    assert all(c["at_intake"] == "ACCEPTED" for c in taken[threshold - 1:])  # not dispatched on their own
    # NSP: one fault report standing for the threshold's complaints; nothing for the complaints linked to it;
    # those taken before the threshold had gone out on their own at intake (complete, as the simulator takes them)
    assert facts["fault_reports"] == [{"work_order_id": incident, "complaint_count": threshold}]
    before = {c["work_order_id"] for c in taken[:threshold - 1]}
    assert set(facts["dispatched_before_threshold"]) <= before
    to_nsp = [e for e in mass["timeline"] if e["side"] == "system" and e["target"] == "NSP"]
    sent = [e for e in mass["timeline"] if e["command"] == "nsp.NetworkComplaintDispatch" and e["side"] == "hub"
            and e["target"].startswith("queue ")]
    assert len(to_nsp) == len(sent) == len(facts["dispatched_before_threshold"]) + 1
    assert {e["command"] for e in to_nsp} == {"NetworkComplaintDispatch"}
    assert facts["oa_todo"].startswith(incident)  # the manager's to-do
    assert [e for e in mass["timeline"] if e["side"] == "system" and e["command"] == "PushTodo"]


def declared_queues(url: str, prefix: str) -> list[str]:
    """The demo's queues still on the broker (asked one by one, passively)."""
    import pika
    from pika.exceptions import ChannelClosedByBroker

    left = []
    with pika.BlockingConnection(pika.URLParameters(url)) as connection:
        for consumer in ("boss", "crm", "nsp", "dsmp", "oa", "bulletin", "workflow"):
            channel = connection.channel()
            try:
                channel.queue_declare(f"{prefix}.{consumer}", passive=True)
                left.append(consumer)
                channel.close()
            except ChannelClosedByBroker:
                pass
    return left


@pytest.mark.integration
def test_a_failing_flow_is_named_and_fails_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.cli.demo import demo as demo_command
    from hub.demo import Flow

    def lost_reply(scene: Scene) -> str:
        scene.wait(lambda: scene.handled("workflow", "nsp.NetworkComplaintReply", since=0), "a reply nobody asked for",
                   timeout=0.5)
        return "unreachable"

    monkeypatch.setattr("hub.demo.runner.FLOWS", (FLOWS[1], Flow("lost", "A reply that never comes", lost_reply)))
    monkeypatch.chdir(tmp_path)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        result = CliRunner().invoke(demo_command, ["--json"])
    finally:  # the command configured the process's logging for itself
        root.handlers[:] = handlers
        root.setLevel(level)
    assert result.exit_code == 1, result.output
    run = json.loads(result.stdout)
    assert [(f["flow"], f["passed"]) for f in run["flows"]] == [("hlr", True), ("lost", False)]
    assert "waiting for a reply nobody asked for" in run["flows"][1]["detail"]
    assert "failed: lost (timed out" in result.stderr


def test_a_broker_url_that_is_not_one_is_refused() -> None:
    from hub.cli.demo import demo as demo_command

    result = CliRunner().invoke(demo_command, ["--broker", "amqp://nowhere:notaport/"])
    assert result.exit_code == 2 and "--broker" in result.output


@pytest.mark.integration
def test_a_broker_that_cannot_be_reached_stops_the_demo_before_any_flow(tmp_path: Path) -> None:
    from tests.support.servers import free_port

    result = demo(["--broker", f"amqp://guest:guest@127.0.0.1:{free_port()}/"], tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "the system did not start" in result.stderr and "could not connect to the broker" in result.stderr
    assert result.stdout == "" and list(tmp_path.iterdir()) == []
