"""A SOAP system's raw HTTP answer as the hub's answer document, or the classified failure it means.

The SOAP gateway lets zeep build and sign the request but reads the answer itself: the HTTP status, then the
envelope through the hub's hardened parser (``hub.validation.parse_document``), then a SOAP ``Fault`` or the
Body's single child, checked against the command set's XSD (no zeep objects built, none rendered back to XML).

* a SOAP Fault: judged by its code's namespace (``hub.gateways.soap_fault_codes``): ``Server``/``Receiver`` →
  ``SystemUnavailable``; ``Client``/``Sender``, ``MustUnderstand``, ``VersionMismatch`` and ``wsse:`` codes →
  ``SystemRefused`` keeping the code; a code of another namespace (WCF's ``a:InternalServiceFault``), or one that
  cannot be read, as its HTTP status says (5xx → transient, 4xx → permanent); but a Fault sent with HTTP
  408, 429 or 503 is transient whatever its code (the status says "try again later"; a throttling system answers
  ``Client.Throttled``), and with ``Retry-After`` waits that long (``SystemThrottled``);
* an HTTP status other than 200 without a Fault: 5xx, 408, 429 → transient, other 4xx → permanent;
* an answer whose ``Ack`` acknowledges another ``MessageId`` than the one the call sent (``message_id``; BOSS and
  CRM echo it) → ``hub.gateways.echo.StrayAnswer``, transient, whatever operation it answers: one left on a
  keep-alive connection (the gateway closes it and the retry reads a fresh one);
* a web page with HTTP 200 (``failures.web_page``: a proxy's maintenance page) → transient;
* anything else that is not one XSD-valid ``<operation>Response`` → ``InvalidAnswer``.

An adapter may hand a call an ``AnswerFilter``: it sees the ``<operation>Response`` out of its envelope *before*
the XSD check, and may take out of it what the adapter chose to skip (BOSS's tier answer: an identity of a tier code
the hub does not know, ``adapters.boss.unknown_codes``); whatever it leaves is checked as any answer is.

The envelope is read as its bytes say, or, when they name no encoding, in the charset its ``Content-Type`` names
(``hub.validation.charsets.charset_codec``, as the ingress reads a request: a GBK answer labelled only
``text/xml; charset=GBK``); where the bytes name their encoding themselves, they win over a charset that
contradicts them (a backend's misconfigured server is not refused for it).
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from hub.gateways.echo import check_echo
from hub.gateways.failures import (
    THROTTLED_STATUS,
    InvalidAnswer,
    answer_codec,
    fault_code,
    status_failure,
    web_page,
)
from hub.gateways.soap_fault_codes import code_namespace, coded_fault_failure
from hub.validation.command_sets import CommandSet
from hub.validation.namespaces import COMMON_NS
from hub.validation.parser import ParserLimits, parse_document
from hub.workers.errors import PermanentError, TransientError

__all__ = ["SOAP11_NS", "SOAP12_NS", "AnswerFilter", "check_answer", "soap_answer"]

SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
_ENVELOPES = (SOAP11_NS, SOAP12_NS)

AnswerFilter = Callable[[etree._Element], None]  # edits an answer in place before its XSD check (see the module)


def soap_answer(system: str, operation: str, command_set: CommandSet, status: int, reason: str, content: bytes,
                limits: ParserLimits, retry_after: float | None = None, *, message_id: str | None = None,
                content_type: str | None = None, answer_filter: AnswerFilter | None = None) -> etree._Element:
    """The ``<operation>Response`` of ``command_set`` that ``content`` (answered with HTTP ``status``) carries;
    ``retry_after``: the seconds a throttling answer's ``Retry-After`` asked for; ``message_id``: the MessageId the
    call sent, which the answer's Ack must echo (None: not checked); ``content_type``: the answer's header;
    ``answer_filter``: the adapter's edit of the response before its XSD check (None: none)."""
    if status != 200 and not content.strip():
        raise status_failure(system, operation, status, reason, retry_after=retry_after)
    try:
        envelope = parse_document(content, limits, decode_as=answer_codec(content, content_type))
    except Exception as exc:
        if status != 200:
            raise status_failure(system, operation, status, reason, retry_after=retry_after) from exc
        raise web_page(system, operation, content, content_type) or InvalidAnswer(
            system, operation, f"not XML: {exc}") from exc
    namespace = etree.QName(envelope).namespace
    if namespace not in _ENVELOPES or etree.QName(envelope).localname != "Envelope":
        if status != 200:
            raise status_failure(system, operation, status, reason, retry_after=retry_after)
        if (page := web_page(system, operation, content, content_type, envelope)) is not None:
            raise page
        raise InvalidAnswer(system, operation, f"not XML of SOAP: {etree.QName(envelope).text} instead of an Envelope")
    body = envelope.find(f"{{{namespace}}}Body")
    children = [] if body is None else [child for child in body if isinstance(child.tag, str)]
    if len(children) == 1 and children[0].tag == f"{{{namespace}}}Fault":
        raise _fault(system, operation, namespace, children[0], status, reason, retry_after)
    if status != 200:
        raise status_failure(system, operation, status, reason, retry_after=retry_after)
    if len(children) != 1:
        raise InvalidAnswer(system, operation, f"the SOAP Body holds {len(children)} elements, not one")
    if message_id is not None:
        check_echo(system, operation, children[0], message_id)
    if etree.QName(children[0]).localname != f"{operation}Response":
        raise InvalidAnswer(system, operation, f"{etree.QName(children[0]).text} is not {operation}Response")
    document = _tidy(children[0], command_set)
    if answer_filter is not None:
        answer_filter(document)
    check_answer(system, operation, command_set, document)
    return document


