"""The instant a change of a work order is stamped at, so that its history only moves forward.

A hub's clock can step back (an NTP step, a virtual machine resumed and resynced), and two hub processes on one
work-order database can disagree by a second or so. A change stamped with such a process's now could lie before the
work order's previous history entry: a Resume would end its pause before the Suspend began it, a RejectDispatch hand
the work order back before the dispatch handed it over, and its deadlines could no longer be computed. So a change
is stamped at the process's now, or at the work order's latest history entry (or its ``updated_at``) when that is
later: by no more than the clocks' difference, and the entries stay in the order they were made. The creation caps
its own stamps likewise (``Complaint.accepted_at``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from hub.workflow.clock import as_utc

__all__ = ["change_moment"]


def change_moment(now: datetime, history: Iterable[Mapping[str, Any]] = (),
                  updated_at: datetime | None = None) -> datetime:
    """``now``, or the latest ``at`` of the work order's ``history`` (as read in the change's transaction) or its
    ``updated_at`` when later (then in UTC). Reads nothing: the caller has both."""
    latest = now
    for entry in history:  # times with their zones compare as instants: no conversion per entry
        at = entry["at"]
        if at is not None and at > latest:
            latest = at
    if updated_at is not None and updated_at > latest:
        latest = updated_at
    return now if latest is now else as_utc(latest)
