"""Phone numbers are masked in the logs however they are written (audit: separators, +86/0086, full-width digits),
on every surface that uses the log masker, and ids that merely contain 11 digits are left alone."""

from __future__ import annotations

import io
import json
import logging
import random
import re
import sys
import unicodedata
import uuid
from datetime import UTC, datetime

import pytest

from hub.audit import masking as audit_masking
from hub.cli.dlq_body import shown_body
from hub.gateways.failures import SystemRefused, SystemUnavailable
from hub.observability import configure_logging, mask_msisdn, masking
from hub.workers.classify import describe
from hub.workflow.events import event_document

pytestmark = pytest.mark.unit

FORMS = ["13800138000", "138-0013-8000", "138 0013 8000", "138.0013.8000", "+86 138 0013 8000",
         "+86-138-0013-8000", "+8613800138000", "8613800138000", "0086 13800138000", "008613800138000",
         "１３８００１３８０００", "１３８－００１３－８０００", "138- 0013 -8000"]
# dashes, slashes, brackets and the like (auth audit repro_05): each a spelling of its own
OTHER_SEPARATORS = ["138\u20100013\u20108000", "138\u20110013\u20118000", "138\u20120013\u20128000",
                    "138—0013—8000", "138–0013–8000", "138―0013―8000", "138−0013−8000", "138/0013/8000",
                    "138_0013_8000", "138·0013·8000", "138~0013~8000", "138,0013,8000", "138\u200b0013\u200b8000",
                    "138\ufeff0013\u20608000", "138\u200c0013\u200d8000", "(138)0013-8000", "(138) 0013 8000",
                    "（138）0013－8000", "+86 (138)0013-8000", "138／0013／8000", "138— 0013 —8000",
                    "１３８—００１３—８０００", "138/ 0013/ 8000"]
FORMS += OTHER_SEPARATORS


def _digits(text: str) -> str:
    return "".join(str(unicodedata.digit(ch)) for ch in text if unicodedata.digit(ch, None) is not None)


def _leaks(line: str) -> bool:
    return "13800138000" in _digits(line) or any(form in line for form in FORMS)


@pytest.mark.parametrize("form", FORMS)
def test_every_spelling_of_a_number_is_masked_as_138_stars_8000(form: str) -> None:
    assert mask_msisdn(f"call back on {form} please") == "call back on 138****8000 please"
    assert mask_msisdn(f"请回拨{form}，谢谢") == "请回拨138****8000，谢谢"
    assert mask_msisdn(form) == "138****8000"


@pytest.mark.parametrize("text", ["WO20261205ZQX97O4J", "71ffd13312345066bc7270e37c9a3a49", "075583765432",
                                  "2026-11-23T10:15:00+08:00", "172.138.100.13", "138****8000", "1380013800",
                                  "138001380001", "order 42 of 7", "请回拨客户，无法主叫"])
def test_what_is_no_number_is_left_as_it_is(text: str) -> None:
    assert mask_msisdn(text) == text


def test_hex_message_ids_are_never_rewritten() -> None:
    """uuid4().hex ids (hub.envelope.new_message_id) with 11 digits in a row starting 13-19 stay as they are."""
    assert mask_msisdn("message_id=71ffd13312345066bc7270e37c9a3a49") == "message_id=71ffd13312345066bc7270e37c9a3a49"
    rng = random.Random(5)
    ids = [uuid.UUID(int=rng.getrandbits(128), version=4).hex for _ in range(20000)]
    with_run = [i for i in ids if re.search(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])", i)]
    assert len(with_run) > 10  # the ids that were rewritten before
    assert [mask_msisdn(i) for i in ids] == ids
    assert [audit_masking.mask_numbers_in(i) for i in ids] == ids
    assert mask_msisdn("tel:13800138000, msisdn_13800138000") == "tel:138****8000, msisdn_138****8000"


def test_the_audit_log_and_the_logs_share_one_pattern() -> None:
    assert audit_masking.mask_numbers_in is masking.mask_numbers_in and audit_masking.fold is masking.fold
    assert audit_masking.mask_numbers_in("call +86 138-0013-8000") == "call *********8000"


def test_the_quick_search_knows_every_character_that_folds_to_a_digit_or_a_separator() -> None:
    """`fold` reads any character with a digit value as that digit; the quick search on unfolded text must see
    every such character (and every one that folds to a space, dot or hyphen), or it would skip a number."""
    digit = re.compile(masking._ANY_DIGIT)
    separator = re.compile(masking._ANY_SEP)
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        folded = masking._fold_char(ch)
        if folded in "0123456789" and len(folded) == 1:
            assert digit.fullmatch(ch), hex(code)
        elif len(folded) == 1 and re.fullmatch(SEPARATORS, folded):
            assert separator.fullmatch(ch), hex(code)