def _fault(system: str, operation: str, namespace: str, fault: etree._Element, status: int,
           reason: str, retry_after: float | None = None) -> TransientError | PermanentError:
    """SOAP 1.1 ``faultcode``/``faultstring`` (unqualified as the spec writes them, or in the envelope's namespace
    as some servers do: looked up by local name) or SOAP 1.2 ``Code/Value``/``Reason/Text``; the code's prefix is
    resolved where the code is written (``soap_fault_codes``). A fault whose code cannot be read is judged by its
    HTTP status (500: transient) when it came with one; so is a fault sent with a "try again later" status (408,
    429, 503) or with a ``Retry-After`` (at 500, as WS-I wants every Fault: the hub's own throttled refusal),
    whatever its code: throttled, waited for as it asks."""
    if namespace == SOAP11_NS:
        code_element = _child(fault, "faultcode")
        code = ("" if code_element is None else code_element.text or "").strip()
        message = _child_text(fault, "faultstring")
    else:
        code_element = fault.find(f"{{{namespace}}}Code/{{{namespace}}}Value")
        code = ("" if code_element is None else code_element.text or "").strip()
        subcode = fault.findtext(f"{{{namespace}}}Code/{{{namespace}}}Subcode/{{{namespace}}}Value")
        if subcode:
            code = f"{code}.{subcode.strip().rpartition(':')[2]}"
        message = fault.findtext(f"{{{namespace}}}Reason/{{{namespace}}}Text") or ""
    if status in THROTTLED_STATUS or retry_after is not None or (not code and status != 200):
        said = (fault_code(code), message.strip()) if code or message.strip() else None
        return status_failure(system, operation, status, reason, said, retry_after)
    return coded_fault_failure(system, operation, code, code_namespace(code_element, code), message, status)


def _child(parent: etree._Element, localname: str) -> etree._Element | None:
    """``parent``'s first child element named ``localname``, whatever its namespace (None if none)."""
    for child in parent:
        if isinstance(child.tag, str) and etree.QName(child).localname == localname:
            return child
    return None


def _child_text(parent: etree._Element, localname: str) -> str:
    """The text of ``parent``'s first child element named ``localname``, whatever its namespace ("" if none)."""
    child = _child(parent, localname)
    return "" if child is None else child.text or ""


def _tidy(document: etree._Element, command_set: CommandSet) -> etree._Element:
    """``document`` out of its envelope, declaring only the command set's prefix and ``c`` (as the hub writes)."""
    nsmap = {command_set.name: command_set.namespace, "c": COMMON_NS}
    tidy = etree.Element(document.tag, attrib=dict(document.attrib), nsmap=nsmap)  # type: ignore[arg-type]
    tidy.text = document.text
    tidy[:] = list(document)
    etree.cleanup_namespaces(tidy, top_nsmap=nsmap)  # type: ignore[arg-type]
    return tidy


def check_answer(system: str, operation: str, command_set: CommandSet, document: etree._Element) -> None:
    """``InvalidAnswer`` unless ``document`` is ``operation``'s own response (``<operation>Response`` of
    ``command_set``; another operation's answer is refused too) valid against its XSD."""
    qname = etree.QName(document)
    if qname.namespace != command_set.namespace or qname.localname not in command_set.responses:
        raise InvalidAnswer(system, operation, f"{qname.text} is not a response of {command_set.name}")
    if qname.localname != f"{operation}Response":
        raise InvalidAnswer(system, operation, f"{qname.localname} is not {operation}Response (another operation's)")
    schema = command_set.lxml_schema
    if not schema.validate(document):
        first = schema.error_log.last_error
        raise InvalidAnswer(system, operation, f"{qname.localname} fails its XSD: {first.message if first else '?'}")
