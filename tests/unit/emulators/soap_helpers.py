"""Helpers shared by the BOSS/CRM emulator tests: SOAP envelopes, response parsing, schema checks."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from hub.validation import CommandSetRegistry, schema_directory

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
COMMON_NS = "urn:onepoint:common:1"
BOSS_NS = "urn:onepoint:boss:1"
CRM_NS = "urn:onepoint:crm:1"
NS = {"soap": SOAP_NS, "c": COMMON_NS, "boss": BOSS_NS, "crm": CRM_NS}
_REGISTRY = CommandSetRegistry.installed(detailed=False)


def header(prefix: str, message_id: str = "hub-7f3a9c2e41d84b5a", correlation_id: str | None = "cs-0001-abcdef") -> str:
    correlation = f"<c:CorrelationId>{correlation_id}</c:CorrelationId>" if correlation_id else ""
    return (f"<{prefix}:Header><c:MessageId>{message_id}</c:MessageId>{correlation}<c:SourceSystem>HUB</c:SourceSystem>"
            f"<c:SentAt>2026-11-23T09:15:01+08:00</c:SentAt></{prefix}:Header>")


def envelope(command_xml: str) -> bytes:
    return (f'<soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Body>{command_xml}</soap:Body></soap:Envelope>'
            ).encode()


def boss_command(operation: str, msisdn: str, *, message_id: str = "hub-7f3a9c2e41d84b5a", extra: str = "") -> bytes:
    if operation == "SyncHLR" and not extra:
        extra = "<boss:Reason>Cannot originate since reconnection</boss:Reason>"
    return envelope(f'<boss:{operation} xmlns:boss="{BOSS_NS}" xmlns:c="{COMMON_NS}">{header("boss", message_id)}'
                    f"<boss:Msisdn>{msisdn}</boss:Msisdn>{extra}</boss:{operation}>")


def example_envelope(system: str, name: str) -> bytes:
    """An example document of schemas/examples/<system>/ wrapped in a SOAP envelope."""
    with schema_directory() as directory:
        data = (directory / "examples" / system / name).read_bytes()
    root = etree.fromstring(data)
    return envelope(etree.tostring(root, encoding="unicode"))


def example_names(system: str, kind: str) -> list[str]:
    with schema_directory() as directory:
        return sorted(p.name for p in Path(directory, "examples", system).glob(f"*.{kind}*.xml"))


def body_child(response: bytes) -> etree._Element:
    return etree.fromstring(response).find("soap:Body", NS)[0]


def assert_valid(system: str, element: etree._Element) -> None:
    schema = _REGISTRY.get(system).lxml_schema
    assert schema.validate(element), f"{etree.QName(element).localname} invalid: {schema.error_log}"


def fault_of(response: bytes) -> tuple[str, str, list[str]]:
    """(faultcode local part, faultstring, violation paths) of a SOAP Fault answer."""
    fault = body_child(response)
    assert etree.QName(fault).localname == "Fault"
    code = fault.findtext("faultcode").split(":", 1)[-1]
    paths = [p.text for p in fault.iterfind("detail/c:Error/c:Violation/c:Path", NS)]
    return code, fault.findtext("faultstring"), paths
