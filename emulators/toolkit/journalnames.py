"""The names a journal filter may give: an operation the emulator knows, a fault kind that exists.

A filter naming something that cannot be there (``operation=QueryCustomerTeir``, ``fault=eror``) would match
nothing and so make ``assert_not_called`` pass on a typo; it is refused instead (400 with the known names), as a
fault scoped to such an operation is. An operation is known when the emulator declares it (its commands and its
own routes, :attr:`~emulators.toolkit.hooks.EmulatorHooks.operations`) or the journal holds a request of it; an
emulator that declares none takes any name. ``(none)`` (:data:`~emulators.toolkit.journalquery.NO_OPERATION`)
is the name of the requests of no operation (a WSDL GET), as the journal's counts by operation show them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from emulators.toolkit.faultspec import FAULT_KINDS
from emulators.toolkit.journalquery import NO_OPERATION, JournalQuery

__all__ = ["FAULT_FILTERS", "UnknownJournalName", "check_journal_names"]

FAULT_FILTERS = frozenset({*FAULT_KINDS, "any", "none"})
"""What ``fault=`` takes: a fault kind, ``any`` (some fault applied) or ``none``."""


class UnknownJournalName(ValueError):
    """A journal filter names an operation or a fault kind that cannot be in the journal (answered as 400)."""


def check_journal_names(query: JournalQuery, *, declared: Collection[str] | None,
                        seen: Callable[[], Collection[str | None]]) -> None:
    """Refuse ``query`` when it names an unknown fault kind, or an operation neither ``declared`` (None: the
    emulator declares none, any name goes) nor among the operations the journal holds (``seen()``)."""
    if query.fault is not None and query.fault not in FAULT_FILTERS:
        raise UnknownJournalName(f"no fault kind {query.fault!r} to filter on; give one of "
                                 f"{', '.join(sorted(FAULT_FILTERS))}")
    operation = query.operation
    if operation is None or declared is None or operation in declared or operation == NO_OPERATION:
        return
    journalled = {name for name in seen() if name is not None}
    if operation not in journalled:
        raise UnknownJournalName(f"no operation {operation!r} in this emulator; it knows "
                                 f"{', '.join(sorted({*declared, *journalled}))}, and {NO_OPERATION} for requests "
                                 "of no operation (a WSDL GET)")
