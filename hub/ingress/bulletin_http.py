"""The bulletin API's HTTP terms: its query parameters read strictly, the answer's media type chosen from Accept.

* Parameters: at most ``MOST_PARAMETERS`` (the endpoints take six at most: a query string of thousands is refused
  before it is split), each at most once (a repeated one is refused, never last-wins), only those the endpoint takes
  (``Query.only``: a misspelt ``aera=`` or ``Area=`` ignored would answer every area's notices as if filtered), its
  whole value matching its pattern (``fullmatch``: no trailing newline slips through), ``all`` one of
  1/0/true/false/yes/no, ``format`` json or xml. A refusal is ``BadParameter`` (400) naming the parameter.
* ``format`` wins over Accept; else Accept with its q-values (RFC 9110 §12.5.1): JSON and XML are offered
  (``application/json``; ``application/xml`` or ``text/xml``), the most specific range naming a type gives its
  q, ``q=0`` refuses it, the higher q wins (JSON on a tie). No acceptable type: ``NotAcceptable`` (406).
* Every answer is ``Vary: Accept`` and ``Cache-Control: private, no-store`` (per agent, changing any moment).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from difflib import get_close_matches
from urllib.parse import parse_qsl

__all__ = ["ANSWER_HEADERS", "MOST_PARAMETERS", "BadParameter", "NotAcceptable", "Query", "media_type"]

ANSWER_HEADERS: Mapping[str, str] = {"Vary": "Accept", "Cache-Control": "private, no-store"}
JSON, XML = "application/json", "application/xml"
MOST_PARAMETERS = 8  # the most an endpoint takes (6) and room for a misspelt one or two, named as such
_FLAGS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
_FORMATS = {"json": JSON, "xml": XML}
_OFFERS = (JSON, XML, "text/xml")  # in the order preferred on a tie
_Q = re.compile(r"q=([01](?:\.[0-9]{0,3})?)", re.IGNORECASE)


class BadParameter(ValueError):
    """400: a query parameter missing, repeated or malformed (the message names it)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class NotAcceptable(ValueError):
    """406: Accept names neither JSON nor XML."""


class Query:
    """The query string of one request, each parameter at most once."""

    def __init__(self, query_string: str) -> None:
        try:  # counted from its separators before it is split (a 64 KB query string is 16,000 names)
            pairs = parse_qsl(query_string, keep_blank_values=True, max_num_fields=MOST_PARAMETERS)
        except ValueError:
            raise BadParameter("too-many-parameters", f"more than {MOST_PARAMETERS} query parameters: the bulletin's "
                               "endpoints take at most six, each once") from None
        repeated = sorted(name for name, count in Counter(name for name, _ in pairs).items() if count > 1)
        if repeated:
            raise BadParameter("repeated-parameter", f"parameter(s) given more than once: {', '.join(repeated)}")
        self.values = dict(pairs)

    def only(self, allowed: Sequence[str], endpoint: str) -> None:
        """Refuse (``unknown-parameter``) any parameter ``endpoint`` does not take, naming it, the likely one meant
        and the ones it takes."""
        unknown = [name for name in self.values if name not in allowed]
        if unknown:
            meant = [f"{name!r} (did you mean {close[0]}?)" if (close := get_close_matches(name.lower(), allowed, 1))
                     else repr(name) for name in unknown]
            raise BadParameter("unknown-parameter", f"unknown parameter(s) {', '.join(meant)}: {endpoint} takes "
                                                    f"{', '.join(allowed)}")

    def text(self, name: str, pattern: re.Pattern[str], *, required: bool) -> str | None:
        value = self.values.get(name)
        if value is None:
            if required:
                raise BadParameter("missing-parameter", f"{name} is required (?{name}=..., matching "
                                                        f"{pattern.pattern})")
            return None
        if not pattern.fullmatch(value):
            raise BadParameter("bad-parameter", f"{name} must match {pattern.pattern}, not {value!r}")
        return value

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if value is None:
            return False
        if value.lower() not in _FLAGS:
            raise BadParameter("bad-parameter", f"{name} must be one of {', '.join(_FLAGS)}, not {value!r}")
        return _FLAGS[value.lower()]

    def number(self, name: str, lowest: int, highest: int) -> int | None:
        value = self.values.get(name)
        if value is None:
            return None
        if not re.fullmatch(r"[0-9]{1,9}", value) or not lowest <= int(value) <= highest:
            raise BadParameter("bad-parameter", f"{name} must be a whole number {lowest}-{highest}, not {value!r}")
        return int(value)

    def format(self) -> str | None:
        value = self.values.get("format")
        if value is None:
            return None
        if value not in _FORMATS:
            raise BadParameter("bad-parameter", f"format must be json or xml, not {value!r}")
        return _FORMATS[value]


def _ranges(accept: str) -> list[tuple[str, float]]:
    found = []
    for part in accept.split(","):
        media, *params = [p.strip() for p in part.split(";")]
        if not media:
            continue
        q = 1.0
        for param in params:
            if matched := _Q.fullmatch(param.replace(" ", "")):
                q = float(matched.group(1))
        found.append((media.lower(), q))
    return found


def _quality(offer: str, ranges: list[tuple[str, float]]) -> float:
    """The q of the most specific range that names ``offer`` (0: none does)."""
    best, specificity = 0.0, -1
    for media, q in ranges:
        rank = 2 if media == offer else 1 if media == offer.split("/")[0] + "/*" else 0 if media == "*/*" else -1
        if rank > specificity:
            best, specificity = q, rank
    return best


def media_type(query: Query, accept: str | None) -> str:
    """JSON or XML for this request (``format`` first, then Accept); ``NotAcceptable`` when neither will do."""
    chosen = query.format()
    if chosen is not None:
        return chosen
    if accept is None or not accept.strip():
        return JSON
    ranges = _ranges(accept)
    scored = [(_quality(media, ranges), -index, media) for index, media in enumerate(_OFFERS)]
    q, _, media = max(scored)
    if q <= 0:
        raise NotAcceptable(f"the bulletin is served as {JSON} or {XML}, not {accept[:100]!r}")
    return media
