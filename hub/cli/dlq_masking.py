"""Phone numbers out of what ``onepoint dlq`` prints: a letter's reasons, its header values and (unless
``--unmasked``, `hub.cli.dlq_body`) its body.

Mobile numbers as the logs mask them (``138****8000``), then every fixed-line number as the listeners' events
mask one (``hub.observability.fixed_lines``: ``0755-83765432`` → ``********5432``): an NSP dispatch dead-lettered
carries the work order's ContactNumber, most often a fixed line, which the mobile masking alone left whole. The
letter's ids are never masked: they are what ``show`` and ``replay`` are given.
"""

from __future__ import annotations

from typing import Any

from hub.observability.fixed_lines import mask_fixed_lines_in
from hub.observability.masking import mask_msisdn, mask_msisdn_tail

__all__ = ["masked_fields", "masked_text"]

_FREE_TEXT_FIELDS = ("reason", "previous_reason")  # of `DeadLetter.as_dict`: what a failure said, numbers and all


def masked_text(text: str) -> str:
    """``text`` with every mobile and fixed-line number in it masked."""
    return mask_fixed_lines_in(mask_msisdn(text), mask_msisdn_tail)


def masked_fields(shown: dict[str, Any]) -> dict[str, Any]:
    """A letter's shown fields (`DeadLetter.as_dict`) with the numbers in its reasons and in the header values it
    could not read (``unreadable``) masked; the other fields (ids, keys, times, counts) as they are."""
    masked = {name: masked_text(value) if name in _FREE_TEXT_FIELDS and isinstance(value, str) else value
              for name, value in shown.items()}
    if isinstance(unreadable := shown.get("unreadable"), dict):
        masked["unreadable"] = {name: masked_text(str(value)) for name, value in unreadable.items()}
    return masked
