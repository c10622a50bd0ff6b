"""The row format: the number masked but for its last 4 digits, the canonical encoding, the columns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from hub.audit import AuditEntry, Outcome, mask_msisdn_tail
from hub.audit.entry import FIELDS, canonical
from hub.audit.sqlite import ROW_COLUMNS
from tests.unit.audit.kit import MSISDN, entry

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("number", "masked"),
    [("13800138000", "*******8000"), ("+8613912345678", "*********5678"), ("8000", "****"), ("", ""),
     ("*******8000", "*******8000"), ("139-1234-5678", "*******5678")],
)
def test_every_digit_but_the_last_four_is_hidden(number, masked):
    assert mask_msisdn_tail(number) == masked


def test_an_entry_never_holds_the_full_number():
    made = entry()
    assert made.msisdn_masked == "*******8000"
    assert MSISDN not in repr(made)
    assert all(MSISDN not in str(value) for value in made.values())
    with pytest.raises(ValueError, match="never in full"):
        AuditEntry("op", "role", "10.0.0.1", MSISDN, None, None, "WO20261201ABCD1234", 0, Outcome.ALLOWED)


def test_the_period_is_kept_in_utc():
    cst = timezone(timedelta(hours=8))
    made = AuditEntry.for_query(operator="op", role="r", client_address="10.0.0.1", msisdn=MSISDN,
                                period_from=datetime(2026, 11, 1, 8, tzinfo=cst), period_to=None,
                                purpose="WO20261201ABCD1234")
    assert made.period_from == "2026-11-01T00:00:00.000000+00:00"
    assert made.period_to is None
    with pytest.raises(ValueError, match="offset"):
        AuditEntry.for_query(operator="op", role="r", client_address="10.0.0.1", msisdn=MSISDN,
                             period_from=datetime(2026, 11, 1), period_to=None, purpose="x")


def test_a_denied_query_returns_no_rows():
    assert entry(outcome=Outcome.DENIED).rows_returned == 0
    with pytest.raises(ValueError, match="returns no rows"):
        AuditEntry("op", "r", "10.0.0.1", "*******8000", None, None, "WO1", 3, Outcome.DENIED, "no")


def test_the_canonical_encoding_covers_the_sequence_number_time_and_every_field():
    values = entry(5).values()
    base = canonical(7, "2026-12-01T00:00:00.000000+00:00", values)
    assert canonical(7, "2026-12-01T00:00:00.000000+00:00", values) == base
    assert canonical(8, "2026-12-01T00:00:00.000000+00:00", values) != base
    assert canonical(7, "2026-12-01T00:00:00.000001+00:00", values) != base
    for index in range(len(values)):
        changed = list(values)
        changed[index] = (values[index] + 1 if isinstance(values[index], int)
                          else "x" if values[index] != "x" else "y")
        assert canonical(7, "2026-12-01T00:00:00.000000+00:00", tuple(changed)) != base, FIELDS[index]


def test_the_sqlite_columns_are_the_fields_in_order():
    assert [c.strip() for c in ROW_COLUMNS.split(",")] == ["seq", "at", *FIELDS, "prev_mac", "mac"]


def test_the_time_of_a_row_comes_from_the_logs_clock(tmp_path):
    from hub.audit import AuditLog, SQLiteAuditStorage
    from tests.unit.audit.kit import TEST_KEY

    moment = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    log = AuditLog(SQLiteAuditStorage(tmp_path / "audit.db"), TEST_KEY, clock=lambda: moment)
    assert log.append(entry()).at == "2026-12-01T09:30:00.000000+00:00"


def test_numbers_quoted_in_the_reason_or_purpose_are_masked_too():
    made = AuditEntry.for_query(operator="op", role="r", client_address="10.0.0.1", msisdn=MSISDN, period_from=None,
                                period_to=None, purpose="complaint of 13912345678 (WO20261201ABCD1234)",
                                outcome="failed", reason="DSMP: subscriber 8613800138000 unknown")
    assert made.outcome is Outcome.FAILED
    assert made.reason == "DSMP: subscriber *********8000 unknown"
    assert made.purpose == "complaint of *******5678 (WO20261201ABCD1234)"
