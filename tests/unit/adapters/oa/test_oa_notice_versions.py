"""The OA adapter keeps the newest version of a notice in the managers' to-reads (audit of the bulletin): a stale
revision after the clearance pushes nothing, the same revision re-sent pushes nothing, a correction back to an earlier
content reaches OA as a new message, a push overtaken by a newer one of its item is skipped, times are read as
xs:dateTime."""

from __future__ import annotations

import pytest
from lxml import etree

from adapters.oa import NoticeVersion, ToReadVersions
from adapters.oa.mapping import to_read_message_id
from hub.envelope import Envelope
from tests.unit.adapters.oa.oa_kit import OA, C, Oa
from tests.unit.adapters.soap_kit import command, echoing, example

pytestmark = pytest.mark.unit


def fault(message_id: str, revision: str | None = "1", **replace: bytes) -> Envelope:
    changes = {b"<nsp:Revision>1</nsp:Revision>": b"" if revision is None else
               f"<nsp:Revision>{revision}</nsp:Revision>".encode(), **{k.encode(): v for k, v in replace.items()}}
    return command("nsp/OutageNotice.valid-fault.xml", message_id=message_id, correlation_id=None, replace=changes)


def cleared(message_id: str, revision: str | None = "2") -> Envelope:
    return command("nsp/OutageNotice.valid-cleared.xml", message_id=message_id, correlation_id=None,
                   replace={b"<nsp:Revision>2</nsp:Revision>": b"" if revision is None else
                            f"<nsp:Revision>{revision}</nsp:Revision>".encode()})


def answer_with(oa: Oa, push: Envelope) -> None:
    item_id = etree.fromstring(push.payload).findtext(f"{{{OA}}}ItemId") or ""
    oa.route.mock(side_effect=echoing(example("oa/responses/PushToReadResponse.xml").replace(
        b"toread-FLT-20261123-0007-r1", item_id.encode())))


def test_a_stale_revision_after_the_clearance_pushes_nothing(oa: Oa) -> None:
    assert oa.client.send(cleared("nsp-cleared-r2")).processed
    pushed = len(oa.client.sent)
    result = oa.client.send(fault("nsp-late-active-r1"))
    assert result.processed and "stale" in (result.outcome or "")
    assert len(oa.client.sent) == pushed


def test_the_same_revision_resent_pushes_nothing_and_keeps_its_message_id(oa: Oa) -> None:
    assert oa.client.send(fault("nsp-first-send")).processed
    pushed = len(oa.client.sent)
    result = oa.client.send(fault("nsp-second-send"))
    assert result.processed and "unchanged" in (result.outcome or "")
    assert len(oa.client.sent) == pushed
    (push, _), *_ = oa.client.sent
    answer_with(oa, push)
    assert oa.client.send(push).processed
    first = etree.fromstring(oa.route.calls.last.request.content)
    assert first.findtext(f"{{{OA}}}Header/{{{C}}}MessageId") == to_read_message_id(first, push.message_id)


def test_a_correction_back_to_an_earlier_content_reaches_oa_as_a_new_message(oa: Oa) -> None:
    """A, then B, then A again at one revision (NSP corrected its correction): the third push shows what the first
    showed, yet OA must take it (its MessageId is not the first's, which OA would answer DUPLICATE, keeping B)."""
    sent = {"nsp-a": b"09:10:00", "nsp-b": b"09:20:00", "nsp-a-again": b"09:30:00"}
    corrected = {"nsp-b": {"<nsp:Title>": b"<nsp:Title>Corrected: "}}
    ids = []
    for message_id, at in sent.items():
        before = len(oa.client.sent)
        assert oa.client.send(fault(message_id, **{"09:10:00": at, **corrected.get(message_id, {})})).processed
        (push, _), *_ = oa.client.sent[before:]
        answer_with(oa, push)
        result = oa.client.send(push)
        assert result.processed and "overtaken" not in (result.outcome or "")
        posted = etree.fromstring(oa.route.calls.last.request.content)
        ids.append(posted.findtext(f"{{{OA}}}Header/{{{C}}}MessageId"))
    assert len(set(ids)) == 3


