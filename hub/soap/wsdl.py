"""The contract WSDL served at ``?wsdl`` by the hub and the SOAP emulators: spyne's messages, port types and
bindings, with ``<wsdl:types>`` holding the command-set XSDs themselves (common.xsd and the set's own),
inlined verbatim.

spyne regenerates types from its models, and its reader turns ``xs:choice`` into a sequence and renames
anonymous restrictions; inlining the real XSDs keeps the published contract exactly the one the hub validates.
"""

from __future__ import annotations

from lxml import etree

from hub.soap.namespaces import WSDL_NS, XSD_NS
from hub.validation.command_sets import CommandSet

__all__ = ["contract_wsdl"]


def _schema_text(path: str) -> bytes:
    """The XSD's root element serialized on its own, every prefix it uses declared on it."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    schema = etree.parse(path, parser=parser).getroot()
    for imported in schema.iterfind(f"{{{XSD_NS}}}import"):
        imported.attrib.pop("schemaLocation", None)  # both schemas are inline: resolve by namespace
    data: bytes = etree.tostring(schema, encoding="UTF-8")
    return data


def contract_wsdl(spyne_wsdl: bytes, command_set: CommandSet, address: str | None = None) -> bytes:
    """Replace the types of spyne's WSDL with the command set's XSDs; with ``address``, every port's
    ``soap:address`` is exactly it (spyne quotes the path it is given again: ``%20`` would become ``%2520``).

    The schemas are spliced in as text: QName values such as ``type="c:MessageId"`` use prefixes that no tag
    uses, and lxml would drop or rename those declarations if the elements were moved into the WSDL's tree.
    """
    wsdl = etree.fromstring(spyne_wsdl, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    types = wsdl.find(f"{{{WSDL_NS}}}types")
    if types is None:
        types = etree.Element(f"{{{WSDL_NS}}}types")
        wsdl.insert(0, types)
    for child in list(types):
        types.remove(child)
    if address is not None:
        for port in wsdl.iterfind(f"{{{WSDL_NS}}}service/{{{WSDL_NS}}}port"):
            for element in port:
                if isinstance(element.tag, str) and etree.QName(element).localname == "address":
                    element.set("location", address)
    types.text = "@@TYPES@@"
    text: bytes = etree.tostring(wsdl, xml_declaration=True, encoding="UTF-8")
    schemas = _schema_text(str(command_set.path.with_name("common.xsd"))) + _schema_text(str(command_set.path))
    return text.replace(b"@@TYPES@@", schemas, 1)
