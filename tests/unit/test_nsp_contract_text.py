"""nsp.xsd is NSP's contract: its dispatch section says a repeated MessageId is answered DUPLICATE with the same
NspTicketId (the hub re-sends a dispatch it got no answer to under the same MessageId), its reply section that the
CorrelationId is the dispatch's MessageId and what each answer code means, and its withdrawal section agrees with
the code (the hub records NSP's ticket when NSP accepts the dispatch; its withdrawal names no ticket)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.workflow.nsp_reply_answers import REFUSED_FIELDS

pytestmark = pytest.mark.unit


def section(examples_dir: Path, name: str, following: str) -> str:
    xsd = (examples_dir.parent / "nsp.xsd").read_text(encoding="utf-8")
    return xsd[xsd.index(f"{name} ====="):xsd.index(f"{following} =====")]


def test_the_dispatch_section_asks_for_duplicate_with_the_same_ticket(examples_dir: Path) -> None:
    text = " ".join(section(examples_dir, "NetworkComplaintDispatch", "NetworkComplaintReply").split())
    assert "DUPLICATE and the SAME NspTicketId" in text
    assert 'HTTP Basic (user "hub"' in text and "bearer token" in text


def test_the_reply_section_names_the_correlation_and_every_answer(examples_dir: Path) -> None:
    text = " ".join(section(examples_dir, "NetworkComplaintReply", "NetworkComplaintWithdraw").split())
    assert "CorrelationId is the MessageId of the NetworkComplaintDispatch it answers" in text
    for code in REFUSED_FIELDS:
        assert code in text, code
    for status in ("200", "422", "504", "COMPLETED", "SAME MessageId"):
        assert status in text, status


def test_the_withdrawal_section_agrees_with_when_the_ticket_is_recorded(examples_dir: Path) -> None:
    text = " ".join(section(examples_dir, "NetworkComplaintWithdraw", "OutageNotice").split())
    assert "only from NSP's reply" not in text
    assert "The hub sends no NspTicketId: it records NSP's ticket when NSP accepts the dispatch" in text