def test_a_push_announced_before_the_upgrade_is_pushed_after_it() -> None:
    """Items announced under the former content-only MessageId are still pushed (not taken for overtaken)."""
    versions = ToReadVersions()
    versions.offer("FLT-20261123-0007", NoticeVersion(1, False), "f1", "nsp-1", managers=("mgr",),
                   announce=lambda user: ("toread-FLT-20261123-0007-mgr", "oa-toread-former"))
    with versions.pushing("toread-FLT-20261123-0007-mgr", "oa-toread-new", "oa-toread-former") as wanted:
        assert wanted
    with versions.pushing("toread-FLT-20261123-0007-mgr", "oa-toread-new", "oa-toread-former") as wanted:
        assert not wanted  # OA shows it now


def test_a_changed_notice_that_kept_its_revision_is_pushed(oa: Oa) -> None:
    assert oa.client.send(fault("nsp-first")).processed
    pushed = len(oa.client.sent)
    assert oa.client.send(fault("nsp-corrected", **{"<nsp:Title>": b"<nsp:Title>Corrected: "})).processed
    assert len(oa.client.sent) == 2 * pushed


def test_a_push_overtaken_by_the_clearance_is_skipped(oa: Oa) -> None:
    assert oa.client.send(fault("nsp-active-r1")).processed
    active_pushes = [e for e, _ in oa.client.sent]
    assert oa.client.send(cleared("nsp-cleared-r2")).processed
    clearance_pushes = [e for e, _ in oa.client.sent][len(active_pushes):]
    for push in clearance_pushes:  # the clearance's pushes run first (another handler thread was faster)
        answer_with(oa, push)
        assert oa.client.send(push).processed
    calls = oa.route.call_count
    for push in active_pushes:
        result = oa.client.send(push)
        assert result.processed and "overtaken" in (result.outcome or "")
    assert oa.route.call_count == calls  # OA still shows the clearance
    titles = [etree.fromstring(call.request.content).findtext(f"{{{OA}}}Title") for call in oa.route.calls]
    assert all(title.startswith("Fault notice cleared") for title in titles)


def test_a_clearance_without_revision_clears_the_kept_revision(oa: Oa) -> None:
    assert oa.client.send(fault("nsp-active-r1")).processed
    assert oa.client.send(fault("nsp-active-r3", "3")).processed
    result = oa.client.send(cleared("nsp-cleared", None))
    assert result.processed and "r3" in (result.outcome or "") and "to-read for" in (result.outcome or "")


def test_hour_24_is_read_and_a_year_beyond_range_dead_lettered(oa: Oa) -> None:
    start = b"<nsp:Start>2026-11-23T08:35:00+08:00</nsp:Start>"
    assert oa.client.send(command("nsp/OutageNotice.valid-fault.xml", message_id="nsp-h24", correlation_id=None,
                                  replace={start: b"<nsp:Start>2026-11-22T24:00:00+08:00</nsp:Start>"})).processed
    result = oa.client.send(command("nsp/OutageNotice.valid-fault.xml", message_id="nsp-y10k", correlation_id=None,
                                    replace={start: b"<nsp:Start>10000-01-01T00:00:00+08:00</nsp:Start>"}))
    assert result.dead and "1-9999" in (result.reason or "")


def test_versions_order_by_revision_then_clearance() -> None:
    versions = ToReadVersions()
    assert versions.offer("N", NoticeVersion(2, False), "a")[:2] == ("newer", 1)
    assert versions.offer("N", NoticeVersion(1, True), "b")[:2] == ("stale", 1)
    assert versions.offer("N", NoticeVersion(2, False), "a")[:2] == ("unchanged", 1)
    assert versions.offer("N", NoticeVersion(2, True), "c")[:2] == ("newer", 2)
    assert versions.offer("N", NoticeVersion(2, False), "a")[:2] == ("stale", 2)


def test_the_retry_of_a_notice_message_sends_its_pushes_again() -> None:
    versions = ToReadVersions()
    assert versions.offer("N", NoticeVersion(1, False), "a", "nsp-1")[:2] == ("newer", 1)
    assert versions.offer("N", NoticeVersion(1, False), "a", "nsp-1")[:2] == ("newer", 1)  # its sends failed part-way
    assert versions.offer("N", NoticeVersion(1, False), "a", "nsp-2")[:2] == ("unchanged", 1)
