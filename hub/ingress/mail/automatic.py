"""Mails no person wrote: an out-of-office notice, a vacation responder's reply, a list's or a bulk sender's mail.

Such a mail to the dispatch mail keeps its subject (the hook and reference) and comes from the department's
mailbox, so every other check passes it; taken, it would be the department's answer. It is refused instead,
422 ``auto-reply`` (fetched from the inbox: ``\\Seen \\Flagged``), when it says what it is:

* ``Auto-Submitted`` (RFC 3834) with any value but ``no`` (``auto-replied``, ``auto-generated``, ``auto-notified``);
* ``X-Autoreply`` or ``X-Autorespond`` (any value; several responders set them instead of RFC 3834);
* ``Precedence`` ``auto_reply``, ``bulk`` or ``junk``.

Comments (RFC 5322 ``(...)``, nested, ``\\)`` escaped; RFC 3834 allows them: ``Auto-Submitted: no (a person)``)
are dropped from both fields' values before they are compared.

The hub's own dispatch and withdrawal mails carry ``Auto-Submitted: auto-generated`` and
``X-Auto-Response-Suppress: OOF, AutoReply`` (``adapters.mail.mapping``): RFC 3834 responders and Exchange then
send no such notice at all.
"""

from __future__ import annotations

from email.message import Message

from hub.ingress.mail.refusal import MailRefused

__all__ = ["AUTOMATIC_PRECEDENCES", "check_written_by_a_person", "without_comments"]

AUTOMATIC_PRECEDENCES = frozenset({"auto_reply", "bulk", "junk"})
_RESPONDER_FIELDS = ("X-Autoreply", "X-Autorespond")


def without_comments(value: str) -> str:
    """``value`` without its RFC 5322 comments: ``(...)``, nested, a quoted pair (``\\)``) inside one kept out;
    parentheses inside a quoted string (``"..."``) are no comment. An unclosed comment runs to the end."""
    kept: list[str] = []
    depth, quoted, escaped = 0, False, False
    for char in value:
        if escaped:
            escaped = False
            if not depth:
                kept.append(char)
        elif char == "\\" and (depth or quoted):
            escaped = True
            if not depth:
                kept.append(char)
        elif quoted:
            quoted = char != '"'
            kept.append(char)
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif not depth:
            quoted = char == '"'
            kept.append(char)
    return "".join(kept)


def _field(message: Message, name: str) -> str:
    """The field's value, its comments dropped, lower case, up to its first parameter (``;``)."""
    return without_comments(str(message.get(name, "") or "")).partition(";")[0].strip().lower()


def _automatic(message: Message) -> str | None:
    """The header field that says ``message`` was sent by a program, as ``name: value``; None if none does."""
    submitted = _field(message, "Auto-Submitted")
    if submitted and submitted != "no":
        return f"Auto-Submitted: {submitted[:40]}"
    for name in _RESPONDER_FIELDS:
        if message.get(name) is not None:
            return name
    precedence = _field(message, "Precedence")
    if precedence in AUTOMATIC_PRECEDENCES:
        return f"Precedence: {precedence}"
    return None


def check_written_by_a_person(message: Message) -> None:
    """Raises `MailRefused` 422 ``auto-reply`` when ``message`` says it is an automatic reply (see the module)."""
    said = _automatic(message)
    if said is not None:
        raise MailRefused(422, "auto-reply", f"the mail is an automatic reply ({said}), not the department's "
                                             "answer: an answer must be written and sent by its handler")
