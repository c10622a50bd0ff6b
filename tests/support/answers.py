"""The answer a processed store recorded for a request, without the request's fingerprint kept in front of it
(``hub.workers.fingerprint``)."""

from __future__ import annotations

from hub.workers.fingerprint import unseal

__all__ = ["recorded_answer"]


def recorded_answer(recorded: bytes | None) -> bytes | None:
    return None if recorded is None else unseal(recorded)[1]
