"""A ``phone`` field takes what a customer's or a complained-of number may be (audit as a front-end developer):
a fixed line with its extension, a 400/800 or short service number, a number abroad. The hub adds the work
order's own contact number (any c:PhoneNumber CreateWorkOrder took) to every dispatch: one with an extension made
every Dispatch refused for a field the agent never typed. A text field with a pattern takes full-width digits, and
a pattern is matched against the value as typed as well as its normal form (the form QueryTemplate's answer builds
checks what is typed)."""

from __future__ import annotations

import re

import pytest

from hub.workflow.taxonomy import FieldSpec

pytestmark = pytest.mark.unit
PHONE = FieldSpec("contact_number", "Contact number", "phone")


@pytest.mark.parametrize(("typed", "dispatched"), [
    ("0755-83765432-801", "075583765432-801"),
    ("0755 8376 5432 转 801", "075583765432-801"),
    ("400-820-8820", "4008208820"),
    ("10086", "10086"),
    ("95588", "95588"),
    ("+44 20 7946 0958", "+442079460958"),
    ("00442079460958", "00442079460958"),
    ("+852 6123 4567", "+85261234567"),
    ("139-8765-4321", "13987654321"),
    ("+86 10 12345678", "01012345678"),
])
def test_numbers_a_customer_gives_or_complains_of_are_taken(typed: str, dispatched: str) -> None:
    assert PHONE.normal(typed) == dispatched
    assert PHONE.problem(PHONE.normal(typed), typed=typed) is None


@pytest.mark.parametrize("typed", ["12", "abc", "0755-1234", "+86"])
def test_what_is_no_number_is_still_refused_naming_what_is_taken(typed: str) -> None:
    wrong = PHONE.problem(PHONE.normal(typed), typed=typed)
    assert wrong is not None and "a number abroad" in wrong


def test_a_text_fields_pattern_takes_full_width_digits() -> None:
    sp_code = FieldSpec("sp_code", "SP code", "text", pattern=re.compile(r"[0-9]{5,6}"))
    assert sp_code.normal("９０１２３４") == "901234"
    assert sp_code.problem(sp_code.normal("９０１２３４"), typed="９０１２３４") is None


def test_a_pattern_written_for_the_typed_number_is_matched_against_it() -> None:
    peer = FieldSpec("peer_number", "Peer", "phone", pattern=re.compile(r"0[0-9]{2,3}-[0-9]{7,8}|1[3-9][0-9]{9}"))
    assert peer.problem(peer.normal("0755-83765432"), typed="0755-83765432") is None
    assert peer.problem(peer.normal("0755 83765432"), typed="0755 83765432") is not None  # neither form matches
