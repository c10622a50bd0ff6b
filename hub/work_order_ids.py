"""A work-order id as people write it: the hub gives ids as ``c:WorkOrderId`` writes them (``WO``, the date, 8 capital
letters or digits: ``WO20261123A7K2M9Q1``), but a person reads them case-insensitively and types
``wo20261123a7k2m9q1``, pastes one with a blank or a line break along, or types it in full-width characters with a
Chinese input method. Each is the id the hub gave.

One rule for every place that compares such ids: the command line (``hub.cli.work_order_ids``) and the audit log's
search, whose rows keep a query's purpose as the caller wrote it (``hub.audit.search``)."""

from __future__ import annotations

import unicodedata

__all__ = ["typed_work_order_id"]


def typed_work_order_id(text: str) -> str:
    """``text`` as the hub keeps work-order ids: full-width characters as their ASCII, blanks around it dropped,
    capitals (``wo20261123a7k2m9q1 `` → ``WO20261123A7K2M9Q1``)."""
    return unicodedata.normalize("NFKC", text).strip().upper()
