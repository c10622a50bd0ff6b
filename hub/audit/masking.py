"""Phone numbers out of the audit rows: every spelling of a mobile number masked but for its last 4 digits.

A number is found however it is written: full-width or other Unicode digits (each character compared by its NFKC
form, so the rest of the text is kept as it was written), spaces, hyphens or dots between the digits, a ``+86`` /
``86`` / ``0086`` prefix. ``135-0110-5566``, ``+86 135 0110 5566`` and ``１３５０１１０５５６６`` all become
``*******5566`` (the separators go with the number). A dotted IPv4 address is an address, not a number, and is
left as it is.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold", "mask_msisdn_tail", "mask_numbers_in"]

_SEP = r"[\s.\-]{0,2}"  # between two digits: up to two spaces, hyphens or dots ("135 - 0110", "135. 0110")
_MOBILE = re.compile(rf"(?<![0-9])(?:(?:\+|00)?86{_SEP})?1{_SEP}[3-9](?:{_SEP}[0-9]){{9}}(?![0-9])")
_IPV4 = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")


def _fold_char(ch: str) -> str:
    digit = unicodedata.digit(ch, None)
    if digit is not None:
        return str(digit)
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 else ch


def fold(text: str) -> str:
    """``text`` with every character that has a one-character NFKC form (full-width digits and punctuation, the
    ideographic space) replaced by it, and every decimal digit of any script by its ASCII digit: one character
    for one, so that positions in the folded text are positions in ``text``."""
    return text if text.isascii() else "".join(_fold_char(ch) for ch in text)


def mask_msisdn_tail(msisdn: str) -> str:
    """``13800138000`` → ``*******8000``: every digit but the last four hidden (a number of 4 digits or less: all).

    Digits of any script count (``１３８…`` as ``138…``); masking a masked number changes nothing, so a value
    read back from the log can be masked again safely.
    """
    kept = [ch for ch in fold(msisdn) if ch in "0123456789*"]
    hidden = len(kept) - 4 if len(kept) > 4 else len(kept)
    return "*" * hidden + "".join(kept[hidden:])


def mask_numbers_in(text: str) -> str:
    """Every mobile number in ``text``, however spelt, masked by :func:`mask_msisdn_tail`."""
    folded = fold(text)
    if sum(map(str.isdigit, folded)) < 11:  # no number fits: most texts are left unscanned
        return text
    out, end = [], 0
    for match in _MOBILE.finditer(folded):
        if _IPV4.fullmatch(match.group(0)):
            continue
        out.append(text[end:match.start()])
        out.append(mask_msisdn_tail(match.group(0)))
        end = match.end()
    out.append(text[end:])
    return "".join(out)
