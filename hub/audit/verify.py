"""Walk the chain and name the first row that was altered, inserted, removed or moved, or a tail that was cut.

Per row, in sequence order (streamed), :mod:`hub.audit.row_checks` judges the row's own MAC first, then the gap
before it, then its link to the row before it: a row that fails its MAC was altered or forged, unless it verifies
under another nearby sequence number (a copy put in, two rows swapped, a row moved, or rows renumbered after a
removal; a row moved further than ``WINDOW`` places is reported as altered, still at the right place); a row that
lies beyond the last row a valid anchor names, or is numbered below 1, was inserted, never a sign of missing rows;
a gap before a row that holds is a removal; a row whose own MAC holds but whose predecessor is not the row before it
breaks the chain there. After the last row the anchor (committed with every row, MAC'd with the key) says whether
rows were cut from the end. A value no row can hold (a BLOB where text belongs) is an alteration like any other.
A table of rows dropped while the anchor or the key id is left is every row removed (``TRUNCATED``, exit 1), not
a log that cannot be checked.

Before all that, the key: a log records the id of the key it was sealed with beside its anchor. Given another
key, nothing in the log can hold, and the report says so (``KEY``: ``onepoint audit verify`` exits 2, not 1)
rather than naming row 1 as altered, unless the log's anchor or first row does hold under the given key: then
it is the log's key and the recorded id was changed (``ANCHOR``). Another key is also what a log looks like when
someone holding no audit key rewrote every row and the anchor under a key of his own: the ``KEY`` report says so,
and with a head recorded earlier (``--head``) verify tells the two apart: a row that no longer carries the recorded
MAC, or is gone, is tampering (exit 1) whatever key the auditor holds. A log written before key ids records none
until its next append; an alteration found at its first row then says that another key would look the same.

Limits, honestly: the anchor lives in the same database, so an attacker who kept an old copy of the whole file
(rows and anchor) can put the older, shorter state back and the log verifies. Against that, record the head
elsewhere (``onepoint audit head``: sequence number, MAC and the chain, e.g. in the daily operations report) and
give it to ``verify --head``. A head names its chain by row 1's MAC (begun): checked against another log, verify
walks that log and says it is not the log the head was recorded for (``CHAIN``: replaced since, or another log's
head), rather than that rows were cut; a finding all the same, as a file deleted and started anew looks so.
Nobody without the key can forge a row or an anchor, re-seal an altered row or hide a change in the middle of the
chain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from hub.audit.chain import GENESIS, Anchor, ChainKey
from hub.audit.row_checks import WINDOW, Finding, Place, Problem, check_row, span
from hub.audit.storage import EVERY_ROW, AuditSnapshot, AuditStorage, Head, another_key

__all__ = ["WINDOW", "Finding", "Problem", "VerifyReport", "emptied_file", "verify_chain"]

PROGRESS_EVERY = 1000
RESEALED = ("; or the log was replaced and re-sealed by someone holding another key: verify with --head and a head"
            " recorded earlier (`onepoint audit head`) to tell the two apart")


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

    @property
    def other_chain(self) -> bool:
        """The head given is another chain's: this log holds, but is not the one the head was recorded for
        (replaced since, or the head is another log's): a finding, as a removal would be."""
        return self.finding is not None and self.finding.problem is Problem.CHAIN

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
    return Finding(Problem.KEY, 0, another_key(recorded, key.key_id) + RESEALED)


def _resealed(snapshot: AuditSnapshot, key: ChainKey, head: Head) -> Finding:
    """For a log sealed with another key: tampering when the row ``head`` names no longer carries its MAC (or is
    gone), whatever key the auditor holds; else the question stays the key's (the log was not re-sealed there)."""
    recorded = snapshot.key_id()
    sealed = f"the log is now sealed with another key (key id {recorded}, given key id {key.key_id})"
    if head.seq < 1:  # the head of an empty log names no row
        return Finding(Problem.KEY, 0, another_key(str(recorded), key.key_id) + RESEALED)
    row = next((r for r in snapshot.records(start=head.seq, limit=1) if r.seq == head.seq), None)
    if row is None:
        return Finding(Problem.REMOVED, head.seq, f"the row the recorded --head names is not in the log, and {sealed}:"
                       " the log was replaced since the head was recorded")
    if row.mac != head.mac:
        return Finding(Problem.ALTERED, head.seq, f"its MAC is not the one recorded with --head, and {sealed}: the"
                       " log was rewritten and re-sealed since the head was recorded")
    return Finding(Problem.KEY, 0, another_key(str(recorded), key.key_id) + f" (row {head.seq} still carries the MAC"
                   " recorded with --head: the log was not re-sealed up to there)")


def _rows_table_gone(snapshot: AuditSnapshot) -> Finding:
    """Every row removed with its table (its anchor or key id left): tampering, never a log that cannot be read."""
    anchor = snapshot.anchor()
    named = f" (the anchor names row {anchor.seq})" if anchor is not None else ""
    return Finding(Problem.TRUNCATED, 1, f"the table of rows is gone{named}: every row was removed (dropped), only"
                   f" {'the anchor' if anchor is not None else 'the key id'} is left")


def _walk(snapshot: AuditSnapshot, key: ChainKey, expected_head: Head | None,
          progress: Callable[[int], None] | None) -> VerifyReport:
    if snapshot.rows_table_gone():
        return VerifyReport(0, _rows_table_gone(snapshot))
    key_finding = _key_finding(snapshot, key)
    if key_finding is not None and key_finding.problem is Problem.KEY:
        if expected_head is not None:
            return VerifyReport(0, _resealed(snapshot, key, expected_head))
        return VerifyReport(0, key_finding)
    anchor = snapshot.anchor()
    anchor_seq = anchor.seq if anchor is not None and key.anchor_holds(anchor) else None
    expected, prev_mac, rows, other_chain = 1, GENESIS, 0, None
    for record in snapshot.records(start=EVERY_ROW):  # a row forged below 1 is a row too
        rows += 1
        finding = check_row(snapshot, key, record, Place(expected, prev_mac, anchor_seq))
        if finding is None and rows == 1 and _of_another_chain(expected_head, record.seq, record.mac):
            other_chain, expected_head = expected_head, None  # the log is walked still, without that head
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
    if expected_head is not None and expected_head.chain is not None and rows == 0 \
            and (anchor is None or anchor_seq == 0):
        return VerifyReport(0, _no_row_of_the_chain(expected_head))
    if expected_head is not None and expected_head.seq > last:
        unless = ("; unless that head, recorded without its chain, is another chain's: a log started anew, as at a"
                  " move to a shared database, is verified against its own head, the old file against the old head"
                  if expected_head.chain is None else "")
        return VerifyReport(rows, Finding(Problem.TRUNCATED, last + 1, f"rows {span(last + 1, expected_head.seq)}"
                                          " were cut from the end (the recorded --head names row"
                                          f" {expected_head.seq}{unless})"))
    finding = _check_anchor(key, anchor, last, prev_mac)
    if finding is None and key_finding is not None:
        finding = replace(key_finding, seq=last + 1)
    if finding is None and other_chain is not None:
        finding = _another_chain(other_chain, snapshot, rows)
    return VerifyReport(rows, finding)


def _of_another_chain(head: Head | None, seq: int, mac: bytes) -> bool:
    """Whether ``head`` names its chain and row 1 (``seq``, ``mac``; its own MAC holds) begins another."""
    return head is not None and head.chain is not None and seq == 1 and mac[:len(head.chain)] != head.chain


def _no_row_of_the_chain(head: Head) -> Finding:
    """``head`` names its chain, this log has no row and no anchor naming one: a new log (as right after a move to
    a shared database, before its first row) and a log whose every row was cut with its anchor look the same."""
    assert head.chain is not None
    return Finding(Problem.CHAIN, 0, f"this log is not the one the --head given (row {head.seq}) was recorded for,"
                   f" or all its rows were cut: that log's row 1 began {head.chain.hex()}, this one has no row yet."
                   " Either the head is another log's (after a move to a shared database, check the old file against"
                   " the old head), or the log was replaced since the head was recorded (deleted and started anew,"
                   f" rows {span(1, head.seq)} cut with its anchor)")


def _another_chain(head: Head, snapshot: AuditSnapshot, rows: int) -> Finding:
    assert head.chain is not None
    first = next(iter(snapshot.records(start=1, limit=1)))
    rows_held = "1 row holds" if rows == 1 else f"{rows} rows hold"
    return Finding(Problem.CHAIN, 0, f"this log is not the one the --head given (row {head.seq}) was recorded for:"
                   f" that log's row 1 began {head.chain.hex()}, this one's begins"
                   f" {first.mac[:len(head.chain)].hex()}. Either the log was replaced since the head was recorded"
                   " (deleted and started anew, or swapped for another log sealed with the same key), or the head"
                   f" is another log's (after a move to a shared database, check the old file against the old head)."
                   f" This log's {rows_held} and its chain is intact")


def _check_anchor(key: ChainKey, anchor: Anchor | None, last: int, last_mac: bytes) -> Finding | None:
    if anchor is None:
        if last == 0:
            return None
        return Finding(Problem.ANCHOR, last + 1, "the anchor is missing, so rows cut from the end would go unseen"
                       " (it is written with every row)")
    if not key.anchor_holds(anchor):
        return Finding(Problem.ANCHOR, last + 1, "the anchor fails its MAC (altered)")
    if anchor.seq > last:
        return Finding(Problem.TRUNCATED, last + 1, f"row(s) {span(last + 1, anchor.seq)} were cut from the end"
                       f" (the anchor names row {anchor.seq})")
    if anchor.seq < last:
        return Finding(Problem.ANCHOR, anchor.seq + 1, f"the anchor names row {anchor.seq} but the chain goes on to"
                       f" row {last} (an older anchor was put back)")
    if anchor.mac != last_mac:
        return Finding(Problem.TRUNCATED, last, "the last row is not the one the anchor names (the tail was"
                       " replaced)")
    return None


def emptied_file(where: str, head: Head) -> Finding:
    """The log's file holds no table at all, and ``head`` (recorded earlier) names rows: they are gone with it."""
    return Finding(Problem.TRUNCATED, 1, f"{where} is empty (no table at all), yet the recorded --head names row"
                   f" {head.seq}: rows {span(1, head.seq)} are gone. If the log was renamed or moved while its newest"
                   " rows were still in its -wal file, that -wal file (left at the old path) holds them: put it back"
                   " beside this file, named after it, and verify again")
