"""A handler's answer to a request: its ``<Command>Response`` document, or a ``c:Error`` refusal.

A handler registered for a request command (a route with ``reply_timeout``) returns ``Reply(document)``; the
worker records it with the outcome and only then sends it to the request's reply-to, so a redelivered request
gets the recorded answer again instead of running the handler twice. A ``BusinessRejection`` raised for a
request becomes ``c:Error`` (its ``code`` and message): that is an answer too, recorded and never retried.
A request handler that returns no ``Reply`` has still done its effect: its requester is answered the ``c:Error``
``NO_ANSWER`` (``handler-gave-no-answer``), recorded like any answer, so that no redelivery or replay runs it again.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from hub.validation.error_document import error_bytes
from hub.validation.violations import Violation

__all__ = ["NO_ANSWER", "Reply", "error_document"]

NO_ANSWER = "handler-gave-no-answer"  # c:Error code: the request was carried out, its handler returned no Reply


class Reply:
    """The answer to a request; ``body`` is the document's bytes (an lxml element is serialized once)."""

    __slots__ = ("body", "outcome")

    def __init__(self, document: bytes | etree._Element, *, outcome: str = "answered") -> None:
        if isinstance(document, bytes):
            self.body = document
        elif isinstance(document, etree._Element):
            self.body = etree.tostring(document, xml_declaration=True, encoding="UTF-8")
        else:
            raise TypeError(f"a Reply holds a document (bytes or an lxml element), not {type(document).__name__}")
        self.outcome = outcome

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reply) and (self.body, self.outcome) == (other.body, other.outcome)

    def __hash__(self) -> int:
        return hash((self.body, self.outcome))

    def __repr__(self) -> str:
        return f"Reply({self.body[:60]!r}..., outcome={self.outcome!r})"


def error_document(code: str, message: str, violations: Iterable[Violation] = ()) -> bytes:
    """The ``c:Error`` answer of a rejected request (schemas/common.xsd): its code and message, and the fields at
    fault (``violations``)."""
    return error_bytes(code, message, violations)
