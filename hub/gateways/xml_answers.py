"""An XML system's HTTP answer as the call's answer document, or the classified failure it means.

* a status other than 2xx: the ``c:Error`` the system answered with gives the failure its reason
  (``hub.gateways.failures.status_failure``: 5xx, 408, 429 transient, other 4xx refused);
* a web page with a 2xx status (``failures.web_page``: a proxy's maintenance page) → transient;
* an answer that is not a document, or not the operation's XSD-valid ``<operation>Response`` → ``InvalidAnswer``;
* an answer whose ``Ack`` (or a ``c:Error`` carrying a ``MessageId``) acknowledges another ``MessageId`` than the
  document the call forwarded → ``hub.gateways.echo.StrayAnswer``, transient, whatever operation it answers (the
  gateway closes that connection and the retry reads a fresh one).

The body is read as its bytes say, or, when they name no encoding, in the charset its ``Content-Type`` names
(``hub.gateways.failures.answer_codec``, as the XML ingress reads a request): a GBK answer labelled only
``application/xml; charset=GBK``; the bytes' own declaration wins over a charset that contradicts it.
"""

from __future__ import annotations

import httpx
from lxml import etree

from hub.gateways.echo import check_echo
from hub.gateways.failures import (
    InvalidAnswer,
    answer_codec,
    error_document,
    error_fields,
    retry_after,
    status_failure,
    web_page,
)
from hub.gateways.soap_answers import check_answer
from hub.validation.command_sets import CommandSet
from hub.validation.namespaces import COMMON_NS
from hub.validation.parser import ParserLimits, parse_document

__all__ = ["forwarded_id", "xml_answer"]


def forwarded_id(document: bytes | etree._Element, limits: ParserLimits) -> str | None:
    """The ``Header/MessageId`` of the command document a call forwards, which its answer's Ack echoes; None when
    it has none (or, given as bytes, is not a document: the system will say so)."""
    if isinstance(document, bytes):
        try:
            document = parse_document(document, limits)
        except Exception:
            return None
    namespace = etree.QName(document).namespace
    found = document.findtext(f"{{{namespace}}}Header/{{{COMMON_NS}}}MessageId")
    return None if found is None else found.strip()


def xml_answer(system: str, operation: str, command_set: CommandSet, response: httpx.Response,
               limits: ParserLimits, *, message_id: str | None = None) -> etree._Element:
    """The ``<operation>Response`` of ``command_set`` that ``response`` (its body read) carries; ``message_id``:
    the MessageId of the document the call forwarded, which the answer must acknowledge (None: not checked)."""
    content, content_type = response.content, response.headers.get("content-type")
    if not response.is_success:
        error = error_document(content, content_type)
        if error is not None:
            check_echo(system, operation, error, message_id)
        raise status_failure(system, operation, response.status_code, response.reason_phrase,
                             None if error is None else error_fields(error), retry_after(response))
    try:
        answer = parse_document(content, limits, decode_as=answer_codec(content, content_type))
    except Exception as exc:
        raise web_page(system, operation, content, content_type) or InvalidAnswer(
            system, operation, f"not a document: {exc}") from exc
    own = etree.QName(answer).namespace in (command_set.namespace, COMMON_NS)  # the system's document, however labelled
    if not own and (page := web_page(system, operation, content, content_type, answer)) is not None:
        raise page
    check_echo(system, operation, answer, message_id)
    check_answer(system, operation, command_set, answer)
    return answer
