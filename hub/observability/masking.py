"""Phone numbers out of logs, audit rows and printed text: one pattern for every spelling of a mobile number.

A number is found however it is written: full-width or other Unicode digits (each character compared by its NFKC
form, so the rest of the text is kept as it was written), up to two separators between two digits (spaces, dots,
hyphens, the dashes U+2010-U+2015 and the minus sign U+2212, ``/``, ``_``, ``~``, ``,``, ``·`` and zero-width
spaces), its first three digits in brackets, a ``+86`` / ``86`` / ``0086`` prefix. ``138-0013-8000``,
``+86 138 0013 8000``, ``138—0013—8000``, ``(138)0013-8000``, ``138/0013/8000`` and ``１３８００１３８０００`` are
all one number, as are ``138〇〇138〇〇〇`` and ``一三八〇〇一三八〇〇〇``: a Chinese input method gives the ideographic
zero 〇 for "ling", and people write numbers in Chinese numerals (〇一二三四五六七八九, 零 for 0, 幺 for 1 as
read out on the telephone, 两 for 2). They are read as digits only in a run of eleven that forms a mobile number,
as digits are: prose with 一 or 三 in it ("第一次", "三天") stays as it was written.
A number glued to another digit is part of something else, as is one inside a run of at least 16 hex characters
(a uuid4 hex message id such as ``71ffd13312345066bc…``, in every log line, which masking would make untraceable),
and a dotted IPv4 address: they are left as they are. Glued to any other letter, or to a short run of hex letters,
it is still a number: ``8613501105566x`` (a CalledNumber that fails its XSD, quoted in the reason),
``cs13501105566`` (a DSMP MessageId), ``phone13800138000`` and ``ID13912345678`` are masked.

Two ways to mask what is found: `mask_msisdn` (the logs and what the CLI prints: ``138****8000``, the first
three and last four digits kept, the prefix and separators dropped) and `mask_numbers_in` (the audit rows:
``*******8000``, see `mask_msisdn_tail`). `mask_number_in` masks one known number, mobile or fixed-line
(``0755-83765432``), spelt with the same separators and prefixes: a work order's own numbers, which
``onepoint workorders show`` hides to their last four digits wherever it prints them.

Cost: both run on every string field of every log record, so a text is first looked at by one quick search that
any number matches (`_may_hold_a_number`); most texts (ids, names, short numbers, prose) end there.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

__all__ = ["KNOWN_NUMBER_MIN_DIGITS", "fold", "mask_mailbox", "mask_mailboxes_in", "mask_msisdn", "mask_msisdn_tail",
           "mask_number_in", "mask_numbers_in", "run_around"]

# Between two digits of the folded text: up to two separators ("135- 0110", "135—0110", "135/ 0110"). Folding
# makes the full-width and small forms (－ ／ ， ～ ＿ （ ）) these ASCII ones.
_SEP_CLASS = r"[\s.\-/_~,\u00b7\u200b-\u200d\u2010-\u2015\u2060\u2212\ufeff]"
_SEP = rf"{_SEP_CLASS}{{0,2}}"
# What a number must not be glued to, before or after (in the folded text): a digit or a hex letter, so that no
# run of a hex id is masked; a number glued to "x", "cs" or "号" is masked.
_ID_CHAR = "[0-9]"  # a digit: part of a longer number; a hex letter is judged by its run (`_inside_hex_id`)
_HEX = frozenset("0123456789abcdefABCDEF")
HEX_ID_RUN = 16  # hex characters in a row that make an id (a uuid4 hex has 32), not a word glued to a number
_PREFIX = rf"(?:\+|00)?86{_SEP}"
_PLAIN = rf"(?<!{_ID_CHAR})(?:{_PREFIX})?1{_SEP}[3-9]{_SEP}[0-9]{_SEP}[0-9]"  # its first four digits
_BRACKETED = rf"(?:(?<!{_ID_CHAR}){_PREFIX})?\(1[3-9][0-9]\){_SEP_CLASS}?[0-9]"  # "(139)1234-5678", "(139) 1234…"
# "(?=[18+0(])": a number's first character ("1", "86", "+86", "0086", "(") tried first, before the alternatives
# (a third of the full scan's cost: bench/README.md)
_MOBILE = re.compile(rf"(?=[18+0(])(?:{_PLAIN}|{_BRACKETED})(?:{_SEP}[0-9]){{7}}(?!{_ID_CHAR})")
_IPV4 = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")

# The quick search first (`_quick_ascii`, `_quick_other`): any number matches it, most texts do not. An ASCII text
# is its own folded form, and a number in it holds "1", then [3-9] and 9 more digits, with up to two separators
# between any two (a bracket closing the first three digits counted as one): a literal first character, which the
# engine scans for fast. Any other text is searched as it
# was written, for 11 characters that fold to digits with up to two that fold to separators between them. The
# classes are written out (no \d or \s, which the engine checks character by character against the Unicode
# database; listed ranges become one bitmap): every decimal digit and every other character `fold` reads as a
# digit (superscripts, circled digits…), any character beyond the BMP (a few digits among them; more characters
# than needed only cost the full scan), every separator and every character that folds to one (the closing
# bracket among them).
# tests/unit/test_log_masking.py checks both classes against every code point.
_OTHER_DIGITS = (
    r"\u00b2\u00b3\u00b9\u0660-\u0669\u06f0-\u06f9\u07c0-\u07c9\u0966-\u096f\u09e6-\u09ef\u0a66-\u0a6f\u0ae6-\u0aef"
    r"\u0b66-\u0b6f\u0be6-\u0bef\u0c66-\u0c6f\u0ce6-\u0cef\u0d66-\u0d6f\u0de6-\u0def\u0e50-\u0e59\u0ed0-\u0ed9"
    r"\u0f20-\u0f29\u1040-\u1049\u1090-\u1099\u1369-\u1371\u17e0-\u17e9\u1810-\u1819\u1946-\u194f\u19d0-\u19da"
    r"\u1a80-\u1a89\u1a90-\u1a99\u1b50-\u1b59\u1bb0-\u1bb9\u1c40-\u1c49\u1c50-\u1c59\u2070\u2074-\u2079"
    r"\u2080-\u2089\u2460-\u2468\u2474-\u247c\u2488-\u2490\u24ea\u24f5-\u24fd\u24ff\u2776-\u277e\u2780-\u2788"
    r"\u278a-\u2792\ua620-\ua629\ua8d0-\ua8d9\ua900-\ua909\ua9d0-\ua9d9\ua9f0-\ua9f9\uaa50-\uaa59\uabf0-\uabf9"
    r"\uff10-\uff19\U00010000-\U0010ffff")
# Chinese numerals: the ideographic zero, 一 to 九, 零, 幺 (1 read out on the telephone) and 两 (2).
_CHINESE_DIGITS = {"\u3007": "0", "零": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4",
                   "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_ANY_DIGIT = rf"[0-9{_OTHER_DIGITS}{''.join(_CHINESE_DIGITS)}]"
_ANY_SEP = (r"[\t-\r\x1c- ),\-./_~\u0085\u00a0\u00b7\u0387\u1680\u2000-\u200d\u2010-\u2015\u2024\u2028"
            r"\u2029\u202f\u205f\u2060\u207b\u207e\u208b\u208e\u2212\u3000\ufe10\ufe31-\ufe34\ufe36"
            r"\ufe4d-\ufe50\ufe52\ufe58\ufe5a\ufe63\ufeff\uff09\uff0c\uff0d\uff0e\uff0f\uff3f\uff5e]")
_ASCII_SEP = r"[\t-\r\x1c- ),\-./_~]{0,2}"  # the ASCII separators, with ")" of "(139)1234"
_quick_ascii = re.compile(rf"1{_ASCII_SEP}[3-9](?:{_ASCII_SEP}[0-9]){{9}}").search
_quick_other = re.compile(rf"{_ANY_DIGIT}(?:{_ANY_SEP}{{0,2}}{_ANY_DIGIT}){{10}}").search


def _fold_char(ch: str) -> str:
    chinese = _CHINESE_DIGITS.get(ch)
    if chinese is not None:
        return chinese
    digit = unicodedata.digit(ch, None)
    if digit is not None:
        return str(digit)
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 else ch


class _Folded(dict[int, str]):
    """``str.translate``'s table for `fold`: each character's folded form, worked out when first seen and kept for
    the BMP's characters (at most 65,536 entries, a few MB)."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        if code < 0x10000:
            self[code] = folded
        return folded


