"""A work-order id as a person types it at the command line: the hub gives ids as ``c:WorkOrderId`` writes them
(``WO``, the date, 8 capital letters or digits: ``WO20261123A7K2M9Q1``), but a person reads them case-insensitively
and types ``wo20261123a7k2m9q1``, pastes one with a blank or a line break along, or types it in full-width characters
with a Chinese input method. Each is the id the hub gave, as ``--state`` takes a state in any case."""

from __future__ import annotations

import unicodedata

import click

__all__ = ["typed_work_order_id", "work_order_id_option"]


def typed_work_order_id(text: str) -> str:
    """``text`` as the hub keeps work-order ids: full-width characters as their ASCII, blanks around it dropped,
    capitals (``wo20261123a7k2m9q1 `` → ``WO20261123A7K2M9Q1``)."""
    return unicodedata.normalize("NFKC", text).strip().upper()


def work_order_id_option(context: click.Context, parameter: click.Parameter, value: str | None) -> str | None:
    """The click callback of an argument or option naming a work order: ``typed_work_order_id`` of what was given."""
    return None if value is None else typed_work_order_id(value)
