import json
import logging

import pytest

from hub.observability import JsonFormatter, MaskingFilter, mask_msisdn

pytestmark = pytest.mark.unit


def test_msisdns_are_masked():
    assert mask_msisdn("call 13800138000 now") == "call 138****8000 now"
    assert mask_msisdn("+8613912345678") == "139****5678"
    assert mask_msisdn("order WO20261123ABCD1234 and 075583765432") == "order WO20261123ABCD1234 and 075583765432"


def test_records_are_json_with_masked_fields():
    record = logging.LogRecord("onepoint", logging.INFO, __file__, 1, "complaint from %s", ("13800138000",), None)
    record.msisdn = "13912345678"
    record.nested = {"numbers": ["15012345678"]}
    assert MaskingFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["event"] == "complaint from 138****8000"
    assert entry["msisdn"] == "139****5678"
    assert entry["nested"] == {"numbers": ["150****5678"]}
    assert entry["level"] == "info"
