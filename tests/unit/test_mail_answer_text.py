"""The answer cut above the quote as common Chinese mail clients quote (Gmail in Chinese, QQ Mail/Foxmail, Outlook),
a UTF-8 byte order mark dropped, and a handler's own line starting "From:" kept."""

from __future__ import annotations

import pytest

from hub.ingress.mail.answer_text import answer_text

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("text", "answer"), [
    ("已退费50元，客户已确认。\n\nOnePoint Hub <onepoint-hub@example.com> 于2026年12月7日周一 10:00写道：\n\n"
     "> ##- Please type your answer above this line", "已退费50元，客户已确认。"),
    ("done\n\n------------------ Original ------------------\nFrom:  \"hub\"<onepoint-hub@example.com>;\n", "done"),
    ("done\n\n------------------ 原始邮件 ------------------\n发件人: \"hub\"<onepoint-hub@example.com>;\n", "done"),
    ("已处理\n\n________________________________\n发件人: OnePoint Hub <onepoint-hub@example.com>\n", "已处理"),
    ("已处理\n________________________________\nFrom: OnePoint Hub\nSent: Monday\n", "已处理"),
    ("Checked the account.\nFrom: 1 Dec the customer was billed twice; refunded 50 yuan.\n\n> ##- x",
     "Checked the account.\nFrom: 1 Dec the customer was billed twice; refunded 50 yuan."),
    ("Checked.\nFrom: OnePoint Hub <hub@example.com>\nSent: Monday, 7 December 2026 10:00\nTo: desk\nold",
     "Checked."),
    ("\ufeff已处理\n> x", "已处理"),
    ("Signed here\n______________\nthe ledger was fixed", "Signed here\n______________\nthe ledger was fixed"),
])
def test_the_answer_is_cut_where_the_clients_quote_starts(text: str, answer: str) -> None:
    assert answer_text(text) == answer
