"""What a complaint's link to an outage notice added to the notice's counters, read from its history, so that
letting it go (a revision that no longer explains it) takes back exactly that.

Each link writes an ``OUTAGE_LINK`` field entry (``new_value`` the notice) and counts the complaint on the notice:

* at intake (``rule``) — linked and answered at intake: its ``AUTO_ANSWER`` state entry comes before the link;
* when the notice arrives after it (``arrival.link_open``) — linked, and dispatched when it was dispatched already:
  a ``DISPATCH`` state entry before the link (``dispatch_fields`` set);
* again by a later revision after one unlinked it (``relinking``): an AUTO_ANSWERED one as at intake, an open one
  as above;
* moved to the notice at another's clearance or withdrawal (``moving``) — linked only: the entry's ``old_value``
  names the notice it left, which counted (and keeps) its answer and its dispatch.

The counts depend on the history before the notice's last link, never on the work order's fields now: a complaint
its owner dispatched after the link was not counted dispatched, and is not taken back as dispatched (the notice's
``dispatch_count`` went below zero). ``statistics.outage_areas`` reads the same entries for one area's counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from hub.workflow.store.schema import work_order_history

__all__ = ["LINK", "LinkCounts", "counted_at_link"]

LINK = "OUTAGE_LINK"  # the history entry's action
_h = work_order_history.c
_OUTAGE_STEPS = (
    select(_h.seq, _h.kind, _h.action, _h.old_value, _h.new_value)
    .where(_h.work_order_id == bindparam("wid"),
           ((_h.kind == "state") & _h.action.in_(["AUTO_ANSWER", "DISPATCH"]))
           | ((_h.kind == "field") & (_h.action == LINK) & (_h.new_value == bindparam("nid"))))
    .order_by(_h.seq)
)


@dataclass(frozen=True, slots=True)
class LinkCounts:
    """What one complaint's link added: to ``linked_count``, ``auto_answered_count``, ``dispatch_count``."""

    linked: int = 0
    auto_answered: int = 0
    dispatched: int = 0

    def __add__(self, other: LinkCounts) -> LinkCounts:
        return LinkCounts(self.linked + other.linked, self.auto_answered + other.auto_answered,
                          self.dispatched + other.dispatched)


def counted_at_link(db: Connection, work_order_id: str, notice_id: str) -> LinkCounts:
    """What the complaint's last link to ``notice_id`` counted on it (the module's list); a complaint without a
    link entry (linked before the entries were written) counts as linked only."""
    steps = db.execute(_OUTAGE_STEPS, {"wid": work_order_id, "nid": notice_id}).mappings().all()
    links = [step for step in steps if step["action"] == LINK]
    if not links:
        return LinkCounts(linked=1)
    link = links[-1]
    if link["old_value"] is not None:  # moved from a cleared or withdrawn notice: counted as linked only
        return LinkCounts(linked=1)
    before = {step["action"] for step in steps if step["kind"] == "state" and step["seq"] < link["seq"]}
    return LinkCounts(1, int("AUTO_ANSWER" in before), int("DISPATCH" in before))
