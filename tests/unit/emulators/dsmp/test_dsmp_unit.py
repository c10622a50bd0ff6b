"""DSMP data in-process: determinism, CMPP field conventions and proportions, subscriber status, stats."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from lxml import etree

from emulators.dsmp import create_emulator, smslog
from emulators.dsmp.directory import daily_complaints, generate_directory
from emulators.dsmp.smslog import generate_records
from emulators.population import EPOCH, generate_population
from emulators.toolkit import in_process_emulator

pytestmark = pytest.mark.unit


def records(seed: int, count: int = 60):
    population = generate_population(seed, count)
    directory = generate_directory(seed)
    return [r for s in population.subscribers
            for r in generate_records(seed, s.msisdn, s, directory, EPOCH, 30)]


def test_same_seed_same_data():
    assert records(3, 20) == records(3, 20)
    assert records(3, 20) != records(4, 20)
    assert generate_directory(3) == generate_directory(3)
    sp = generate_directory(3)[0]
    assert [sp.code, sp.access_code] != [generate_directory(4)[0].code, generate_directory(4)[0].access_code]


def test_cmpp_fields_and_realistic_proportions():
    rows = records(1)
    assert len(rows) > 3000
    status = Counter(r.status for r in rows)
    share = {k: v / len(rows) for k, v in status.items()}
    assert 0.85 < share["DELIVRD"] < 0.97
    assert {"EXPIRED", "UNDELIV", "REJECTD"} <= set(status)
    assert {r.message_format for r in rows} <= {0, 3, 4, 8, 15}
    assert {r.protocol for r in rows} <= {"CMPP2", "CMPP3", "SMPP"}
    for r in rows:
        assert r.submit.second == 0 and r.submit.utcoffset() == timedelta(hours=8)  # YYMMDDHHMM, CST
        assert (r.done is None) == (r.status in ("ACCEPTD", None))
        assert (r.error_code is None) == (r.status in ("DELIVRD", "ACCEPTD", None))
        assert EPOCH - timedelta(days=31) <= r.submit < EPOCH
    sp_rows = [r for r in rows if r.sp_code]
    assert sp_rows and all(r.calling.startswith("106") and r.direction == "MT" for r in sp_rows)


def test_every_record_has_its_send_status_and_one_refused_at_submit_was_never_delivered():
    rows = records(1, 400)
    results = Counter(r.submit_result for r in rows)
    assert set(results) <= set(range(10)) and results[0] / len(rows) > 0.98
    refused = [r for r in rows if r.submit_result != 0]
    assert refused and {r.submit_result for r in refused if r.sp_code} <= {5, 7, 8}
    for r in refused:  # CMPP: no Msg_Id for a refused submit, hence no status report
        assert (r.status, r.done, r.error_code) == (None, None, None) and r.error_reason
    assert all(r.status is not None for r in rows if r.submit_result == 0)


def test_the_send_status_leaves_every_other_field_as_it_was(monkeypatch):
    """The refusals at submit are drawn from a stream of their own: the accepted records are those generated
    without any refusal, record for record."""
    rows = records(2, 60)
    monkeypatch.setattr(smslog, "_SP_SUBMIT_REFUSALS", ())
    monkeypatch.setattr(smslog, "_SUBMIT_REFUSALS", ())
    unrefused = records(2, 60)
    assert len(rows) == len(unrefused) and any(r.submit_result for r in rows)
    for row, before in zip(rows, unrefused, strict=True):
        if row.submit_result == 0:
            assert row == before
        else:
            assert (row.calling, row.called, row.submit, row.sp_code) == (before.calling, before.called,
                                                                         before.submit, before.sp_code)


def test_the_answer_carries_the_send_status_of_every_record(examples_dir):
    population = generate_population(1, 400)
    directory = generate_directory(1)
    owner = next(s for s in population.subscribers
                 if any(r.submit_result for r in generate_records(1, s.msisdn, s, directory, EPOCH, 30)))
    text = (examples_dir / "dsmp" / "QuerySmsLog.valid.xml").read_text("utf-8")
    text = text.replace("13501105566", owner.msisdn).replace("2026-11-20T00:00:00+08:00", "2026-10-23T00:00:00+08:00")
    text = text.replace("2026-11-22T23:59:59+08:00", "2026-11-23T08:00:00+08:00")
    text = text.replace("<dsmp:Direction>MT</dsmp:Direction>", "").replace("<dsmp:PageSize>100<", "<dsmp:PageSize>500<")
    with in_process_emulator(create_emulator(seed=1, subscribers=400)) as dsmp:
        answer = dsmp.http.post("/xml", content=text.encode(), headers={"content-type": "application/xml"})
    assert answer.status_code == 200, answer.text
    ns = {"d": "urn:onepoint:dsmp:1"}
    found = etree.fromstring(answer.content).findall("d:Record", ns)
    assert found and all(r.findtext("d:SubmitResult", namespaces=ns) is not None for r in found)
    refused = [r for r in found if r.findtext("d:SubmitResult", namespaces=ns) != "0"]
    assert refused and all(r.find("d:Status", ns) is None and r.find("d:DoneTime", ns) is None for r in refused)
    assert all(r.find("d:Status", ns) is not None for r in found if r.findtext("d:SubmitResult", namespaces=ns) == "0")


def test_suspended_subscribers_get_undelivered_mt_and_send_nothing():
    population = generate_population(1, 400)
    suspended = next(s for s in population.subscribers if s.status == "SUSPENDED")
    rows = generate_records(1, suspended.msisdn, suspended, generate_directory(1), EPOCH, 30)
    after = [r for r in rows if suspended.status_changed_at and r.submit >= suspended.status_changed_at]
    assert all(r.direction == "MT" and r.status == "UNDELIV" and r.error_code == "MB:0008" for r in after)


def test_other_networks_have_no_records():
    assert generate_records(1, "18612345678", None, generate_directory(1), EPOCH, 30) == []
    assert generate_records(1, "13812345678", None, generate_directory(1), EPOCH, 30) != []


def test_daily_complaints_are_stable_whatever_was_asked_before():
    service = generate_directory(2)[0].services[0]
    days = [date(2026, 11, 1) + timedelta(days=n) for n in range(30)]
    forward = [daily_complaints(2, service, d) for d in days]
    assert forward == [daily_complaints(2, service, d) for d in reversed(days)][::-1]


def test_state_and_reset_keep_the_directory_and_forget_the_audit(examples_dir):
    with in_process_emulator(create_emulator(seed=5, subscribers=50)) as dsmp:
        body = (examples_dir / "dsmp" / "QuerySpComplaintStats.valid.xml").read_bytes()
        assert dsmp.http.post("/xml", content=body, headers={"content-type": "application/xml"}).status_code == 200
        state = dsmp.state()
        assert len(state["audit"]) == 1
        assert state["population"] == {"seed": 5, "subscribers": 50}
        dsmp.reset()
        assert dsmp.state()["audit"] == []
        assert dsmp.state()["sp_directory"] == state["sp_directory"]


def test_a_document_announced_only_by_the_content_types_charset_is_read_in_it(examples_dir):
    """As at the hub (RFC 7303): a body that names no encoding itself is read in its Content-Type's charset, and one
    whose byte-order mark the charset contradicts is refused naming both."""
    text = (examples_dir / "dsmp" / "QuerySpComplaintStats.valid.xml").read_text("utf-8")
    bare = text.split("?>", 1)[1].lstrip() if text.startswith("<?xml") else text
    with in_process_emulator(create_emulator(seed=5, subscribers=50)) as dsmp:
        read = dsmp.http.post("/xml", content=bare.encode("utf-16-le"),
                              headers={"content-type": "application/xml; charset=UTF-16LE"})
        assert read.status_code == 200, read.text
        refused = dsmp.http.post("/xml", content=bare.encode("utf-16"),
                                 headers={"content-type": "application/xml; charset=GBK"})
        assert refused.status_code == 400 and "charset=GBK" in refused.text
