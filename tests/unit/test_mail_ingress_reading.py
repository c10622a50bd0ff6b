"""An e-mailed answer read by the hub's mail ingress (hub.ingress.mail): the stdlib parser on policy default,
hardened (one From, a Message-ID, text parts only, charsets incl. GB2312/GBK, HTML turned to text), the answer cut
above the quote as mail clients quote, and the hook, token and sender checked against [mail.offline]."""

from __future__ import annotations

from email.message import EmailMessage
from types import MappingProxyType

import pytest

from hub.config.mail import MailSettings
from hub.ingress.mail.answer_text import answer_text
from hub.ingress.mail.automatic import without_comments
from hub.ingress.mail.hooks import answered_dispatch
from hub.ingress.mail.html_text import html_to_text
from hub.ingress.mail.reading import InboundMail, MailRefused, read_mail
from hub.security.mail_tokens import dispatch_token

pytestmark = pytest.mark.unit

KEY = b"a-test-key-of-enough-bytes"
SETTINGS = MailSettings(token_key=KEY, offline=MappingProxyType({"BILLING": "billing-desk@example.com",
                                                                 "MARKETING": "marketing@example.com"}))
WO = "WO20261123ABCD1234"


def _raw(body: bytes, *, charset: str = "utf-8", subject: str = "Re: x", sender: str = "billing-desk@example.com",
         content_type: str = "text/plain", cte: str = "8bit") -> bytes:
    return (f"From: Billing Desk <{sender}>\r\nTo: hub@example.com\r\nSubject: {subject}\r\n"
            f"Message-ID: <a1@example.com>\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: {content_type}; charset={charset}\r\nContent-Transfer-Encoding: {cte}\r\n\r\n"
            ).encode() + body


def test_a_gb2312_answer_and_an_encoded_chinese_subject_are_read() -> None:
    raw = _raw("已退费，谢谢\r\n".encode("gb2312"), charset="gb2312",
               subject="=?GB2312?B?" + __import__("base64").b64encode("回复：工单".encode("gb2312")).decode() + "?=")
    mail = read_mail(raw)
    assert (mail.sender, mail.message_id) == ("billing-desk@example.com", "<a1@example.com>")
    assert mail.subject == "回复：工单"
    assert mail.text.strip() == "已退费，谢谢"


def test_gbk_bytes_beyond_gb2312_and_broken_bytes_are_read_not_refused() -> None:
    text = "镕基已处理".encode("gbk") + b"\xff\xfe ok"  # 镕 is GBK, not GB2312; \xff\xfe is no character
    mail = read_mail(_raw(text, charset="GB2312"))
    assert mail.text.startswith("镕基已处理") and "\ufffd" in mail.text and mail.text.endswith(" ok")


def test_a_base64_utf8_multipart_answer_takes_the_plain_part_not_the_attachment() -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "billing-desk@example.com", "hub@example.com", "Re: x"
    message["Message-ID"] = "<a2@example.com>"
    message.set_content("处理完毕\n", charset="utf-8", cte="base64")
    message.add_alternative("<p>HTML 处理完毕</p>", subtype="html")
    message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="bill.pdf")
    assert read_mail(message.as_bytes()).text.strip() == "处理完毕"


def test_an_html_only_answer_is_read_as_text_its_blockquote_quoted() -> None:
    markup = ("<html><head><style>p{}</style><script>alert(1)</script></head><body><p>已退费 &amp; 致电客户</p>"
              "<div>On Mon, Hub wrote:</div><blockquote><p>##- marker -##</p><p>原工单</p></blockquote></body></html>")
    mail = read_mail(_raw(markup.encode(), content_type="text/html"))
    assert mail.html and "alert" not in mail.text and "p{}" not in mail.text
    assert answer_text(mail.text) == "已退费 & 致电客户"
    assert "> 原工单" in html_to_text(markup)


