"""The bench's CreateWorkOrder documents: the schema example that carries the template's fields (dispatched at
intake), with a fresh MessageId and one of ``MSISDNS`` numbers (their tiers warm in the hub's cache)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["EXAMPLE", "TIERS", "create_work_order", "msisdn"]

EXAMPLE = (Path(__file__).resolve().parents[2] / "schemas" / "examples" / "workorder"
           / "CreateWorkOrder.valid-dispatch-at-intake.xml")
TIERS = ("PREPAID", "CONTRACT", "VIP_GOLD", "GROUP_MEMBER", "OTHER_BRAND")  # none with an account manager
_TEXT = EXAMPLE.read_text(encoding="utf-8")
assert "cs-20261123-000002" in _TEXT
assert "13800138000" in _TEXT


def msisdn(number: int) -> str:
    return f"139{number:08d}"


def create_work_order(message_id: str, number: str) -> bytes:
    """The example with ``message_id`` and ``number``; everything else as the hotline sent it."""
    return _TEXT.replace("cs-20261123-000002", message_id).replace("13800138000", number).encode()
