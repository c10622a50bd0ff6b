"""The header fields of an answer mail (hub.ingress.mail.headers): capped before they are parsed, read without the
stdlib's quadratic header parser, each of From, Subject and Message-ID at most once; and the answer text never taken
from an attached mail."""

from __future__ import annotations

import time

import pytest

from hub.ingress.mail.headers import MAX_BLOCK_BYTES, MAX_LINE_BYTES
from hub.ingress.mail.reading import MailRefused, read_mail

pytestmark = pytest.mark.unit

HEAD = "From: billing-desk@example.com\r\nMessage-ID: <a@x>\r\n"


@pytest.mark.parametrize("raw", [
    (HEAD + "Subject: " + "=?utf-8?q?a?= " * 12000 + "\r\nContent-Type: text/plain\r\n\r\nhi").encode(),
    ("From: b@example.com " + "(a)" * 40000 + "\r\nSubject: x\r\nMessage-ID: <a@x>\r\n\r\nhi").encode(),
    (HEAD + "".join(f"X-Filler-{n}: {'y' * 900}\r\n" for n in range(80)) + "\r\nhi").encode(),
])
def test_a_header_over_the_limits_is_refused_at_once_naming_the_limit(raw: bytes) -> None:
    started = time.monotonic()
    with pytest.raises(MailRefused) as refused:
        read_mail(raw)
    assert (refused.value.status, refused.value.code) == (413, "header-too-large")
    assert str(MAX_LINE_BYTES) in str(refused.value) or str(MAX_BLOCK_BYTES) in str(refused.value)
    assert time.monotonic() - started < 1


def test_a_folded_subject_of_many_encoded_words_within_the_limits_is_read_fast() -> None:
    subject = "\r\n ".join(["=?utf-8?q?a?="] * 3000)
    started = time.monotonic()
    with pytest.raises(MailRefused) as refused:
        read_mail((HEAD + f"Subject: {subject}\r\n\r\nhi").encode())
    assert refused.value.code == "header-too-large"
    assert time.monotonic() - started < 1


def test_a_folded_encoded_subject_and_a_raw_utf8_one_are_read() -> None:
    mail = read_mail((HEAD + "Subject: Re: =?utf-8?b?5bel5Y2V?=\r\n [WO#WO1]\r\n\r\nhi").encode())
    assert mail.subject == "Re: 工单 [WO#WO1]"
    mail = read_mail((HEAD + "Subject: Re: 工单 [WO#WO1]\r\n\r\nhi").encode())
    assert (mail.subject, mail.sender, mail.message_id) == ("Re: 工单 [WO#WO1]", "billing-desk@example.com", "<a@x>")


@pytest.mark.parametrize("name", ["From", "Subject", "Message-ID"])
def test_a_field_the_hub_reads_given_twice_is_refused_naming_it(name: str) -> None:
    twice = {"From": "From: colleague@example.com\r\n", "Subject": "Subject: other\r\n",
             "Message-ID": "Message-ID: <b@x>\r\n"}[name]
    raw = (HEAD + "Subject: Re: x\r\n" + twice + "Content-Type: text/plain\r\n\r\nClose it\r\n").encode()
    with pytest.raises(MailRefused) as refused:
        read_mail(raw)
    assert (refused.value.status, refused.value.code) == (400, "repeated-header")
    assert name in str(refused.value)


def test_an_html_answer_carrying_the_dispatch_mail_as_an_attachment_is_read_from_its_own_part() -> None:
    raw = (HEAD + 'Subject: Re: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n'
           "--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Refunded 50 yuan</p>\r\n"
           "--B\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"dispatch.eml\"\r\n\r\n"
           "From: hub@example.com\r\nSubject: [WO#WO1] x\r\n\r\nDispatch text: billed twice.\r\n--B--\r\n").encode()
    mail = read_mail(raw)
    assert mail.html and "Refunded 50 yuan" in mail.text and "Dispatch" not in mail.text


def test_an_inline_attached_mail_is_not_read_either() -> None:
    raw = (HEAD + 'Subject: Re: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n'
           "--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Mine</p>\r\n"
           "--B\r\nContent-Type: message/rfc822\r\n\r\n"
           "From: hub@example.com\r\nSubject: x\r\n\r\nTheirs\r\n--B--\r\n").encode()
    assert "Mine" in read_mail(raw).text
