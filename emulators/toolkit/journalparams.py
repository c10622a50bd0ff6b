"""The query string of a journal read (``GET /__admin/journal[/count]``) as a :class:`JournalQuery`.

Its filters (``operation``, ``xpath`` with ``ns=prefix=uri``, ``status``, ``fault``) and the route's own parameters
(``limit``, ``bodies`` of a listing); any other parameter is refused naming it, never ignored: ``oparation=Ping``
ignored would count every request, and an ``assert_called`` built on it would pass for the wrong reason.
"""

from __future__ import annotations

from emulators.toolkit.journalquery import JournalQuery
from emulators.toolkit.jsonkeys import unknown_keys_problem

__all__ = ["JOURNAL_FILTERS", "JournalParamError", "flag_param", "int_param", "journal_query", "single"]


class JournalParamError(ValueError):
    """A query-string parameter the journal does not take, or a value it cannot read (a 400)."""


JOURNAL_FILTERS = ("operation", "xpath", "ns", "status", "fault")


_FLAGS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def single(params: dict[str, list[str]], key: str) -> str | None:
    """A parameter's value (None when absent); given twice it is refused: ``fault=a&fault=b`` counting one of them
    would answer a question the caller did not ask (only ``ns`` is given once per prefix)."""
    values = params.get(key)
    if values and len(values) > 1:
        raise JournalParamError(f"'{key}' is given {len(values)} times: give it once")
    return values[0] if values else None


def int_param(params: dict[str, list[str]], key: str, *, least: int | None = None) -> int | None:
    """A parameter as an integer (None when absent), at least ``least`` when given; anything else is refused
    naming it."""
    raw = single(params, key)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError as exc:
        raise JournalParamError(f"'{key}' must be an integer") from exc
    if least is not None and value < least:
        raise JournalParamError(f"'{key}' must be at least {least}, not {value}")
    return value


def flag_param(params: dict[str, list[str]], key: str, default: bool) -> bool:
    """A yes/no parameter (``1``/``0``, ``true``/``false``, ``yes``/``no``); anything else is refused naming it."""
    raw = single(params, key)
    if raw is None:
        return default
    if raw.lower() not in _FLAGS:
        raise JournalParamError(f"'{key}' must be 1 or 0 (true/false, yes/no), not {raw!r}")
    return _FLAGS[raw.lower()]


def journal_query(params: dict[str, list[str]], *, taken: tuple[str, ...] = ()) -> JournalQuery:
    """Build a :class:`JournalQuery` from query-string parameters: its filters, and ``taken`` (the route's other
    parameters); any other parameter is refused (``oparation=`` would otherwise count every request)."""
    problem = unknown_keys_problem(params, (*JOURNAL_FILTERS, *taken), where="the query string")
    if problem:
        raise JournalParamError(problem.replace("it takes", "the journal takes"))
    namespaces: dict[str, str] = {}
    for item in params.get("ns", []):
        prefix, sep, uri = item.partition("=")
        if not sep or not prefix or not uri:
            raise JournalParamError(f"'ns' must be prefix=uri, got {item!r}")
        namespaces[prefix] = uri
    return JournalQuery(
        operation=single(params, "operation"), xpath=single(params, "xpath"), namespaces=namespaces or None,
        status=int_param(params, "status"), fault=single(params, "fault"),
    )