@pytest.mark.parametrize(("raw", "code"), [
    (b"From: a@example.com, b@example.com\r\nMessage-ID: <x@y>\r\n\r\nhi", "no-sender"),
    (b"Subject: hi\r\nMessage-ID: <x@y>\r\n\r\nhi", "no-sender"),
    (b"From: a@example.com\r\n\r\nhi", "no-message-id"),
    (b"From: a@example.com\r\nMessage-ID: <x@y>\r\nContent-Type: text/plain; charset=x-unknown-7\r\n\r\nhi",
     "unknown-charset"),
    (b"From: a@example.com\r\nMessage-ID: <x@y>\r\nContent-Type: application/pdf\r\n\r\n%PDF", "no-text"),
    (b"From: a@example.com\r\nMessage-ID: <x@y>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
     + b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" for _ in range(120)) + b"--b--\r\n", "too-many-parts"),
])
def test_a_mail_the_hub_cannot_take_is_refused_naming_why(raw: bytes, code: str) -> None:
    with pytest.raises(MailRefused) as refused:
        read_mail(raw)
    assert refused.value.code == code


@pytest.mark.parametrize("quoted", [
    "Refunded 268.50.\nRegards, Li\n\nOn Mon, 23 Nov 2026 at 10:00, OnePoint Hub <hub@example.com> wrote:\n> old",
    "Refunded 268.50.\nRegards, Li\n\nOn Mon, 23 Nov 2026 at 10:00, OnePoint Hub <\nhub@example.com> wrote:\n> old",
    "Refunded 268.50.\nRegards, Li\n-----Original Message-----\nFrom: hub@example.com\nold",
    "Refunded 268.50.\nRegards, Li\n发件人： hub@example.com\n发送时间： 2026年11月23日\nold",
    "Refunded 268.50.\nRegards, Li\n\n在 2026年11月23日 10:00，OnePoint Hub 写道：\n> old",
    "Refunded 268.50.\nRegards, Li\n> ##- Please type your answer above this line -##\n> old",
    "Refunded 268.50.\nRegards, Li\n-- \nLi Ming, Billing",
])
def test_the_answer_is_what_is_above_the_quote(quoted: str) -> None:
    assert answer_text(quoted) == "Refunded 268.50.\nRegards, Li"


def _mail(subject: str, sender: str = "billing-desk@example.com") -> InboundMail:
    return InboundMail(sender, "<a@example.com>", subject, "ok", False)


def _reference(department: str = "BILLING", mailbox: str = "billing-desk@example.com", dispatch: int = 1) -> str:
    return f"[ref {dispatch}-{dispatch_token(KEY, WO, dispatch, department, mailbox)}]"


def test_the_hook_and_token_name_the_dispatch_answered() -> None:
    answered = answered_dispatch(_mail(f"RE: [WO#{WO}] Dispatched to BILLING {_reference(dispatch=2)}",
                                       sender="Billing-Desk@Example.com"), SETTINGS)
    assert (answered.work_order_id, answered.dispatch, answered.department) == (WO, 2, "BILLING")


@pytest.mark.parametrize(("subject", "sender", "status", "code"), [
    ("Re: the bill", "billing-desk@example.com", 422, "no-hook"),
    (f"Re: [WO#{WO}] forged", "billing-desk@example.com", 403, "no-token"),
    (f"Re: [WO#{WO}] {{ref}}", "someone@example.com", 403, "unknown-sender"),
    (f"Re: [WO#{WO}] {{ref}}", "marketing@example.com", 403, "wrong-sender"),
    ("Re: [WO#WO20261123ZZZZ9999] {ref}", "billing-desk@example.com", 403, "token-mismatch"),
    (f"Re: [WO#{WO}] [ref 1-0000000000000000]", "billing-desk@example.com", 403, "token-mismatch"),
])
def test_a_forged_or_misdirected_answer_is_refused(subject: str, sender: str, status: int, code: str) -> None:
    with pytest.raises(MailRefused) as refused:
        answered_dispatch(_mail(subject.replace("{ref}", _reference()), sender), SETTINGS)
    assert (refused.value.status, refused.value.code) == (status, code)


@pytest.mark.parametrize("header", [
    "Auto-Submitted: auto-replied", "Auto-Submitted: auto-generated", "auto-submitted: Auto-Notified; owner=x",
    "X-Autoreply: yes", "X-Autorespond: Out of office", "Precedence: auto_reply", "Precedence: bulk",
    "Precedence: junk", "Auto-Submitted: auto-replied (vacation; until Monday)", "Auto-Submitted: (no) auto-replied",
    "Auto-Submitted: (a \\) no) auto-generated", "Precedence: bulk (a list)",
])
def test_an_automatic_reply_is_refused_not_taken_as_the_answer(header: str) -> None:
    raw = _raw(b"I am out of the office until 14 December.\r\n", subject="Automatic reply: Re: x")
    with pytest.raises(MailRefused) as refused:
        read_mail(raw.replace(b"MIME-Version", header.encode() + b"\r\nMIME-Version", 1))
    assert (refused.value.status, refused.value.code) == (422, "auto-reply")


@pytest.mark.parametrize("header", [
    "Auto-Submitted: no", "Precedence: list", "X-Auto-Response-Suppress: OOF",
    "Auto-Submitted: no (a person)", "Auto-Submitted: (sent by hand (really)) No", "Auto-Submitted: no (x; y=z)",
])
def test_a_mail_a_person_sent_is_read(header: str) -> None:
    raw = _raw(b"Refunded 268.50.\r\n")
    assert read_mail(raw.replace(b"MIME-Version", header.encode() + b"\r\nMIME-Version", 1)).text.strip() == \
        "Refunded 268.50."


def test_comments_are_dropped_not_quoted_strings() -> None:
    assert without_comments('auto-replied (a (nested) one); owner="x (y)"') == 'auto-replied ; owner="x (y)"'
    assert without_comments("no (an unclosed one") == "no "
