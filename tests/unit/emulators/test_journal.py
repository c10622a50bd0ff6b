"""The request journal: ring-buffer bound, filters, XPath counts on a hardened parser."""

from __future__ import annotations

import pytest

from emulators.toolkit import Journal, JournalQuery, XPathQueryError

pytestmark = pytest.mark.unit

NS = "urn:onepoint:demo:1"


def _record(journal: Journal, body: bytes, operation: str | None = "Ping", status: int | None = 200, faults=()):
    return journal.record(time=0.0, operation=operation, method="POST", path="/", status=status, latency=0.001,
                          request_body=body, response_body=b"<ok/>", faults=faults)


def _ping(msisdn: str) -> bytes:
    return f'<Ping xmlns="{NS}"><msisdn>{msisdn}</msisdn></Ping>'.encode()


def test_ring_buffer_keeps_the_newest_entries_and_bounded_bytes():
    journal = Journal(capacity=100, body_cap=64)
    body = b"<Ping>" + b"x" * 500 + b"</Ping>"
    plateau = None
    for i in range(10_000):
        _record(journal, body)
        if i == 999:
            plateau = journal.stored_bytes
    assert len(journal) == 100
    assert journal.total_recorded == 10_000
    assert journal.stored_bytes == plateau == 100 * (64 + len(b"<ok/>"))
    entries = journal.select()
    assert [e.seq for e in entries] == list(range(9_901, 10_001))
    assert all(e.request_truncated and e.request_size == len(body) for e in entries)


def test_count_by_operation_and_xpath_with_namespaces():
    journal = Journal()
    _record(journal, _ping("13800138000"))
    _record(journal, _ping("13900139000"))
    _record(journal, _ping("13800138000"), status=503, faults=({"id": "f1", "kind": "error"},))
    _record(journal, b"<Other/>", operation="Other")
    query = JournalQuery(xpath="/d:Ping/d:msisdn = '13800138000'", namespaces={"d": NS})
    assert journal.count(query) == (2, {"Ping": 2})
    assert journal.count(JournalQuery(operation="Ping")) == (3, {"Ping": 3})
    assert journal.count(JournalQuery(xpath="//d:msisdn", namespaces={"d": NS}, status=200))[0] == 2
    assert journal.count(JournalQuery(fault="error"))[0] == 1
    assert journal.count(JournalQuery(fault="any"))[0] == 1
    assert journal.count(JournalQuery(fault="none"))[0] == 3
    assert journal.count(JournalQuery(fault="reset"))[0] == 0
    # without the namespace the element does not match: XPath 1.0 has no default namespace
    assert journal.count(JournalQuery(xpath="//msisdn"))[0] == 0
    assert journal.count(JournalQuery(xpath="count(//d:msisdn)", namespaces={"d": NS}))[0] == 3


def test_select_limit_returns_the_newest_in_order():
    journal = Journal()
    for i in range(5):
        _record(journal, _ping(str(i)))
    assert [e.seq for e in journal.select(limit=2)] == [4, 5]
    assert journal.select(limit=0) == []


def test_invalid_xpath_or_unbound_prefix_is_a_query_error():
    journal = Journal()
    _record(journal, _ping("1"))
    with pytest.raises(XPathQueryError):
        journal.count(JournalQuery(xpath="//["))
    with pytest.raises(XPathQueryError):
        journal.count(JournalQuery(xpath="//nope:msisdn"))


def test_doctype_and_entities_are_never_expanded_nor_matched():
    journal = Journal()
    laughs = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
              b"<r><v>&b;</v></r>")
    external = b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r><v>&x;</v></r>'
    _record(journal, laughs)
    _record(journal, external)
    _record(journal, b"<r><v>plain</v></r>")
    assert journal.count(JournalQuery(xpath="//v"))[0] == 1
    assert journal.count(JournalQuery(xpath="contains(//v, 'root')"))[0] == 0


def test_truncated_bodies_never_match_an_xpath():
    journal = Journal(body_cap=10)
    _record(journal, _ping("13800138000"))
    assert journal.count(JournalQuery(operation="Ping"))[0] == 1
    assert journal.count(JournalQuery(xpath="/*"))[0] == 0
