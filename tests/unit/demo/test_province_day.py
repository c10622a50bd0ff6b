"""The simulator's day as ``onepoint demo`` plays it (``hub.cli.demo.province_day``): the outage's burst and the
mass complaint of the seed the emulators start with, each CreateWorkOrder the simulator's own, re-timed to the
moment it is sent and still valid; and ``Scene.settled``, the wait for the hub's sends to be handled."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from lxml import etree

from hub.cli.demo import province_day
from hub.demo import SEED, Event, ProvinceDay, Scene
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.documents import DocumentSetValidator
from hub.validation.parser import ParserLimits

WO = "urn:onepoint:workorder:1"
CHINA = timezone(timedelta(hours=8))


def day() -> ProvinceDay:
    return province_day(SEED)


def test_the_day_holds_the_simulators_outage_burst_and_mass_complaint() -> None:
    played = day()
    outage = played.outage
    assert len(played.outage_burst) == 10 and len(played.after_notice) == 7  # 3 were taken before the notice
    assert all(c.at >= outage.notice_at for c in played.after_notice)
    for complaint in played.outage_burst:
        assert complaint.kind == "outage" and complaint.category in outage.categories
        assert (complaint.area_code, complaint.district) == (outage.area_code, outage.district) == ("0755", "Futian")
    assert set(outage.services) == {"VOICE", "DATA"} and outage.starts < outage.notice_at < outage.cleared_at
    assert len(played.mass_complaints) == 12 and played.mass_intake_point == "BH-0757-CHANCHENG-01"
    assert {(c.kind, c.category, c.intake_point) for c in played.mass_complaints} == {
        ("mass", "01.01.02", "BH-0757-CHANCHENG-01")}
    assert [c.number for c in played.mass_complaints] == sorted(c.number for c in played.mass_complaints)


def test_each_document_is_the_simulators_re_timed_to_when_it_is_sent_and_valid() -> None:
    validator = DocumentSetValidator(CommandSetRegistry.installed(), ParserLimits(1_000_000, 50))
    now = datetime(2026, 12, 4, 13, 45, 12, tzinfo=CHINA)
    played = day()
    for complaint in (*played.after_notice, *played.mass_complaints):
        document = complaint.document("demo-unit-001", taken_by="cs-agent-0042", at=now)
        assert validator.validate_bytes(document).document_type.endswith("CreateWorkOrder")
        root = etree.fromstring(document)
        occurred = datetime.fromisoformat(root.findtext(f"{{{WO}}}OccurredAt") or "")
        assert now - timedelta(minutes=90) <= occurred <= now  # the fault, re-timed with the intake
        assert root.findtext(f"{{{WO}}}Msisdn") == complaint.msisdn
        assert root.findtext(f"{{{WO}}}TakenBy") == "cs-agent-0042"
        fields = {f.get("name"): f.text for f in root.iterfind(f"{{{WO}}}Field")}
        fault_time = datetime.strptime(str(fields["fault_time"]), "%Y-%m-%d %H:%M").replace(tzinfo=CHINA)
        assert now - timedelta(minutes=91) <= fault_time <= now  # before the intake, as in the day, on today's date


class Tap:
    def __init__(self, events: list[Event]) -> None:
        self.events = events


def hop(at: float, source: str, target: str, command: str) -> Event:
    return Event(at, source, target, command, "", "hub")


def test_settled_waits_for_every_command_the_handlers_sent_since_then() -> None:
    sent = [hop(10.0, "hub (handler)", "queue nsp", "nsp.NetworkComplaintDispatch"),
            hop(10.1, "hub (handler)", "queue crm, oa", "crm.NotifyAccountManager")]
    handled = [hop(10.2, "hub", "nsp worker", "nsp.NetworkComplaintDispatch"),
               hop(10.3, "hub", "crm worker", "crm.NotifyAccountManager")]
    scene: Any = Scene.__new__(Scene)  # only its tap is read
    scene.tap = Tap([hop(5.0, "hub (handler)", "queue oa", "oa.PushTodo"), *sent, *handled])
    assert not scene.settled(9.0)  # the oa copy of the notice is not handled yet
    scene.tap.events.append(hop(10.4, "hub", "oa worker", "crm.NotifyAccountManager"))
    assert scene.settled(9.0)
    assert not scene.settled(1.0)  # the to-do sent at 5.0 never was
