"""A work-order id as a person types it at the command line: in any case, with blanks along, in full-width
characters (``hub.work_order_ids``, the rule the audit log's search compares by too). Each is the id the hub gave,
as ``--state`` takes a state in any case."""

from __future__ import annotations

import click

from hub.work_order_ids import typed_work_order_id

__all__ = ["typed_work_order_id", "work_order_id_option"]


def work_order_id_option(context: click.Context, parameter: click.Parameter, value: str | None) -> str | None:
    """The click callback of an argument or option naming a work order: ``typed_work_order_id`` of what was given."""
    return None if value is None else typed_work_order_id(value)
