"""The send status of an SMS record (``dsmp:SubmitResult``, CMPP 2.0 Submit_Resp result) beside its delivery
status: in the schema (old records without it still valid), passed through the adapter and the hub's answer
unchanged, and a page whose two statuses disagree refused as no answer."""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from adapters.dsmp.send_status import status_faults
from tests.unit.adapters.dsmp.kit import ANSWER, DSMP, Dsmp, answered, query
from tests.unit.adapters.soap_kit import registry

pytestmark = pytest.mark.unit

D = f"{{{DSMP}}}"


def schema() -> etree.XMLSchema:
    return registry().get("dsmp").lxml_schema


def records(document: etree._Element) -> list[etree._Element]:
    return document.findall(f"{D}Record")


def test_the_example_answer_has_a_send_status_in_every_record_and_one_refused_at_submit() -> None:
    answer = etree.fromstring(ANSWER)
    assert schema().validate(answer), schema().error_log
    results = [r.findtext(f"{D}SubmitResult") for r in records(answer)]
    assert None not in results and "0" in results and any(result != "0" for result in results)
    refused = next(r for r in records(answer) if r.findtext(f"{D}SubmitResult") != "0")
    assert refused.find(f"{D}Status") is None and refused.find(f"{D}DoneTime") is None
    assert status_faults(answer) == []


def test_a_record_of_before_without_a_send_status_is_still_valid_and_answered() -> None:
    old = etree.fromstring(ANSWER)
    for record in records(old):
        for result in record.findall(f"{D}SubmitResult"):
            record.remove(result)
    old.remove(records(old)[-1])  # the one refused at submit: an old record always had its Status
    assert schema().validate(old), schema().error_log
    assert status_faults(old) == []


@pytest.mark.parametrize("value", ["256", "-1", "accepted", ""])  # CMPP's Result is one octet
def test_a_send_status_out_of_the_cmpp_results_is_invalid(value: str) -> None:
    answer = etree.fromstring(ANSWER)
    result = records(answer)[0].find(f"{D}SubmitResult")
    assert result is not None
    result.text = value
    assert not schema().validate(answer)


@pytest.mark.parametrize(("result", "keep_status", "keep_done"), [
    ("8", True, True),    # refused at submit, yet delivered
    ("8", False, True),   # refused at submit, yet a done time
    ("0", False, False),  # accepted, no delivery status
    ("00", False, False),  # the same accepted, written with a leading zero
    ("10", True, True),   # refused at submit (CMPP: 9 and above, other errors), yet delivered
    (None, False, False),  # a record of before without its delivery status
])
def test_a_record_whose_send_and_delivery_status_disagree_is_a_fault(result: str | None, keep_status: bool,
                                                                      keep_done: bool) -> None:
    answer = etree.fromstring(ANSWER)
    record = records(answer)[0]
    submit = record.find(f"{D}SubmitResult")
    assert submit is not None
    if result is None:
        record.remove(submit)
    else:
        submit.text = result
    for tag, keep in (("Status", keep_status), ("DoneTime", keep_done)):
        if not keep:
            found = record.find(f"{D}{tag}")
            assert found is not None
            record.remove(found)
    (fault,) = status_faults(answer)
    assert fault.startswith("1 record(s) whose send status (SubmitResult) and delivery status (Status) disagree")


def test_the_hub_answers_the_send_status_as_dsmp_gave_it(dsmp: Dsmp) -> None:
    dsmp.route.side_effect = answered(ANSWER, dsmp.events)
    result = dsmp.client.request(query())
    assert result.processed and result.reply is not None
    sent = [[(etree.QName(f).localname, f.text) for f in r] for r in records(etree.fromstring(ANSWER))]
    got = [[(etree.QName(f).localname, f.text) for f in r] for r in records(etree.fromstring(result.reply))]
    assert got == sent and any(("SubmitResult", "8") in fields for fields in got)


def test_a_page_whose_statuses_disagree_is_no_answer_and_nothing_of_it_passes(dsmp: Dsmp) -> None:
    answer = etree.fromstring(ANSWER)
    refused = copy.deepcopy(records(answer)[0])  # delivered, yet said refused at submit
    submit = refused.find(f"{D}SubmitResult")
    assert submit is not None
    submit.text = "5"
    answer.replace(records(answer)[0], refused)
    dsmp.route.side_effect = answered(etree.tostring(answer), dsmp.events)
    result = dsmp.client.request(query())
    assert result.reply is None or not records(etree.fromstring(result.reply))
    (row,) = dsmp.results()
    assert row["outcome"] == "failed" and "send status (SubmitResult)" in str(row["reason"])


@pytest.mark.parametrize("result", ["0", "00", "+0", "9", "10", "255"])
def test_every_cmpp_result_is_a_valid_send_status(result: str) -> None:
    """CMPP's Result is one octet: 9 and above are other errors, and 0 may be written 00 (audit: a valid 10 or
    00 made the whole page an invalid answer)."""
    answer = etree.fromstring(ANSWER)
    record = records(answer)[0]
    submit = record.find(f"{D}SubmitResult")
    assert submit is not None
    submit.text = result
    if int(result) != 0:
        for tag in ("Status", "DoneTime"):
            found = record.find(f"{D}{tag}")
            if found is not None:
                record.remove(found)
    assert schema().validate(answer), schema().error_log
    assert status_faults(answer) == []
