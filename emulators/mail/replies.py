"""A handler's answer to a received mail, as its mail client would write it (RFC 5322, stdlib ``email``).

``From`` the mailbox the mail was sent to (or the one the tester names), ``To`` the original sender, ``Subject``
``Re: `` and the original's (kept whole: the hub reads its hook and reference back), ``In-Reply-To`` the original
Message-ID and ``References`` the original's References and Message-ID, a new Message-ID; the body the tester's
answer, then the attribution line and the original's text quoted with ``> ``. ``charset``: the body's (``utf-8``,
``gb2312``, ``gbk`` or ``gb18030``: how Chinese clients send it); ``html``: one HTML part instead, quoting the
original in a ``<blockquote>``, as some webmail sends it.
"""

from __future__ import annotations

import email
import email.policy
import html as html_text
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

__all__ = ["CHARSETS", "answer_message", "original_text"]

CHARSETS = ("utf-8", "gb2312", "gbk", "gb18030")


def original_text(raw: bytes) -> tuple[EmailMessage, str]:
    """The received mail parsed, and its text (the plain part, else empty)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain",))
    return message, "" if body is None else str(body.get_content())


def answer_message(raw: bytes, text: str, *, sender: str, now: datetime, charset: str = "utf-8",
                   html: bool = False, subject: str | None = None) -> EmailMessage:
    """The answer to the received mail ``raw`` (see the module)."""
    original, quoted_text = original_text(raw)
    answer = EmailMessage()
    answer["From"] = sender
    answer["To"] = str(original["From"] or "")
    answer["Subject"] = subject if subject is not None else f"Re: {original['Subject'] or ''}"
    answer["Date"] = format_datetime(now)
    answer["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "mail.test")
    original_id = str(original["Message-ID"] or "").strip()
    if original_id:
        answer["In-Reply-To"] = original_id
        answer["References"] = " ".join(filter(None, [str(original["References"] or "").strip(), original_id]))
    attribution = f"On {original['Date'] or 'an earlier date'}, {original['From'] or 'the sender'} wrote:"
    quoted = "\n".join(f"> {line}" if line else ">" for line in quoted_text.splitlines())
    if not html:
        answer.set_content(f"{text}\n\n{attribution}\n{quoted}\n", charset=charset,  # Chinese clients: base64
                           cte="8bit" if charset == "utf-8" else "base64")
        return answer
    paragraphs = "".join(f"<p>{html_text.escape(line)}</p>" for line in text.splitlines())
    original_html = "<br>".join(html_text.escape(line) for line in quoted_text.splitlines())
    answer.set_content(f"<html><body>{paragraphs}<div>{html_text.escape(attribution)}</div>"
                       f"<blockquote>{original_html}</blockquote></body></html>", subtype="html", charset=charset)
    return answer
