"""The inbox's cap on an answer's text (hub/ingress/mail/endpoint.py, ``text_cap``) counts the bytes the mail carried
for its text part (transfer-decoded, in its own charset), as the webhook's cap counts the body it was sent: a GB18030
answer of 57,600 bytes (86,400 once re-encoded as UTF-8) is under a 64 KiB cap, not refused ``too-large``."""

from __future__ import annotations

import asyncio
import base64
from types import SimpleNamespace

import pytest

from hub.config.mail import MailSettings
from hub.config.security import CallerConfig
from hub.ingress.mail.endpoint import MailIngress, MailProgress
from hub.ingress.mail.reading import MailRefused, read_mail

pytestmark = pytest.mark.unit

CAP = 64 * 1024
CALLER = CallerConfig(system="MAIL", username="mail")


def _mail(text: str, *, base64_body: bool = False) -> bytes:
    body = text.encode("gb18030")
    encoding = b"base64" if base64_body else b"8bit"
    if base64_body:
        body = base64.encodebytes(body)
    return (b"From: billing@example.com\r\nTo: hub@example.com\r\nSubject: Re: [WO#WO1] x\r\n"
            b"Message-ID: <a1@example.com>\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=GB2312\r\nContent-Transfer-Encoding: " + encoding + b"\r\n\r\n"
            + body + b"\r\n")


def _refusal(raw: bytes) -> MailRefused | None:
    ingress = MailIngress(SimpleNamespace(), MailSettings(max_answer_bytes=CAP), CAP)  # type: ignore[arg-type]
    try:
        asyncio.run(ingress.answer(raw, CALLER, MailProgress(), text_cap=True))
    except MailRefused as refused:
        return refused  # past the cap: the next check's refusal (no offline mailbox is configured)
    return None


def test_the_text_is_measured_in_the_bytes_the_mail_carried() -> None:
    text = "已处理，客户账单已更正。" * 2400  # 57,600 bytes GB18030, 86,400 UTF-8
    assert len(text.encode("gb18030")) < CAP < len(text.encode("utf-8"))
    assert read_mail(_mail(text)).text_bytes == len(text.encode("gb18030")) + 2  # its line end included
    assert read_mail(_mail(text, base64_body=True)).text_bytes == len(text.encode("gb18030"))  # transfer-decoded
    refused = _refusal(_mail(text))
    assert refused is not None and refused.code != "too-large"  # refused by a check after the cap


def test_a_text_over_the_cap_is_refused_naming_its_own_byte_count() -> None:
    text = "已处理。" * 9000  # 72,000 bytes GB18030
    refused = _refusal(_mail(text, base64_body=True))
    assert refused is not None and refused.code == "too-large"
    assert refused.status == 413
    assert f"has {len(text.encode('gb18030'))} bytes" in str(refused)
