"""A request's answer at the ingress: checked whole, unless its consumer checked it where it entered the hub.

An adapter's answer (a consumer named in ``validated_answers``: its gateway checked the system's answer against
the XSD) is not checked against the XSD again; what it is (this command's response or a ``c:Error``) still is.
Every other consumer's answer is checked whole, as before.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from hub.envelope import Envelope
from hub.ingress.acceptance import Acceptance, AckInfo, Admitted
from hub.ingress.replies import BadReply, ReplyRefusal, checked_reply, reply_kind
from hub.routing.router import RouteResult
from hub.validation import CommandSetRegistry, DocumentValidator
from hub.validation.parser import ParserLimits

pytestmark = pytest.mark.unit

BOSS = "urn:onepoint:boss:1"
REFUSAL = (b'<c:Error xmlns:c="urn:onepoint:common:1"><c:Code>subscriber-not-found</c:Code>'
           b"<c:Message>no subscriber 13800138000</c:Message></c:Error>")


class AnsweringRouter:
    """Answers every request with ``reply``, as consumer ``target`` would."""

    def __init__(self, target: str, reply: bytes) -> None:
        self.target, self.reply = target, reply

    async def route(self, envelope: Envelope) -> RouteResult:
        return RouteResult(envelope.message_id, (self.target,), reply=self.reply)

    async def ready(self) -> bool:
        return True


def tier_answer(examples_dir: Path) -> bytes:
    return (examples_dir / "boss" / "responses" / "QueryCustomerTierResponse.xml").read_bytes()


def invalid_tier_answer(examples_dir: Path) -> bytes:
    """The tier answer with a Msisdn its XSD refuses: the right root, not valid."""
    root = etree.fromstring(tier_answer(examples_dir))
    msisdn = root.find(f"{{{BOSS}}}Msisdn")
    assert msisdn is not None
    msisdn.text = "not a number"
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return data


def answered(registry: CommandSetRegistry, examples_dir: Path, dev_settings: Any, *, target: str, reply: bytes,
             validated_answers: tuple[str, ...] = ("boss",)) -> tuple[Acceptance, Admitted, AckInfo]:
    document = (examples_dir / "boss" / "QueryCustomerTier.valid.xml").read_bytes().replace(b">HUB<", b">CS<")
    caller = next(c for c in dev_settings.callers if c.username == "cs-frontend")
    acceptance = Acceptance(AnsweringRouter(target, reply), DocumentValidator(registry),
                            validated_answers=validated_answers)
    admitted = acceptance.admit(etree.fromstring(document), caller, expected_set="boss", ingress="xml")
    return acceptance, admitted, asyncio.run(acceptance.accept(admitted.envelope))


def test_an_adapters_answer_is_not_checked_against_the_xsd_again(
        registry: CommandSetRegistry, examples_dir: Path, dev_settings: Any) -> None:
    reply = invalid_tier_answer(examples_dir)  # what only a second XSD check would notice
    acceptance, admitted, ack = answered(registry, examples_dir, dev_settings, target="boss", reply=reply)
    assert ack.reply_validated
    assert acceptance.pass_on(admitted, ack) is reply  # the bytes as they came: no parse, no copy
    assert etree.QName(acceptance.answer(admitted, ack)).localname == "QueryCustomerTierResponse"


def test_any_other_consumers_answer_is_checked_whole(
        registry: CommandSetRegistry, examples_dir: Path, dev_settings: Any) -> None:
    reply = invalid_tier_answer(examples_dir)
    for target, adapters in (("workflow", ("boss",)), ("boss", ())):
        acceptance, admitted, ack = answered(registry, examples_dir, dev_settings, target=target, reply=reply,
                                             validated_answers=adapters)
        assert not ack.reply_validated
        with pytest.raises(BadReply, match="not valid"):
            acceptance.pass_on(admitted, ack)
        with pytest.raises(BadReply, match="not valid"):
            acceptance.answer(admitted, ack)


def test_an_adapters_refusal_and_a_wrong_document_are_still_told_apart(
        registry: CommandSetRegistry, examples_dir: Path, dev_settings: Any) -> None:
    acceptance, admitted, ack = answered(registry, examples_dir, dev_settings, target="boss", reply=REFUSAL)
    with pytest.raises(ReplyRefusal) as refused:
        acceptance.pass_on(admitted, ack)
    assert refused.value.code == "subscriber-not-found"
    with pytest.raises(ReplyRefusal):
        acceptance.answer(admitted, ack)
    for wrong in (b"<nonsense/>", b"not XML at all", b"",
                  (examples_dir / "boss" / "responses" / "QueryCustomerTierResponse.xml").read_bytes()
                  .replace(b"QueryCustomerTierResponse", b"QuerySubscriberResponse")):
        acceptance, admitted, ack = answered(registry, examples_dir, dev_settings, target="boss", reply=wrong)
        with pytest.raises(BadReply, match="expected"):
            acceptance.pass_on(admitted, ack)


def test_reply_kind_reads_the_root_of_a_large_answer_from_its_first_bytes(registry: CommandSetRegistry,
                                                                          examples_dir: Path) -> None:
    answer = (examples_dir / "dsmp" / "responses" / "QuerySmsLogResponse.xml").read_bytes()
    dsmp = registry.get("dsmp")
    reply_kind(dsmp, "QuerySmsLog", answer, ParserLimits())
    reply_kind(dsmp, "QuerySmsLog", answer[:200], ParserLimits())  # the rest is never read
    with pytest.raises(BadReply):
        reply_kind(dsmp, "QuerySpComplaintStats", answer, ParserLimits())
    assert checked_reply(dsmp, "QuerySmsLog", answer, ParserLimits()).tag.endswith("QuerySmsLogResponse")
