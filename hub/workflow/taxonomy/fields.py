"""The dispatch field vocabulary: every field a dispatch may carry, declared once with a label and a type.

A field's type checks a value's form (``msisdn``: an 11-digit mobile number, ``month``: ``YYYYMM``, ...); an
optional ``pattern`` (a regular expression the whole value must match) narrows it further. A number (``msisdn``,
``phone``) is checked, and dispatched, as ``normal_number`` writes it: what c:PhoneNumber lets a caller write
(``139-8765-4321``, ``+8613987654321``) is the number the check knows (``13987654321``). A value of a type read
as digits (``msisdn``, ``phone``, ``datetime``, ``month``, ``amount``) is first written in ASCII: a Chinese input
method's full-width digits and punctuation (``１３９８７６５４３２１``, ``１２．５０``,
``２０２６－１２－０６　０８：４０``) are the digits and ``.``/``-``/``+``/``:``/space they stand for, checked and
dispatched so; digits of other scripts are not an amount or a number (``Decimal`` would read them, the systems
dispatched to would not).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

__all__ = ["FIELD_TYPES", "FieldSpec", "half_width", "normal_number"]

_MSISDN = re.compile(r"1[3-9][0-9]{9}")  # as c:Msisdn (19x numbers exist: 198, 199)
_FIXED_LINE = re.compile(r"0[1-9][0-9]{1,2}-?[1-9][0-9]{6,7}")
# what else a c:PhoneNumber may be that a customer gives or complains of: a fixed line with its extension (as
# normal_number writes it), a 400/800 service number, a short service number (10086, 12315, 95xxx, 96xxx), a
# number abroad (+ or 00, then its country code and number)
_OTHER_NUMBERS = re.compile(r"0[1-9][0-9]{1,2}[1-9][0-9]{6,7}-[0-9]{1,6}|[48]00[0-9]{7}|1[0-2][0-9]{3,6}"
                            r"|9[56][0-9]{3,6}|(?:\+|00)[1-9][0-9]{6,14}")
_EXTENSION = re.compile(r"(.*[0-9])\s*(?:-|ext\.?|x|转|分机)\s*([0-9]{1,6})", re.IGNORECASE)
_DATE_AND_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}")  # how a datetime value starts
_MONTH = re.compile(r"([0-9]{4})-?(0[1-9]|1[0-2])")
_AMOUNT = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")
_SEPARATORS = re.compile(r"[\s\-.()]")
_COUNTRY = ("+86", "0086")  # China's country code, as dialled from a mobile or from abroad
_BARE_COUNTRY = "86"  # ... and as BOSS and HLR write an MSISDN: only before a mobile number's 11 digits
_NUMBER_TYPES = frozenset({"msisdn", "phone"})
_DIGIT_TYPES = _NUMBER_TYPES | {"datetime", "month", "amount"}
# The full-width forms U+FF01-U+FF5E are ASCII's "!" to "~" moved by 0xFEE0; U+3000 is the ideographic space.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: ord(" ")}


def half_width(value: str) -> str:
    """``value`` with full-width ASCII forms (digits, ``．－＋：（）``, letters) and the ideographic space as ASCII:
    what a Chinese input method types for ``12.50`` or ``139-8765-4321``, one character for one."""
    return value.translate(_HALF_WIDTH)


def normal_number(value: str) -> str:
    """A telephone number without separators (spaces, dashes, dots, brackets) and without China's country code: a
    mobile number as its 11 digits (``8613800138000``, ``86 138 0013 8000`` too: a bare 86 is taken for the country
    code only before a mobile number), a fixed line with its trunk 0 (``+86 10 12345678`` is ``01012345678``). Any
    other text comes back without its separators (the check then names what is wrong)."""
    extended = _EXTENSION.fullmatch(value.strip())
    if extended is not None:  # 0755-83765432-801: the line, then its extension kept apart
        line = normal_number(extended.group(1))
        if _FIXED_LINE.fullmatch(line):
            return f"{line}-{extended.group(2)}"
    number = _SEPARATORS.sub("", value)
    if number.startswith(_BARE_COUNTRY) and _MSISDN.fullmatch(number[len(_BARE_COUNTRY):]):
        return number[len(_BARE_COUNTRY):]  # 8613800138000, as BOSS and HLR screens show an MSISDN
    for prefix in _COUNTRY:
        if number.startswith(prefix):
            national = number[len(prefix):]
            return national if _MSISDN.fullmatch(national) or national.startswith("0") else f"0{national}"
    return number


def _text(value: str) -> str | None:
    return None  # any non-blank text; blank values are refused before the type is asked


def _msisdn(value: str) -> str | None:
    return None if _MSISDN.fullmatch(value) else "not a mobile number (11 digits, 13x-18x)"


def _phone(value: str) -> str | None:
    if _MSISDN.fullmatch(value) or _FIXED_LINE.fullmatch(value) or _OTHER_NUMBERS.fullmatch(value):
        return None
    return ("not a telephone number (a mobile 13800138000, a fixed line 010-12345678 with or without an extension, "
            "a service number 400-820-8820 or 10086, a number abroad +44 20 7946 0958)")


def _datetime(value: str) -> str | None:
    """A calendar date with its hour and minute (``2026-11-23 08:40``, seconds and an offset optional): a date
    alone, an hour alone or a week date (all ``datetime.fromisoformat`` would take) does not say when it was."""
    if not _DATE_AND_TIME.match(value):
        return "not a date and time (YYYY-MM-DD HH:MM)"
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return "not a date and time (YYYY-MM-DD HH:MM)"
    return None


def _month(value: str) -> str | None:
    return None if _MONTH.fullmatch(value) else "not a month (YYYYMM)"


def _amount(value: str) -> str | None:
    # written as the systems dispatched to read it: digits, then at most two decimals (not 1e1, 12.500, +5, 1_000;
    # Decimal reads all of those, and any script's digits)
    if not _AMOUNT.fullmatch(value):
        return "not an amount in yuan (e.g. 12.50)"
    return None


def _choice(value: str) -> str | None:
    return None  # checked against the field's choices


FIELD_TYPES: dict[str, Callable[[str], str | None]] = {
    "text": _text,
    "msisdn": _msisdn,
    "phone": _phone,
    "datetime": _datetime,
    "month": _month,
    "amount": _amount,
    "choice": _choice,
}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of the vocabulary: its name, label, type, and optional pattern or choices."""

    name: str
    label: str
    type: str
    pattern: re.Pattern[str] | None = None
    choices: tuple[str, ...] = ()
    label_zh: str = ""

    def normal(self, value: str) -> str:
        """The value as it is checked and dispatched: a value read as digits in ASCII (`half_width`), a number
        (``msisdn``, ``phone``) then by ``normal_number``; a text with a pattern (an SP code, an IMEI) in ASCII too
        (a Chinese input method's full-width digits are the digits the pattern asks for)."""
        if self.type == "text" and self.pattern is not None:
            return half_width(value)
        if self.type not in _DIGIT_TYPES:
            return value
        value = half_width(value)
        return normal_number(value) if self.type in _NUMBER_TYPES else value

    def problem(self, value: str, typed: str | None = None) -> str | None:
        """What is wrong with a non-blank value of this field (as ``normal`` writes it), or None when it is
        acceptable. ``typed``: the value as the agent typed it: the pattern may match it (in ASCII) or the normal
        form, since a form built from QueryTemplate checks what is typed (``0755-83765432``, not ``075583765432``)."""
        wrong = FIELD_TYPES[self.type](value)
        if wrong is not None:
            return wrong
        if self.choices and value not in self.choices:
            return f"not one of {', '.join(self.choices)}"
        if self.pattern is not None and not self.pattern.fullmatch(value) and not (
                typed is not None and self.pattern.fullmatch(half_width(typed.strip()))):
            return f"does not match {self.pattern.pattern}"
        return None
