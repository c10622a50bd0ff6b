"""Phone numbers written with the ideographic zero 〇 or in Chinese numerals are masked (audit zh repro_6); prose
that merely holds 一 or 三 is not rewritten."""

from __future__ import annotations

import json
import logging

import pytest

from hub.audit import masking as audit_masking
from hub.observability import JsonFormatter, MaskingFilter, mask_msisdn, masking

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("form", ["138〇〇138〇〇〇", "一三八〇〇一三八〇〇〇", "一三八零零一三八零零零",
                                  "幺三八〇〇幺三八〇〇〇",
                                  "一三八 〇〇一三 八〇〇〇", "一三八-〇〇一三-八〇〇〇", "+86 一三八〇〇一三八〇〇〇",
                                  "１３８〇〇１３８〇〇〇"])
def test_a_number_in_chinese_numerals_is_masked(form: str) -> None:
    assert mask_msisdn(f"客户{form}反映无法通话") == "客户138****8000反映无法通话"
    assert mask_msisdn(f"回拨号码{form}") == "回拨号码138****8000"
    assert audit_masking.mask_numbers_in(f"回拨{form}") == audit_masking.mask_numbers_in(f"回拨{masking.fold(form)}")
    assert audit_masking.mask_numbers_in(f"回拨{form}").endswith("*******8000")


def test_two_is_read_as_two() -> None:
    assert mask_msisdn("号码一三九两两三三四四五五") == "号码139****4455"


@pytest.mark.parametrize("text", ["客户第一次反映三天前开始无法上网，一直没有信号，一个月来三次",
                                  "一二三四五六七八九十", "一三八〇〇一三八〇〇",  # ten numerals: no number
                                  "一三八〇〇一三八〇〇〇〇",  # twelve: part of something longer
                                  "编号1一三八〇〇一三八〇〇〇",  # glued to a digit
                                  "二三八〇〇一三八〇〇〇"])  # no 1 first
def test_prose_and_what_is_no_mobile_number_is_left_as_written(text: str) -> None:
    assert mask_msisdn(text) == text
    assert audit_masking.mask_numbers_in(text) == text


def test_the_quick_search_sees_chinese_numerals() -> None:
    assert masking._quick_other("回拨一三八〇〇一三八〇〇〇") is not None
    assert masking._quick_other("客户第一次反映三天前开始无法上网") is None
    assert masking.fold("〇一二三四五六七八九零幺两") == "0123456789012"


def test_a_log_record_masks_a_number_in_chinese_numerals() -> None:
    number = "一三八〇〇一三八〇〇〇"
    record = logging.LogRecord("onepoint", logging.INFO, __file__, 1, "客户回拨号码%s", (number,), None)
    record.note = "138〇〇138〇〇〇"
    assert MaskingFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["event"] == "客户回拨号码138****8000" and entry["note"] == "138****8000"
