"""The ``c:Error`` document of common.xsd: a refusal's code and message, and every violation found.

Pure XML, shared by the ingresses (XML answers, SOAP Fault details), the SOAP library and the emulators.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from hub.validation.namespaces import COMMON_NS
from hub.validation.violations import Violation

__all__ = ["error_bytes", "error_element"]


def error_element(code: str, message: str, violations: Iterable[Violation] = ()) -> etree._Element:
    """``<c:Error>`` with ``Code``, ``Message`` and one ``Violation`` (Line, Path, Reason) per problem."""
    error = etree.Element(f"{{{COMMON_NS}}}Error", nsmap={"c": COMMON_NS})
    etree.SubElement(error, f"{{{COMMON_NS}}}Code").text = code
    etree.SubElement(error, f"{{{COMMON_NS}}}Message").text = message
    for violation in violations:
        node = etree.SubElement(error, f"{{{COMMON_NS}}}Violation")
        if violation.line:
            etree.SubElement(node, f"{{{COMMON_NS}}}Line").text = str(violation.line)
        etree.SubElement(node, f"{{{COMMON_NS}}}Path").text = violation.path
        etree.SubElement(node, f"{{{COMMON_NS}}}Reason").text = violation.reason
    return error


def error_bytes(code: str, message: str, violations: Iterable[Violation] = ()) -> bytes:
    """The ``c:Error`` document serialized with an XML declaration (UTF-8)."""
    data: bytes = etree.tostring(error_element(code, message, violations), xml_declaration=True, encoding="UTF-8")
    return data
