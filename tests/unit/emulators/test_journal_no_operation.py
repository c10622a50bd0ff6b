"""Requests of no operation (a WSDL GET) are counted, shown and filtered under one name, ``(none)``: the journal's
``by_operation``, ``assert_called``'s failure message and ``operation=`` agree, never a '' that the filter refuses."""

from __future__ import annotations

import pytest

from emulators.boss import create_emulator as create_boss
from emulators.toolkit import in_process_emulator
from emulators.toolkit.journalquery import NO_OPERATION

pytestmark = pytest.mark.unit


@pytest.fixture
def boss():
    with in_process_emulator(create_boss(seed=7, subscribers=50)) as handle:
        handle.http.get("/?wsdl")
        yield handle


def test_a_wsdl_get_is_counted_under_none_and_filtered_by_it(boss) -> None:
    assert NO_OPERATION == "(none)"
    assert boss.admin.count_by_operation() == {"(none)": 1}
    assert boss.admin.count("(none)") == 1
    assert [entry["path"] for entry in boss.admin.journal(operation="(none)")] == ["/"]
    assert boss.admin.count("QueryCustomerTier") == 0
    boss.assert_called("(none)", times=1)


def test_assert_called_names_them_as_the_filter_takes_them(boss) -> None:
    with pytest.raises(AssertionError, match=r"journal by operation: \{'\(none\)': 1\}"):
        boss.assert_called("QueryCustomerTier")


def test_an_empty_operation_is_refused_naming_none(boss) -> None:
    refused = boss.http.get("/__admin/journal/count", params={"operation": ""})
    assert refused.status_code == 400
    assert "(none) for requests of no operation" in refused.json()["error"]
