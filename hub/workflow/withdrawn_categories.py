"""Open work orders whose category the taxonomy no longer has, named once when a process opens the store.

An analyst who withdraws a category (a level-4 refinement, say) and restarts the hub leaves the work orders still
in it: every action that needs no template goes on, a Dispatch is refused ``unknown-category``
(``dispatch_effects.dispatch_template``). The analyst learns it here, at the restart, in one WARNING naming each
such category and how many open (neither closed nor cancelled) work orders hold it, the first ``SHOWN`` codes,
rather than from a caller's refusal.

The stored codes are found by skipping through the category index (one seek per code, ``stored_category_codes``),
and only the missing ones are counted (that index again): the start does not read the work orders themselves.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from hub.workflow.lifecycle import FINAL
from hub.workflow.store import WorkOrderStore
from hub.workflow.store.category_pages import stored_category_codes
from hub.workflow.store.schema import work_orders
from hub.workflow.taxonomy import Taxonomy

__all__ = ["SHOWN", "warn_of_withdrawn_categories", "withdrawn_categories"]

log = logging.getLogger("onepoint.workflow")

SHOWN = 20  # categories named in the warning; the rest counted
_wo = work_orders.c


def withdrawn_categories(store: WorkOrderStore, taxonomy: Taxonomy) -> dict[str, int]:
    """The category codes of open work orders that ``taxonomy`` lacks, with how many open work orders hold each."""
    with store.snapshot() as connection:
        missing = [code for code in stored_category_codes(connection) if code not in taxonomy]
        if not missing:
            return {}
        counted = connection.execute(
            select(_wo.category_code, func.count()).where(_wo.category_code.in_(missing),
                                                          _wo.state.not_in([s.value for s in FINAL]))
            .group_by(_wo.category_code).order_by(_wo.category_code))
        return {str(code): int(count) for code, count in counted}


def warn_of_withdrawn_categories(store: WorkOrderStore, taxonomy: Taxonomy) -> dict[str, int]:
    """Log one WARNING naming the categories of ``withdrawn_categories`` and each one's open work orders (the
    first ``SHOWN``; none: nothing logged); returns them all."""
    found = withdrawn_categories(store, taxonomy)
    if found:
        shown = dict(list(found.items())[:SHOWN])
        log.warning("open work orders hold categories the taxonomy no longer has: a Dispatch of them is refused "
                    "(unknown-category), their other actions go on; put the categories back in the taxonomy and "
                    "restart, or finish those work orders",
                    extra={"taxonomy": taxonomy.source, "open_by_category": shown,
                           "more_categories": len(found) - len(shown), "work_orders": sum(found.values())})
    return found
