"""The DSMP emulator over a real socket: SMS records with paging and audit, per-SP complaint figures."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from emulators.dsmp import create_emulator
from emulators.population import generate_population
from emulators.toolkit import start_emulator
from tests.integration.emulators.nsp.test_nsp import assert_valid_response

pytestmark = pytest.mark.integration

D = "urn:onepoint:dsmp:1"
C = "urn:onepoint:common:1"
NS = {"d": D, "c": C}
XML = {"content-type": "application/xml"}


def sms_query(examples_dir, msisdn: str, *, start="2026-10-20T00:00:00+08:00", end="2026-11-23T08:00:00+08:00",
              page=1, size=20, direction: str | None = None) -> bytes:
    text = (examples_dir / "dsmp" / "QuerySmsLog.valid.xml").read_text(encoding="utf-8")
    text = re.sub(r"<dsmp:Msisdn>\d+<", f"<dsmp:Msisdn>{msisdn}<", text)
    text = re.sub(r"<c:From>[^<]+<", f"<c:From>{start}<", text)
    text = re.sub(r"<c:To>[^<]+<", f"<c:To>{end}<", text)
    text = re.sub(r"<dsmp:PageSize>\d+<", f"<dsmp:PageSize>{size}<", text)
    text = re.sub(r"<dsmp:Page>\d+<", f"<dsmp:Page>{page}<", text)
    direction_el = "" if direction is None else f"<dsmp:Direction>{direction}</dsmp:Direction>"
    return re.sub(r"\s*<dsmp:Direction>MT</dsmp:Direction>", direction_el, text).encode("utf-8")


@pytest.fixture(scope="module")
def dsmp():
    with start_emulator(create_emulator(seed=11, subscribers=200)) as handle:
        yield handle


@pytest.fixture(scope="module")
def msisdn():
    return generate_population(11, 200).subscribers[0].msisdn


def query(dsmp, body: bytes) -> etree._Element:
    response = dsmp.http.post("/xml", content=body, headers=XML)
    assert response.status_code == 200, response.text
    return assert_valid_response(response.content)


def test_sms_log_pages_through_every_record(dsmp, examples_dir, msisdn):
    first = query(dsmp, sms_query(examples_dir, msisdn))
    assert first.findtext("d:Ack/c:Status", namespaces=NS) == "COMPLETED"
    assert first.findtext("d:Ack/c:MessageId", namespaces=NS) == "hub-6d5e4f3a2b1c0d9e"
    total = int(first.findtext("d:Total", namespaces=NS))
    assert total > 20
    seen = []
    for page in range(1, total // 20 + 2):
        root = query(dsmp, sms_query(examples_dir, msisdn, page=page))
        assert int(root.findtext("d:Page", namespaces=NS)) == page
        assert int(root.findtext("d:Total", namespaces=NS)) == total
        seen += [etree.tostring(r) for r in root.findall("d:Record", NS)]
    assert len(seen) == total
    beyond = query(dsmp, sms_query(examples_dir, msisdn, page=total // 20 + 5))
    assert beyond.findall("d:Record", NS) == []
    for record in first.findall("d:Record", NS):
        assert msisdn in (record.findtext("d:CallingNumber", namespaces=NS),
                          record.findtext("d:CalledNumber", namespaces=NS))
        assert "2026-10-20T00:00:00+08:00" <= record.findtext("d:SubmitTime", namespaces=NS) <= \
            "2026-11-23T08:00:00+08:00"


def test_direction_filter(dsmp, examples_dir, msisdn):
    root = query(dsmp, sms_query(examples_dir, msisdn, direction="MO", size=500))
    directions = {r.findtext("d:Direction", namespaces=NS) for r in root.findall("d:Record", NS)}
    assert directions <= {"MO"}
    assert all(r.findtext("d:CallingNumber", namespaces=NS) == msisdn for r in root.findall("d:Record", NS))


def test_every_query_is_audited(dsmp, examples_dir, msisdn):
    root = query(dsmp, sms_query(examples_dir, msisdn))
    audit_id = root.findtext("d:AuditId", namespaces=NS)
    (entry,) = [a for a in dsmp.state()["audit"] if a["audit_id"] == audit_id]
    assert entry["operator_account"] == "net-bo-liqiang"
    assert entry["operator_ip"] == "10.212.34.17"
    assert entry["purpose"].startswith("Customer says bank SMS codes")
    assert entry["work_order_id"] == "WO20261123SMS00042"
    assert entry["approval_id"] == "SEC-2026-1123-009"
    assert entry["query"]["msisdn"] == f"{msisdn[:3]}****{msisdn[-4:]}"
    assert (entry["outcome"], entry["total"]) == ("answered", int(root.findtext("d:Total", namespaces=NS)))
    refused = dsmp.http.post("/xml", headers=XML, content=sms_query(
        examples_dir, msisdn, start="2026-11-23T00:00:00+08:00", end="2026-11-01T00:00:00+08:00"))
    assert refused.status_code == 400
    assert "invalid-period" in refused.text
    assert dsmp.http.get("/dsmp/audit").json()["audit"][-1]["outcome"] == "refused"


def test_invalid_query_is_refused_with_violations_and_not_audited(dsmp, examples_dir):
    before = len(dsmp.state()["audit"])
    response = dsmp.http.post("/xml", headers=XML,
                              content=(examples_dir / "dsmp" / "QuerySmsLog.invalid-bad-ip.xml").read_bytes())
    assert response.status_code == 400
    root = assert_valid_response(response.content)
    assert root.findtext("c:Violation/c:Path", namespaces=NS) == "/dsmp:QuerySmsLog/dsmp:OperatorIp"
    assert len(dsmp.state()["audit"]) == before


def test_sp_complaint_stats(dsmp, examples_dir):
    body = (examples_dir / "dsmp" / "QuerySpComplaintStats.valid.xml").read_bytes()
    root = query(dsmp, body)
    rows = root.findall("d:Row", NS)
    directory = dsmp.http.get("/dsmp/sps").json()["sps"]
    services = sum(len(sp["services"]) for sp in directory)
    assert int(root.findtext("d:Total", namespaces=NS)) == services
    complaints = [int(r.findtext("d:Complaints", namespaces=NS)) for r in rows]
    assert complaints == sorted(complaints, reverse=True)
    for row in rows:
        rate = float(row.findtext("d:ComplaintRatePerTenThousand", namespaces=NS))
        subscribers = int(row.findtext("d:Subscribers", namespaces=NS))
        assert rate == pytest.approx(int(row.findtext("d:Complaints", namespaces=NS)) * 10_000 / subscribers,
                                     abs=0.005)
    one_sp = directory[0]["sp_code"]
    only = query(dsmp, body.replace(b"<dsmp:PageSize>", f"<dsmp:SpCode>{one_sp}</dsmp:SpCode><dsmp:PageSize>"
                                    .encode(), 1))
    assert {r.findtext("d:SpCode", namespaces=NS) for r in only.findall("d:Row", NS)} == {one_sp}
    assert dsmp.state()["audit"][-1]["command"] == "QuerySpComplaintStats"
