"""Audit rows as people read them: the terminal table of ``onepoint audit show`` and ``search``, and the rows of an
export (``search --format jsonl|csv``), the number masked but for its last 4 digits in both.

Every cell is plain text (``rich.text.Text``), never markup: a caller's purpose such as ``[/]`` or ``[conceal]`` is
shown as written, never interpreted (nor able to crash the command). The message id pairs a ``pending`` row with the
row of its outcome (the same id)."""

from __future__ import annotations

from typing import Any

from hub.audit import AuditRecord, mask_msisdn_tail, mask_numbers_in

__all__ = ["EXPORT_FIELDS", "exported_row", "print_table"]

EXPORT_FIELDS = ("seq", "at", "operator", "role", "client_address", "msisdn_masked", "period_from", "period_to",
                 "purpose", "rows_returned", "outcome", "reason", "message_id", "caller", "peer", "mac")
_TEXT = ("operator", "role", "client_address", "purpose", "reason", "message_id", "caller", "peer")


def print_table(records: list[AuditRecord], title: str, caption: str) -> None:
    from rich.console import Console

    console = Console()
    if not console.is_terminal:  # piped or captured: no terminal width to fit, keep every column readable
        console = Console(width=220)
    console.print(_table(records, title, caption))


def _table(records: list[AuditRecord], title: str, caption: str) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, caption=caption)
    for name, justify in (("seq", "right"), ("when (UTC)", "left"), ("operator", "left"), ("role", "left"),
                          ("client", "left"), ("msisdn", "left"), ("period (UTC)", "left"), ("purpose", "left"),
                          ("rows", "right"), ("outcome", "left"), ("message id", "left"), ("caller (peer)", "left")):
        if name in ("purpose", "outcome"):  # free text: folded within a bounded width, never the others squeezed
            table.add_column(name, justify=justify, overflow="fold", max_width=36,  # type: ignore[arg-type]
                             min_width=len(name))
        else:
            table.add_column(name, justify=justify, no_wrap=True, min_width=len(name))  # type: ignore[arg-type]
    for record in records:
        row = exported_row(record)
        outcome = f"{row['outcome']}" + (f": {row['reason']}" if row["reason"] else "")
        style = None if row["outcome"] in ("allowed", "pending") else "yellow"
        caller = "-" if row["caller"] is None else f"{row['caller']} ({row['peer']})"  # "-": before callers
        cells = (str(record.seq), _short(row["at"]), row["operator"], row["role"], row["client_address"],
                 row["msisdn_masked"], f"{_short(row['period_from'], 16)} → {_short(row['period_to'], 16)}",
                 row["purpose"], row["rows_returned"], outcome, row["message_id"], caller)
        table.add_row(*(Text(_cell(cell)) for cell in cells), style=style)
    return table


def exported_row(record: AuditRecord) -> dict[str, Any]:
    """The row by field name as shown and exported: every value printable, the number masked but for its last 4
    digits and any number in free text masked (as the hub wrote them; again here, whatever a tamperer stored)."""
    row = record.as_dict()
    shown: dict[str, Any] = {"seq": record.seq, "at": _text(row["at"])}
    for name in EXPORT_FIELDS[2:-1]:
        value = row.get(name)
        if name == "msisdn_masked":
            shown[name] = mask_msisdn_tail(_text(value))
        elif name in _TEXT and value is not None:
            shown[name] = mask_numbers_in(_text(value))
        else:
            shown[name] = value if value is None or isinstance(value, int) else _text(value)
    shown["mac"] = record.mac.hex()
    return shown


def _text(value: object) -> str:
    """A value as printed: bytes a tamperer stored that are not UTF-8 shown as U+FFFD, never a crash."""
    return str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _cell(value: object) -> str:
    return "-" if value is None else _text(value)


def _short(moment: object, length: int = 19) -> str:
    """``2026-01-01T08:00:00.000000+00:00`` → ``2026-01-01 08:00:00`` (``length`` 16: to the minute)."""
    return "-" if moment is None else _text(moment)[:length].replace("T", " ")