_FOLDED = _Folded()


def fold(text: str) -> str:
    """``text`` with every character that has a one-character NFKC form (full-width digits and punctuation, the
    ideographic space) replaced by it, and every decimal digit of any script and every Chinese numeral of a
    number (〇 一 … 九, 零, 幺, 两) by its ASCII digit: one character for one, so that positions in the folded text
    are positions in ``text``."""
    return text if text.isascii() else text.translate(_FOLDED)


def _may_hold_a_number(text: str) -> bool:
    """False only when ``text`` holds no number (true for some texts that hold none)."""
    return (_quick_ascii if text.isascii() else _quick_other)(text) is not None


def _masked(text: str, mask: Callable[[str], str]) -> str:
    """``text`` with each number `mask`-ed (``text`` passed `_may_hold_a_number`)."""
    folded = fold(text)
    out, end = [], 0
    for match in _MOBILE.finditer(folded):
        if _IPV4.fullmatch(match.group(0)) or _inside_hex_id(folded, match.start(), match.end()):
            continue
        out.append(text[end:match.start()])
        out.append(mask(match.group(0)))
        end = match.end()
    if not out:
        return text
    out.append(text[end:])
    return "".join(out)


def _inside_hex_id(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]``, glued to a hex letter, lies in a run of at least ``HEX_ID_RUN`` hex characters:
    a run of a hex id (``71ffd13312345066bc…``), left as it is so the id stays traceable; glued to a short word
    ending or starting in a-f (``phone13800138000``, ``ID13912345678``) it is a number."""
    glued = (start > 0 and text[start - 1] in _HEX) or (end < len(text) and text[end] in _HEX)
    if not glued or not _HEX.issuperset(text[start:end]):  # a hex id holds no separator, no "+"
        return False
    return run_around(text, start, end, _HEX) >= HEX_ID_RUN


def run_around(text: str, start: int, end: int, chars: frozenset[str]) -> int:
    """The length of the run of ``chars`` in ``text`` that holds ``text[start:end]`` (itself of ``chars``)."""
    first, last = start, end
    while first > 0 and text[first - 1] in chars:
        first -= 1
    while last < len(text) and text[last] in chars:
        last += 1
    return last - first


def mask_msisdn_tail(msisdn: str) -> str:
    """``13800138000`` → ``*******8000``: every digit but the last four hidden (a number of 4 digits or less: all).

    Digits of any script count (``１３８…`` as ``138…``); masking a masked number changes nothing, so a value
    read back from the log can be masked again safely.
    """
    kept = [ch for ch in fold(msisdn) if ch in "0123456789*"]
    hidden = len(kept) - 4 if len(kept) > 4 else len(kept)
    return "*" * hidden + "".join(kept[hidden:])


def _first_three_last_four(found: str) -> str:
    digits = [ch for ch in found if "0" <= ch <= "9"][-11:]  # found is folded; its last 11 digits: the number
    return "".join(digits[:3]) + "****" + "".join(digits[7:])


def mask_numbers_in(text: str) -> str:
    """Every mobile number in ``text``, however spelt, masked by :func:`mask_msisdn_tail` (``*******8000``)."""
    return _masked(text, mask_msisdn_tail) if _may_hold_a_number(text) else text


def mask_msisdn(text: str) -> str:
    """Every mobile number in ``text``, however spelt, as ``138****8000`` (its prefix and separators dropped):
    ``call +86 138-0013-8000`` → ``call 138****8000``. A text holding none is returned as it is.

    On every string field of every log record: the quick search is written out here, not called."""
    if (_quick_ascii if text.isascii() else _quick_other)(text) is None:
        return text
    return _masked(text, _first_three_last_four)


KNOWN_NUMBER_MIN_DIGITS = 7  # a local fixed-line number's least; shorter ones (10086, 110) are no one's number
_KNOWN_SEP = rf"(?:{_SEP_CLASS}|[()]){{0,2}}"  # as between a mobile number's digits, and "(0755)83765432"
# before a known number: "+86", "0086", "86", "(+86)"; before a fixed-line one's area code its trunk may follow,
# in brackets or not ("+86 (0)755 8376 5432", "+86 0755…")
_KNOWN_COUNTRY = rf"(?:\+|00)?86\)?{_KNOWN_SEP}"


def mask_number_in(text: str, number: str, masked: str) -> str:
    """``text`` with ``number`` (its digits: ``13800138000``, ``0755-83765432``) replaced by ``masked`` however it
    is spelt there: separators and brackets between its digits (``0755 8376-5432``, ``(0755)83765432``), any
    script's digits, ``+86``, ``0086`` or ``86`` before it, in brackets or not (in place of a fixed-line number's
    leading 0, or before it as a trunk: ``+86 755 8376 5432``, ``(+86)755-83765432``, ``+86 (0)755 8376 5432``).
    Glued to another digit it is part of something else and left as it is. A number of fewer than
    `KNOWN_NUMBER_MIN_DIGITS` digits is looked for nowhere: ``text`` is returned as it is."""
    digits = "".join(ch for ch in fold(number) if "0" <= ch <= "9")
    if len(digits) < KNOWN_NUMBER_MIN_DIGITS:
        return text
    national = digits.startswith("0") and not digits.startswith("00")
    rest = _KNOWN_SEP.join(digits[1:] if national else digits)
    prefix = rf"(?:0{_KNOWN_SEP}|{_KNOWN_COUNTRY}(?:0{_KNOWN_SEP})?)" if national else rf"(?:{_KNOWN_COUNTRY})?"
    spelt = re.compile(rf"(?<![0-9])\(?{prefix}{rest}(?![0-9])")
    folded = fold(text)
    out, end = [], 0
    for match in spelt.finditer(folded):
        out += [text[end:match.start()], masked]
        end = match.end()
    return "".join(out) + text[end:] if out else text


def mask_mailbox(address: str) -> str:
    """An e-mail address for the logs: ``billing-desk@example.com`` → ``b***@example.com`` (the domain kept, so an
    operator sees which mail system; the person's name hidden). Text that is no address is masked whole (``***``)."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


_ADDRESS = re.compile(r"[^\s<>()\[\],;:\"'@]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){0,10}")


def mask_mailboxes_in(text: str) -> str:
    """``text`` (an SMTP server's answer, say) with every e-mail address in it masked as ``mask_mailbox`` masks one:
    ``550 5.1.1 <billing-desk@example.com>: User unknown`` → ``550 5.1.1 <b***@example.com>: User unknown``."""
    return _ADDRESS.sub(lambda found: mask_mailbox(found.group()), text)