SEPARATORS = r"[\s.\-/_~,)\u00b7\u200b-\u200d\u2010-\u2015\u2060\u2212\ufeff]"  # ")" of "(138)0013…"


def test_the_full_pattern_reads_every_separator_and_the_quick_search_too() -> None:
    """Each separator of the full pattern, and each character that folds to one, between the digits of a number:
    masked, and seen by the quick search (on ASCII and on other text)."""
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        folded = masking._fold_char(ch)
        if len(folded) != 1 or folded == ")" or not re.fullmatch(SEPARATORS, folded):
            continue
        for text in (f"138{ch}0013{ch}8000", f"客户 138{ch}0013{ch}8000 撤诉"):
            assert masking._may_hold_a_number(text), hex(code)
            assert "0013" not in mask_msisdn(text), hex(code)
    for bracketed in ("(138)0013 8000", "tel(138)0013-8000", "（138）００１３８０００", "﹙138﹚0013 8000"):
        assert masking._may_hold_a_number(bracketed), bracketed
        assert "0013" not in mask_msisdn(bracketed) and "138****8000" in mask_msisdn(bracketed), bracketed


def _lines(log_format: str) -> list[str]:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("DEBUG", log_format, stream)  # type: ignore[arg-type]
        log = logging.getLogger("onepoint.test")
        for form in FORMS:
            log.info(f"customer asks for a call back on {form}", extra={"note": f"contact {form}",
                                                                         "nested": {"numbers": [form]}})
            try:
                raise SystemRefused("crm", "NotifyAccountManager", "Client.BadContact", f"contact {form} unreachable")
            except SystemRefused as exc:
                log.error("permanent failure", exc_info=True, extra={"reason": describe(exc)})
            try:
                raise ValueError(f"no subscriber {form}")
            except ValueError:
                log.exception("lookup failed")
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    return stream.getvalue().splitlines()


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_log_lines_their_extras_and_tracebacks_are_masked(log_format: str) -> None:
    lines = _lines(log_format)
    assert [line for line in lines if _leaks(line)] == []
    assert sum("138****8000" in line for line in lines) >= 3 * len(FORMS)
    if log_format == "json":
        entry = json.loads(lines[0])
        assert (entry["note"], entry["nested"]) == ("contact 138****8000", {"numbers": ["138****8000"]})


@pytest.mark.parametrize("form", FORMS)
def test_dlq_reasons_and_gateway_failures_are_masked(form: str) -> None:
    refused = SystemRefused("crm", "NotifyAccountManager", "Client.BadContact", f"contact {form} unreachable")
    assert refused.detail == "contact 138****8000 unreachable"
    assert describe(refused).endswith("refused (Client.BadContact): contact 138****8000 unreachable")
    assert str(SystemUnavailable("nsp", "Dispatch", f"for {form}")) == "nsp Dispatch: for 138****8000"
    assert describe(ValueError(f"bad {form}")) == "ValueError: bad 138****8000"


@pytest.mark.parametrize("form", FORMS)
def test_dlq_show_masks_every_spelling_in_a_body(form: str) -> None:
    body = f'<?xml version="1.0" encoding="UTF-8"?><Q><Note>回拨 {form}</Note></Q>'
    assert shown_body(body.encode(), unmasked=False) == body.replace(form, "138****8000")
    assert shown_body(body.encode("utf-16"), unmasked=False) == body.replace(form, "138****8000")
    assert shown_body(body.encode(), unmasked=True) == body


def test_listener_events_mask_every_spelling_in_reasons_and_changed_values() -> None:
    row = {"id": "WO20261205ABCD1234", "state": "NEW", "msisdn": "13800138000"}
    document = event_document("e1", "TroubleTicketStatusChangeEvent", row, datetime(2026, 12, 5, tzinfo=UTC),
                              attribute_change={"attribute": "contact", "value": "+86 139-1234-5678"},
                              reason="客户改用 １３７００１３７０００ 联系")
    ticket = document["event"]["troubleTicket"]
    assert ticket["attributeValueChange"] == {"attribute": "contact", "value": "*********5678"}
    assert ticket["statusChangeDetail"] == {"reason": "客户改用 *******7000 联系"}


@pytest.mark.parametrize("form", ["139—1234—5678", "139–1234–5678", "(139)1234-5678", "139/1234/5678"])
def test_listener_events_mask_numbers_written_with_dashes_slashes_or_brackets(form: str) -> None:
    row = {"id": "WO20261205ABCD1234", "state": "CANCELLED", "msisdn": "13800138000"}
    document = event_document("e1", "TroubleTicketStatusChangeEvent", row, datetime(2026, 12, 5, tzinfo=UTC),
                              reason=f"客户来电 {form} 撤诉")
    assert document["event"]["troubleTicket"]["statusChangeDetail"] == {"reason": "客户来电 *******5678 撤诉"}
