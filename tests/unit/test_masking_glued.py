"""A number glued to a letter that is no hex digit is still a number (audit xmladapters repro_9: a DSMP CalledNumber
``8613501105566x`` and a MessageId ``cs13501105566`` were kept whole in the audit row, the dead letter's reason and
the logs); glued to a hex letter (a-f, A-F) or to another digit it is part of an id and is left as it is."""

from __future__ import annotations

import json
import logging
import random
import uuid

import pytest

from hub.audit import AuditEntry
from hub.observability import JsonFormatter, MaskingFilter, mask_msisdn, masking
from hub.observability.masking import mask_numbers_in

pytestmark = pytest.mark.unit

GLUED_TO_OTHER_LETTERS = [
    ("8613501105566x", "135****5566x", "*********5566x"),
    ("cs13501105566", "cs135****5566", "cs*******5566"),
    ("G13800138000Z", "G138****8000Z", "G*******8000Z"),
    ("msisdn13800138000", "msisdn138****8000", "msisdn*******8000"),
    ("tel+8613800138000ok", "tel138****8000ok", "tel*********8000ok"),
    ("x0086 138-0013-8000y", "x138****8000y", "x***********8000y"),
    ("ｃｓ13800138000", "ｃｓ138****8000", "ｃｓ*******8000"),  # full-width letters fold to c, s
    ("é13800138000ß", "é138****8000ß", "é*******8000ß"),  # letters beyond ASCII are no hex digits
    ("客户13800138000来电", "客户138****8000来电", "客户*******8000来电"),
    ("请回拨１３８００１３８０００谢谢", "请回拨138****8000谢谢", "请回拨*******8000谢谢"),
]


@pytest.mark.parametrize(("text", "for_logs", "for_audit"), GLUED_TO_OTHER_LETTERS)
def test_a_number_glued_to_a_letter_that_is_no_hex_digit_is_masked(text: str, for_logs: str, for_audit: str) -> None:
    assert mask_msisdn(text) == for_logs
    assert mask_numbers_in(text) == for_audit


@pytest.mark.parametrize("text", [
    "913800138000x", "x138001380009", "x13800138000٩", "g1380013800", "71ffd13312345066bc7270e37c9a3a49",
    "fedcba13800138000", "13800138000abcdef", "WO20261206CNYXL5OP", "WO20261205ZQX97O4J", "138001380001x",
])
def test_a_number_glued_to_a_digit_or_inside_a_hex_id_is_left_as_it_is(text: str) -> None:
    """A hex id is a run of at least 16 hex characters (a uuid4 hex has 32)."""
    assert mask_msisdn(text) == text
    assert mask_numbers_in(text) == text


@pytest.mark.parametrize(("text", "for_logs"), [
    ("a13800138000", "a138****8000"), ("13800138000f", "138****8000f"), ("A13800138000", "A138****8000"),
    ("x13800138000b", "x138****8000b"), ("e13800138000z", "e138****8000z"), ("cs13800138000e", "cs138****8000e"),
    ("a8613800138000", "a138****8000"), ("phone13800138000", "phone138****8000"),
    ("ID13912345678", "ID139****5678"), ("Mobile:13800138000", "Mobile:138****8000"),
])
def test_a_number_glued_to_a_short_run_of_hex_letters_is_masked(text: str, for_logs: str) -> None:
    """A word ending or starting in a-f glued to a number (phone13800138000) is no hex id (audit of today's code)."""
    assert mask_msisdn(text) == for_logs
    assert "13800138000" not in mask_numbers_in(text) and "13912345678" not in mask_numbers_in(text)


def test_hex_ids_stay_whole_beside_a_masked_message_id() -> None:
    text = "message_id=71ffd13312345066bc7270e37c9a3a49 dsmp_id=cs13501105566"
    assert mask_msisdn(text) == "message_id=71ffd13312345066bc7270e37c9a3a49 dsmp_id=cs135****5566"
    rng = random.Random(9)
    ids = [uuid.UUID(int=rng.getrandbits(128), version=4).hex for _ in range(5000)]
    planted = [i[:10] + "13800138000" + i[21:] for i in ids]  # an 11-digit run between two hex characters
    glued_to_hex = [i for i in planted if i[9] in "abcdef" or i[21] in "abcdef"]
    assert len(glued_to_hex) > 1000
    assert [mask_msisdn(i) for i in glued_to_hex] == glued_to_hex
    assert [mask_numbers_in(i) for i in ids] == ids


def test_the_quick_search_still_lets_a_glued_number_through() -> None:
    assert masking._may_hold_a_number("8613501105566x")
    assert masking._may_hold_a_number("ｃｓ１３５０１１０５５６６")


def test_the_xsd_reason_of_a_bad_called_number_is_masked_in_the_audit_row_and_the_log() -> None:
    reason = ("QuerySmsLogResponse fails its XSD: Element '{urn:onepoint:dsmp:1}CalledNumber': [facet 'pattern'] "
              "The value '8613501105566x' is not accepted by the pattern '1[3-9][0-9]{9}'.")
    made = AuditEntry.for_query(operator="op", role="r", client_address="10.0.0.1", msisdn="13800138000",
                                period_from=None, period_to=None, purpose="complaint", outcome="failed",
                                reason=reason, message_id="cs13501105566")
    assert all("13501105566" not in str(value) for value in made.values())
    assert "'*********5566x'" in made.reason
    record = logging.LogRecord("hub.test", logging.WARNING, __file__, 1, "dead-lettering: %s", (reason,), None)
    assert MaskingFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "13501105566" not in line and "'135****5566x'" in json.loads(line)["event"]
