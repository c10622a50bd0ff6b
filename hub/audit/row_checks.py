"""What is wrong with one row of the chain, in words: the per-row half of :mod:`hub.audit.verify`.

A row is judged by its own MAC first, then by the gap before it, then by its link to the row before it:

- numbered below 1: a row put in (rows are numbered from 1), whatever it holds;
- its own MAC fails: it holds as no row nearby (``ALTERED``; beyond the row a valid anchor names it was *inserted*,
  a forgery, not a sign of missing rows), or it is a copy of a row still in the log (``REORDERED``: inserted), or
  it and the row now at the place it was written for each hold at the other's place (``REORDERED``: swapped), or
  the row written at its place is elsewhere ahead (moved: within ``WINDOW`` rows, or, when the row at its place was
  written further on, anywhere after it: ``REORDERED`` naming where), or it was written further on and nothing
  written at its place is left (``REMOVED``: rows gone and the rest renumbered);
- its MAC holds after a gap: rows were removed (``REMOVED``), unless it lies beyond the row a valid anchor names
  (put in from another log under this key, or rows cut and an older anchor put back: ``ALTERED``);
- its MAC holds but it was not written after the row before it: the chain breaks there (``REORDERED``).

Inserted rows are reported as ``ALTERED`` or ``REORDERED`` (exit 1 like every finding of tampering), never as
``REMOVED``: nothing was removed when rows 1..N and the anchor are intact and a row was added.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hub.audit.chain import ChainKey
from hub.audit.entry import AuditRecord
from hub.audit.storage import AuditSnapshot

__all__ = ["WINDOW", "Finding", "Place", "Problem", "check_row", "span"]

WINDOW = 64  # how far from its place a moved row is looked for (only once a row fails)


class Problem(StrEnum):
    ALTERED = "ALTERED"
    REMOVED = "REMOVED"
    REORDERED = "REORDERED"
    TRUNCATED = "TRUNCATED"
    ANCHOR = "ANCHOR"
    KEY = "KEY"  # the log was sealed with another key: it cannot be checked with this one
    CHAIN = "CHAIN"  # the --head given is of another chain: the log replaced since, or the head another log's


@dataclass(frozen=True, slots=True)
class Finding:
    """The first thing wrong: what, at which sequence number, and the evidence in words."""

    problem: Problem
    seq: int
    detail: str

    def __str__(self) -> str:
        if self.problem is Problem.KEY:
            return self.detail
        return f"{self.problem}: {self.detail}" if self.problem is Problem.CHAIN else \
            f"{self.problem} at row {self.seq}: {self.detail}"


@dataclass(frozen=True, slots=True)
class Place:
    """Where the walk stands: the number the next row should carry, the MAC it should follow, and the last row the
    anchor names when the anchor holds under the key (None: no anchor that holds, so no known end)."""

    expected: int
    prev_mac: bytes
    anchor_seq: int | None

    def beyond_end(self, seq: int) -> bool:
        return self.anchor_seq is not None and seq > self.anchor_seq

    def missing_before(self, seq: int) -> str:
        """The words for the rows absent before row ``seq`` that were written (not those beyond the anchor's end)."""
        last = seq - 1 if self.anchor_seq is None else min(seq - 1, self.anchor_seq)
        return f"; row(s) {span(self.expected, last)} before it are missing" if last >= self.expected else ""

    def end_note(self, seq: int) -> str:
        return f" after the end of the log (the anchor names row {self.anchor_seq}, and holds)" \
            if self.beyond_end(seq) else ""


def span(first: int, last: int) -> str:
    return f"{first}" if first == last else f"{first}..{last}"


def check_row(snapshot: AuditSnapshot, key: ChainKey, record: AuditRecord, place: Place) -> Finding | None:
    """The finding for ``record``, read where ``place`` says the walk stands (None: the row is sound there)."""
    here = record.seq
    if here < 1:
        copy_of = _written_as(key, record, range(1, WINDOW + 1))
        what = f"a copy of row {copy_of}" if copy_of is not None else "its MAC holds for no row"
        return Finding(Problem.ALTERED, here, f"rows are numbered from 1: a row numbered {here} was inserted before"
                       f" row 1 ({what})")
    if not key.holds(record.prev_mac, here, record.at, record.values, record.mac):
        return _failing(snapshot, key, record, place)
    if here > place.expected:
        end = place.anchor_seq
        if end is not None and here > end:
            return Finding(Problem.ALTERED, here, f"its MAC holds, but it lies beyond row {end}, the last the"
                           f" anchor names, with row(s) {span(max(end + 1, place.expected), here - 1)} absent: it"
                           " was inserted (from another log sealed with this key), or rows were cut and an older"
                           f" anchor put back{place.missing_before(here)}")
        return Finding(Problem.REMOVED, place.expected, f"row(s) {span(place.expected, here - 1)} are missing"
                       f" (the next row present is {here})")
    if record.prev_mac != place.prev_mac:
        return Finding(Problem.REORDERED, here, f"its own MAC holds but it was not written after the row now"
                       f" numbered {here - 1} (the chain breaks there: a row was put in from elsewhere)")
    return None


def _written_as(key: ChainKey, record: AuditRecord, candidates: range) -> int | None:
    return next((seq for seq in candidates if seq != record.seq
                 and key.holds(record.prev_mac, seq, record.at, record.values, record.mac)), None)


def _copied_from(snapshot: AuditSnapshot, record: AuditRecord, written_as: int) -> int | None:
    """Where the row ``record`` is a copy of still is in the log (None: nowhere near the place it was written)."""
    return next((other.seq for other in snapshot.records(start=max(1, written_as - WINDOW), limit=2 * WINDOW + 1)
                 if other.seq != record.seq and (other.mac, other.prev_mac, other.at, other.values)
                 == (record.mac, record.prev_mac, record.at, record.values)), None)


def _moved_far(snapshot: AuditSnapshot, key: ChainKey, place: Place, beyond: int) -> int | None:
    """Where the row written as ``place.expected`` is when it lies after row ``beyond`` (past the window): the one
    row following the last sound row whose MAC holds at that place; None when it is nowhere (it was removed). One
    pass over the rest of the log, comparing the MAC each row follows before computing any."""
    return next((other.seq for other in snapshot.records(start=beyond + 1) if other.prev_mac == place.prev_mac
                 and key.holds(other.prev_mac, place.expected, other.at, other.values, other.mac)), None)


def _failing(snapshot: AuditSnapshot, key: ChainKey, record: AuditRecord, place: Place) -> Finding:
    """A row whose MAC fails at its place: forged or altered, a copy, swapped, moved, or renumbered after removals."""
    here = record.seq
    missing, end = place.missing_before(here), place.end_note(here)
    written_as = _written_as(key, record, range(max(1, here - WINDOW), here + WINDOW + 1))
    if written_as is None:
        if place.beyond_end(here):
            return Finding(Problem.ALTERED, here, f"a forged row was inserted{end}: its MAC holds for no row"
                           f"{missing}")
        return Finding(Problem.ALTERED, here, "its MAC does not match its content (a field, its time or a MAC was"
                       f" changed since it was written, or the row was forged and put in){missing}")
    original = _copied_from(snapshot, record, written_as)
    if original is not None:
        where = "still there" if original == written_as else f"now at {original}"
        return Finding(Problem.REORDERED, here, f"it is a copy of row {written_as} (the row written as {written_as},"
                       f" {where}), inserted here{end}{missing}")
    moved_to = next((other.seq for other in snapshot.records(start=here + 1, limit=WINDOW)
                     if key.holds(other.prev_mac, here, other.at, other.values, other.mac)), None)
    if moved_to is not None:
        how = "rows swapped" if moved_to == written_as else "rows moved"
        return Finding(Problem.REORDERED, here, f"it holds the row written as {written_as}, and the row written as"
                       f" {here} is now at {moved_to} ({how}){missing}")
    if written_as > here and not place.beyond_end(here):
        far = _moved_far(snapshot, key, place, here + WINDOW)
        if far is not None:
            return Finding(Problem.REORDERED, place.expected, f"the row written as {place.expected} is now at {far},"
                           f" moved more than {WINDOW} rows on, and the rows after it were renumbered (row {here} was"
                           f" written as {written_as})")
        return Finding(Problem.REMOVED, place.expected, f"the row(s) written as {span(place.expected, written_as - 1)}"
                       f" are gone and the rows after them were renumbered (row {here} was written as {written_as})")
    return Finding(Problem.REORDERED, here, f"it holds the row written as {written_as} (moved here){end}{missing}")
