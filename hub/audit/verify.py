"""Walk the chain and name the first row that was altered, removed or moved, or a tail that was cut.

Per row, in sequence order (streamed): a gap in the sequence numbers is a removal; a MAC that does not match the
row's content is an alteration, unless the row verifies under another nearby sequence number, which means it
was moved (swapped with the row written there, or renumbered after a removal; a row moved further than
``WINDOW`` places is reported as altered, still at the right place); a row whose own MAC holds but
whose predecessor is not the row before it breaks the chain there. After the last row the anchor (committed
with every row, MAC'd with the key) says whether rows were cut from the end. A value no row can hold (a BLOB
where text belongs) is an alteration like any other.

Before all that, the key: a log records the id of the key it was sealed with beside its anchor. Given another
key, nothing in the log can hold, and the report says so (``KEY``: ``onepoint audit verify`` exits 2, not 1)
rather than naming row 1 as altered, unless the log's anchor or first row does hold under the given key: then
it is the log's key and the recorded id was changed (``ANCHOR``). A log written before key ids records none until
its next append; an alteration found at its first row then says that another key would look the same.

Limits, honestly: the anchor lives in the same database, so an attacker who kept an old copy of the whole file
(rows and anchor) can put the older, shorter state back and the log verifies. Against that, record the head
elsewhere (``onepoint audit head``: sequence number and MAC, e.g. in the daily operations report) and give it to
``verify --head``. Nobody without the key can forge a row or an anchor, re-seal an altered row or hide a change
in the middle of the chain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from hub.audit.chain import GENESIS, Anchor, ChainKey
from hub.audit.entry import AuditRecord
from hub.audit.storage import EVERY_ROW, AuditSnapshot, AuditStorage, Head, another_key

__all__ = ["Finding", "Problem", "VerifyReport", "verify_chain"]

WINDOW = 64  # how far from its place a moved row is looked for (only once a row fails)
PROGRESS_EVERY = 1000


class Problem(StrEnum):
    ALTERED = "ALTERED"
    REMOVED = "REMOVED"
    REORDERED = "REORDERED"
    TRUNCATED = "TRUNCATED"
    ANCHOR = "ANCHOR"
    KEY = "KEY"  # the log was sealed with another key: it cannot be checked with this one


@dataclass(frozen=True, slots=True)
class Finding:
    """The first thing wrong: what, at which sequence number, and the evidence in words."""

    problem: Problem
    seq: int
    detail: str

    def __str__(self) -> str:
        return self.detail if self.problem is Problem.KEY else f"{self.problem} at row {self.seq}: {self.detail}"


@dataclass(frozen=True, slots=True)
class VerifyReport:
    rows: int  # rows read up to and including the first bad one (all rows when intact)
    finding: Finding | None

    @property
    def intact(self) -> bool:
        return self.finding is None

    @property
    def other_key(self) -> bool:
        """The log was sealed with another key than the one given: not checked (not a finding of tampering)."""
        return self.finding is not None and self.finding.problem is Problem.KEY

    def summary(self) -> str:
        return f"OK: {self.rows} rows, chain intact" if self.finding is None else str(self.finding)


def verify_chain(storage: AuditStorage, key: ChainKey, *, expected_head: Head | None = None,
                 progress: Callable[[int], None] | None = None) -> VerifyReport:
    """Check every row, then the anchor (and ``expected_head``, a head recorded elsewhere earlier)."""
    with storage.snapshot() as snapshot:
        return _walk(snapshot, key, expected_head, progress)


def _key_finding(snapshot: AuditSnapshot, key: ChainKey) -> Finding | None:
    """``KEY`` when the log records another key's id and nothing in it holds under this key; ``ANCHOR`` (its row
    named once the rows are read) when something does (this is the log's key: its recorded id was changed)."""
    recorded = snapshot.key_id()
    if recorded is None or recorded == key.key_id:
        return None
    anchor = snapshot.anchor()
    first = next(iter(snapshot.records(start=EVERY_ROW, limit=1)), None)
    if (anchor is not None and key.anchor_holds(anchor)) or (
            first is not None and key.holds(first.prev_mac, first.seq, first.at, first.values, first.mac)):
        return Finding(Problem.ANCHOR, 0, f"the key id recorded beside the anchor ({recorded}) is not this key's"
                       f" ({key.key_id}), yet the log holds under this key: the recorded key id was changed")
    return Finding(Problem.KEY, 0, another_key(recorded, key.key_id))


def _walk(snapshot: AuditSnapshot, key: ChainKey, expected_head: Head | None,
          progress: Callable[[int], None] | None) -> VerifyReport:
    key_finding = _key_finding(snapshot, key)
    if key_finding is not None and key_finding.problem is Problem.KEY:
        return VerifyReport(0, key_finding)
    expected, prev_mac, rows = 1, GENESIS, 0
    for record in snapshot.records(start=EVERY_ROW):  # a row forged below 1 is a row too
        rows += 1
        finding = _check_row(snapshot, key, record, expected, prev_mac)
        if finding is None and expected_head is not None and record.seq == expected_head.seq \
                and record.mac != expected_head.mac:
            finding = Finding(Problem.ALTERED, record.seq, "its MAC is not the one recorded with --head")
        if finding is not None:
            if rows == 1 and finding.problem is Problem.ALTERED and snapshot.key_id() is None:
                finding = Finding(finding.problem, finding.seq, finding.detail + "; or the log was sealed with"
                                  " another key (it records no key id: written before key ids were kept)")
            return VerifyReport(rows, finding)
        expected, prev_mac = record.seq + 1, record.mac
        if progress is not None and rows % PROGRESS_EVERY == 0:
            progress(rows)
    if progress is not None:
        progress(rows)
    last = expected - 1
    if expected_head is not None and expected_head.seq > last:
        return VerifyReport(rows, Finding(Problem.TRUNCATED, last + 1, f"rows {_span(last + 1, expected_head.seq)}"
                                          " were cut from the end (the recorded --head names row"
                                          f" {expected_head.seq})"))
    finding = _check_anchor(key, snapshot.anchor(), last, prev_mac)
    if finding is None and key_finding is not None:
        finding = replace(key_finding, seq=last + 1)
    return VerifyReport(rows, finding)


def _span(first: int, last: int) -> str:
    return f"{first}" if first == last else f"{first}..{last}"


def _check_row(snapshot: AuditSnapshot, key: ChainKey, record: AuditRecord, expected: int,
               prev_mac: bytes) -> Finding | None:
    if record.seq > expected:
        return Finding(Problem.REMOVED, expected, f"row(s) {_span(expected, record.seq - 1)} are missing"
                       f" (the next row present is {record.seq})")
    if not key.holds(record.prev_mac, record.seq, record.at, record.values, record.mac):
        return _moved_or_altered(snapshot, key, record)
    if record.prev_mac != prev_mac:
        return Finding(Problem.REORDERED, record.seq, f"its own MAC holds but it was not written after the row now"
                       f" numbered {record.seq - 1} (the chain breaks there: a row was put in from elsewhere)")
    return None


def _written_as(key: ChainKey, record: AuditRecord, candidates: range) -> int | None:
    return next((seq for seq in candidates if seq != record.seq
                 and key.holds(record.prev_mac, seq, record.at, record.values, record.mac)), None)


def _moved_or_altered(snapshot: AuditSnapshot, key: ChainKey, record: AuditRecord) -> Finding:
    here = record.seq
    written_as = _written_as(key, record, range(max(1, here - WINDOW), here + WINDOW + 1))
    if written_as is None:
        return Finding(Problem.ALTERED, here, "its MAC does not match its content (a field, its time or a MAC"
                       " was changed since it was written)")
    for other in snapshot.records(start=here + 1, limit=WINDOW):
        if key.holds(other.prev_mac, here, other.at, other.values, other.mac):
            return Finding(Problem.REORDERED, here, f"it holds the row written as {written_as}, and the row written"
                           f" as {here} is now at {other.seq} (rows swapped)")
    if written_as > here:
        return Finding(Problem.REMOVED, here, f"the row written as {_span(here, written_as - 1)} is gone and the"
                       f" rows after it were renumbered (row {here} was written as {written_as})")
    return Finding(Problem.REORDERED, here, f"it holds the row written as {written_as} (moved or copied here)")


def _check_anchor(key: ChainKey, anchor: Anchor | None, last: int, last_mac: bytes) -> Finding | None:
    if anchor is None:
        if last == 0:
            return None
        return Finding(Problem.ANCHOR, last + 1, "the anchor is missing, so rows cut from the end would go unseen"
                       " (it is written with every row)")
    if not key.anchor_holds(anchor):
        return Finding(Problem.ANCHOR, last + 1, "the anchor fails its MAC (altered)")
    if anchor.seq > last:
        return Finding(Problem.TRUNCATED, last + 1, f"row(s) {_span(last + 1, anchor.seq)} were cut from the end"
                       f" (the anchor names row {anchor.seq})")
    if anchor.seq < last:
        return Finding(Problem.ANCHOR, anchor.seq + 1, f"the anchor names row {anchor.seq} but the chain goes on to"
                       f" row {last} (an older anchor was put back)")
    if anchor.mac != last_mac:
        return Finding(Problem.TRUNCATED, last, "the last row is not the one the anchor names (the tail was"
                       " replaced)")
    return None
