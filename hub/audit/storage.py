"""Where audit rows live: the interface an engine implements (``sqlite``: a file per machine; ``postgres``: one
chain every hub and DSMP worker shares).

An engine stores rows, the anchor and the key id beside it; it does not know HMAC. :meth:`AuditStorage.append`
runs one write transaction that reads the head, the anchor and the recorded key id, asks ``link``
(engine-independent, below) for the next sequence number, time and MACs, inserts the row, replaces the anchor,
records the key id if the log has none yet (a new log, or one written before key ids) and commits before
returning. The time is read inside the transaction, so rows are numbered in the order of their times (as far as
the clock allows).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass

from hub.audit.chain import GENESIS, Anchor, ChainKey
from hub.audit.entry import AuditRecord, Value

__all__ = ["CHAIN_BYTES", "EVERY_ROW", "AuditIntegrityError", "AuditKeyMismatch", "AuditSnapshot", "AuditStorage",
           "Head", "Link", "LinkFunction", "another_key", "link_after"]


CHAIN_BYTES = 8  # of row 1's MAC: a chain's name in a head (64 bits tell logs apart)


class AuditIntegrityError(RuntimeError):
    """The log's tail does not match its anchor: nothing is appended (and so nothing is sent) until it is examined."""


class AuditKeyMismatch(AuditIntegrityError):
    """The log was sealed with another key than the one given: nothing is appended with this one."""


def another_key(recorded: str, given: str) -> str:
    """The words for a log sealed with another key than the one given (the ids only, never a key)."""
    return (f"this log was sealed with another key (key id {recorded}, given key id {given}): check [audit]"
            " key_file / key_env (an unset $ONEPOINT_AUDIT_KEY means the built-in development key)")


@dataclass(frozen=True, slots=True)
class Head:
    """The last row's sequence number and MAC (0 and :data:`GENESIS` for an empty log), and which chain it is of:
    the first :data:`CHAIN_BYTES` of row 1's MAC (``None``: not known, as in a head recorded before heads named
    their chain). Row 1's MAC covers its time and fields, so two logs started apart never share it."""

    seq: int
    mac: bytes
    chain: bytes | None = None

    @classmethod
    def of_empty_log(cls) -> Head:
        return cls(0, GENESIS)


@dataclass(frozen=True, slots=True)
class Link:
    """What the next row is given: its sequence number, time, the MAC it follows, its MAC and the new anchor."""

    seq: int
    at: str
    prev_mac: bytes
    mac: bytes
    anchor: Anchor
    key_id: str  # recorded beside the anchor when the log has none yet


LinkFunction = Callable[[Head, Anchor | None, str | None], Link]  # (head, anchor, recorded key id) -> Link


def link_after(key: ChainKey, clock: Callable[[], str], values: tuple[Value, ...]) -> LinkFunction:
    """The ``link`` for :meth:`AuditStorage.append`: refuses to extend a log whose tail disagrees with its anchor.

    Appending after a truncated tail would move the anchor onto the shortened chain and hide the truncation; with
    another key than the log's, every later row would be sealed with it.
    """

    def link(head: Head, anchor: Anchor | None, key_id: str | None) -> Link:
        if key_id is not None and key_id != key.key_id:
            raise AuditKeyMismatch(another_key(key_id, key.key_id))
        if anchor is None and head.seq != 0:
            raise AuditIntegrityError(f"the audit log has {head.seq} rows but no anchor: run `onepoint audit verify`")
        if anchor is not None:
            if not key.anchor_holds(anchor):
                raise AuditIntegrityError("the audit log's anchor fails its MAC: run `onepoint audit verify`")
            if (anchor.seq, anchor.mac) != (head.seq, head.mac):
                raise AuditIntegrityError(f"the audit log ends at row {head.seq} but its anchor names row {anchor.seq}"
                                          " (or another MAC): run `onepoint audit verify`")
        seq, at = head.seq + 1, clock()
        mac = key.seal(head.mac, seq, at, values)
        return Link(seq, at, head.mac, mac, key.anchor(seq, mac), key.key_id)

    return link


class AuditSnapshot(ABC):
    """One consistent view of the log (rows and anchor as of one moment) while others go on appending."""

    @abstractmethod
    def anchor(self) -> Anchor | None: ...

    @abstractmethod
    def key_id(self) -> str | None:
        """The id of the key the log was sealed with, recorded beside the anchor (None: not recorded)."""

    def rows_table_gone(self) -> bool:
        """Whether the table of rows was dropped while the anchor or key id is left (every row removed)."""
        return False

    @abstractmethod
    def records(self, start: int = 1, limit: int | None = None) -> Iterator[AuditRecord]:
        """Rows in sequence order from sequence number ``start`` (``EVERY_ROW``: whatever their numbers, rows
        put in below 1 by hand too), streamed."""


EVERY_ROW = -(2**63)  # ``records(start=EVERY_ROW)``: the lowest sequence number SQLite can hold


class AuditStorage(ABC):
    """Append-only storage of audit rows and the anchor. Safe for several threads and processes.

    SQLite serialises appends with ``BEGIN IMMEDIATE``, PostgreSQL with a transaction-scoped advisory lock taken
    before the head is read: either way the transaction that reads the head also inserts the row and moves the anchor.
    """

    @abstractmethod
    def append(self, values: tuple[Value, ...], link: LinkFunction) -> AuditRecord:
        """Store one row in one transaction (head, anchor, ``link``, insert, anchor) committed durably on return."""

    @abstractmethod
    def snapshot(self) -> AbstractContextManager[AuditSnapshot]:
        """A read transaction: verification reads rows and anchor of the same moment (no false cut tail)."""

    @abstractmethod
    def adopt_key_id(self, key_id: str) -> str | None:
        """Record ``key_id`` for a log that has no rows, no anchor and no key id yet (a new log); return the key id
        the log has now (None: an older log that records none until its next append)."""

    @abstractmethod
    def last(self, count: int) -> list[AuditRecord]:
        """The newest ``count`` rows, oldest first."""

    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def close(self) -> None: ...
