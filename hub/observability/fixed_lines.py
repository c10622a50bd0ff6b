"""Fixed-line telephone numbers in free text: ``0755-83765432``, ``(010) 6552 9988``, ``+86 755 8376 5432``.

``hub.observability.masking`` finds mobile numbers in every log record; a fixed-line number is no mobile number and
was left whole. Texts that leave the hub with a customer's words in them (the listeners' events) and what
``onepoint workorders show`` prints mask them too: a work order's call-back number may be a fixed line, and once a
dispatch replaced it (``hub.workflow.dispatch_numbers``) the row no longer names the old one the description and
the notes still quote.

What is a fixed line here: a trunk ``0`` and an area code of China (``10``, ``2x``, or three digits ``3xx``-``9xx``)
or ``+86`` / ``0086`` (in brackets or not: ``(+86)755-83765432``) and the area code, its trunk written or
not (``+86 (0)10 6552 9988``), then a local number of 7 or 8 digits whose first is 2-9, with up to two
separators (spaces, dots, dashes, ``/``) between the parts and the area code in brackets or not; never glued to
another digit (glued to a word, ``Tel0755-83765432``, it is a number). What it leaves alone: dates and times
(``2026-12-07 08:40``: an area code's digits are never split, a local number needs 7 digits), amounts (``0.50``),
the hub's ids (``WO20261207…``, uuid hex: digits inside a run of 16 letters and digits), 10086 and 400 numbers.
A 10-12 digit reference that reads as a fixed line (``NSP-02087654321``) is masked as a number would be: a
listener loses its middle digits, not a customer's line.
Not on the logs' path (every log record): only where these texts are built.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from hub.observability.masking import HEX_ID_RUN, fold, run_around

__all__ = ["mask_fixed_lines_in"]

_SEP = r"[\s.\-/_~,\u00b7\u2010-\u2015\u2212]{0,2}"  # between the parts, in the folded text
_AREA = r"(?:10|2[0-9]|[3-9][0-9]{2})"  # China's area codes without their trunk 0
# "+86", "0086", "(+86)": then the area code, after a trunk 0 in brackets ("+86 (0)10 …") or not ("+86 0755 …")
_COUNTRY = rf"\(?(?:\+|00)86\)?{_SEP}"
_AREA_ABROAD = rf"(?:\(0\){_SEP}{_AREA}|\(?0?{_AREA}\)?)"
_FIXED_LINE = re.compile(
    rf"(?=[0(+])(?<![0-9+])(?:\(?0{_AREA}\)?|{_COUNTRY}{_AREA_ABROAD})"
    rf"{_SEP}[2-9][0-9]{{2,3}}{_SEP}[0-9]{{4}}(?![0-9])")
_ANY_DIGIT_RUN = re.compile(r"[0-9]{3}")  # in the folded text: a fixed line holds at least one such run
_ID_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _inside_an_id(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` (digits only) lies in a run of at least ``HEX_ID_RUN`` letters and digits: part
    of an id (uuid hex, ``WO…``), as ``masking`` leaves a mobile number's digits in one; glued to a short word
    (``Tel0755…``) it is a number."""
    return text[start:end].isdigit() and run_around(text, start, end, _ID_CHARS) >= HEX_ID_RUN


def mask_fixed_lines_in(text: str, mask: Callable[[str], str]) -> str:
    """``text`` with every fixed-line number in it, however spelt (any script's digits), replaced by ``mask`` of
    what was found; a text holding none is returned as it is."""
    folded = fold(text)
    if _ANY_DIGIT_RUN.search(folded) is None:
        return text
    out, end = [], 0
    for match in _FIXED_LINE.finditer(folded):
        if _inside_an_id(folded, match.start(), match.end()):
            continue
        out += [text[end:match.start()], mask(match.group(0))]
        end = match.end()
    return "".join(out) + text[end:] if out else text
