"""The XSD command sets and their example documents.

Every command set under ``schemas/`` must compile with lxml and with xmlschema, keep the conventions written in
common.xsd, be readable by spyne's XSD reader, and come with examples: for every command at least one valid
document (``<Command>.valid[-variant].xml``), at least three invalid ones (``<Command>.invalid-<what>.xml``, each
starting with a comment ``<!-- invalid: ... -->`` that names a different reason) and one response
(``responses/<Command>Response.xml``; for a command another system sends the hub as a command, not a request, the
bare ``c:Ack`` the hub's ingress answers it with: ``INGRESS_ACKS``). lxml and xmlschema must agree on every
example. An invalid example the XSD lets through is one that breaks a co-occurrence rule of its command
(hub.validation.rules): the hub's validator refuses it, and every valid example keeps those rules too.

Schemas and examples are found through the installed ``schemas`` package, never through the working directory.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from functools import cache
from importlib.resources import files
from pathlib import Path

import pytest
import xmlschema
from lxml import etree

from hub.validation import CommandSetRegistry, DocumentRefused, DocumentSetValidator, RefusalKind

pytestmark = pytest.mark.unit

SYSTEMS = ("workorder", "boss", "crm", "nsp", "dsmp", "oa", "mail")
COMMON_NS = "urn:onepoint:common:1"
XS = "http://www.w3.org/2001/XMLSchema"
XSNS = {"xs": XS}

VALID_RE = re.compile(r"^(?P<command>[A-Za-z]+)\.valid(-[a-z0-9-]+)?\.xml$")
INVALID_RE = re.compile(r"^(?P<command>[A-Za-z]+)\.invalid-[a-z0-9-]+\.xml$")
RESPONSE_RE = re.compile(r"^(?P<command>[A-Za-z]+)Response\.xml$")
#: response examples that are the hub's ingress's bare c:Ack (202 ACCEPTED): commands a system sends the hub
INGRESS_ACKS = frozenset({"nsp/responses/OutageNoticeResponse.xml"})


def _schema_dir() -> Path:
    root = Path(str(files("onepoint_schemas")))
    assert (root / "common.xsd").is_file(), f"schemas package has no common.xsd at {root}"
    return root


SCHEMA_DIR = _schema_dir()
EXAMPLES = SCHEMA_DIR / "examples"


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=False)


def _parse(path: Path) -> etree._ElementTree:
    return etree.parse(str(path), _safe_parser())


def _xsd_path(system: str) -> Path:
    return SCHEMA_DIR / f"{system}.xsd"


def _namespace(system: str) -> str:
    return f"urn:onepoint:{system}:1"


@cache
def _xsd_tree(system: str) -> etree._ElementTree:
    return _parse(_xsd_path(system))


@cache
def _hub_validator() -> DocumentSetValidator:
    """The hub's own check of any document: the XSD, then the rules of the command set."""
    return DocumentSetValidator(CommandSetRegistry.installed())


@cache
def _lxml_schema(system: str) -> etree.XMLSchema:
    return etree.XMLSchema(_xsd_tree(system))


@cache
def _xmlschema(system: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(_xsd_path(system)), allow="sandbox", defuse="always")


def _top_level_elements(system: str) -> dict[str, str]:
    """Top-level element name -> its declared type (as written, e.g. ``boss:SyncHLR``)."""
    root = _xsd_tree(system).getroot()
    return {el.get("name"): el.get("type") for el in root.findall("xs:element", XSNS)}


def _commands(system: str) -> list[str]:
    names = _top_level_elements(system)
    return sorted(n for n in names if not n.endswith("Response") and f"{n}Response" in names)


ALL_COMMANDS = [(system, command) for system in SYSTEMS for command in _commands(system)]


def _examples(kind: re.Pattern[str], responses: bool = False) -> list[Path]:
    found = []
    for system in SYSTEMS:
        folder = EXAMPLES / system / "responses" if responses else EXAMPLES / system
        found += sorted(p for p in folder.glob("*.xml") if kind.match(p.name))
    return found


VALID = _examples(VALID_RE)
INVALID = _examples(INVALID_RE)
RESPONSES = _examples(RESPONSE_RE, responses=True)


def _ident(path: Path) -> str:
    return str(path.relative_to(EXAMPLES))


def _system_of(path: Path) -> str:
    return path.relative_to(EXAMPLES).parts[0]


def _xmlschema_valid(system: str, path: Path) -> bool:
    resource = xmlschema.XMLResource(str(path), defuse="always")
    return bool(_xmlschema(system).is_valid(resource))


def _sequence_children(complex_type: etree._Element) -> list[etree._Element]:
    """Element particles of a complex type's content, in document order (choices flattened)."""
    return [
        el
        for el in complex_type.iter(f"{{{XS}}}element")
        if el.getparent() is not None and el.getparent().tag in (f"{{{XS}}}sequence", f"{{{XS}}}choice")
    ]


def _complex_types(system: str) -> dict[str, etree._Element]:
    root = _xsd_tree(system).getroot()
    return {ct.get("name"): ct for ct in root.findall("xs:complexType", XSNS)}


def _own_types_reachable(system: str, type_name: str) -> Iterator[etree._Element]:
    """The named complex types of this schema that a document of ``type_name`` can contain (itself included)."""
    types = _complex_types(system)
    prefix = _prefix_of(system)
    seen: set[str] = set()
    todo = [type_name]
    while todo:
        name = todo.pop()
        if name in seen or name not in types:
            continue
        seen.add(name)
        yield types[name]
        for el in _sequence_children(types[name]):
            declared = el.get("type") or ""
            if declared.startswith(f"{prefix}:"):
                todo.append(declared.split(":", 1)[1])


def _prefix_of(system: str) -> str:
    root = _xsd_tree(system).getroot()
    prefixes = [p for p, ns in root.nsmap.items() if ns == _namespace(system) and p]
    assert prefixes, f"{system}.xsd binds no prefix to its target namespace"
    return prefixes[0]


# ----------------------------------------------------------------------------------------------- compilation


@pytest.mark.parametrize("system", [*SYSTEMS, "common"])
def test_schema_compiles_with_lxml(system: str) -> None:
    etree.XMLSchema(_parse(_xsd_path(system)))


@pytest.mark.parametrize("system", [*SYSTEMS, "common"])
def test_schema_compiles_with_xmlschema(system: str) -> None:
    schema = xmlschema.XMLSchema(str(_xsd_path(system)), allow="sandbox", defuse="always")
    assert schema.validity == "valid"


# ----------------------------------------------------------------------------------------------- conventions


@pytest.mark.parametrize("system", SYSTEMS)
def test_versioned_namespace_and_common_import(system: str) -> None:
    root = _xsd_tree(system).getroot()
    assert root.get("targetNamespace") == _namespace(system)
    assert root.get("elementFormDefault") == "qualified"
    imports = root.findall("xs:import", XSNS)
    assert [(i.get("namespace"), i.get("schemaLocation")) for i in imports] == [(COMMON_NS, "common.xsd")]
    assert root.nsmap.get("c") == COMMON_NS


@pytest.mark.parametrize("system", SYSTEMS)
def test_top_level_elements_use_named_types_of_the_same_name(system: str) -> None:
    root = _xsd_tree(system).getroot()
    prefix = _prefix_of(system)
    types = _complex_types(system)
    for el in root.findall("xs:element", XSNS):
        name = el.get("name")
        assert el.get("type") == f"{prefix}:{name}", f"{name}: declare it as type={prefix}:{name}"
        inside = [child for child in el if child.tag != f"{{{XS}}}annotation"]  # appinfo: hub.validation.audited
        assert not inside, f"{name}: no anonymous type inside a top-level element"
        assert name in types, f"{name}: no named complexType {name}"
    # No anonymous complex or simple types anywhere: spyne's reader needs names.
    for anonymous in root.iter(f"{{{XS}}}complexType", f"{{{XS}}}simpleType"):
        assert anonymous.get("name"), f"anonymous type at line {anonymous.sourceline}"


@pytest.mark.parametrize("system", SYSTEMS)
def test_every_command_has_a_response_and_every_response_a_command(system: str) -> None:
    names = _top_level_elements(system)
    commands = _commands(system)
    assert commands, f"{system}.xsd declares no command"
    for name in names:
        if name.endswith("Response"):
            assert name.removesuffix("Response") in names, f"{name} answers no command"
        else:
            assert f"{name}Response" in names, f"{name} has no {name}Response"


@pytest.mark.parametrize(("system", "command"), ALL_COMMANDS)
def test_header_first_and_ack_first(system: str, command: str) -> None:
    types = _complex_types(system)
    request = _sequence_children(types[command])
    assert (request[0].get("name"), request[0].get("type")) == ("Header", "c:MessageHeader")
    assert request[0].get("minOccurs") in (None, "1")
    response = _sequence_children(types[f"{command}Response"])
    assert (response[0].get("name"), response[0].get("type")) == ("Ack", "c:Ack")
    assert response[0].get("minOccurs") in (None, "1")
    # Asynchronous commands answer with the Ack only: every result element is optional.
    for el in response[1:]:
        assert el.get("minOccurs") == "0", f"{command}Response/{el.get('name')} must be optional"


@pytest.mark.parametrize(("system", "command"), ALL_COMMANDS)
def test_request_documents_are_bounded(system: str, command: str) -> None:
    for complex_type in _own_types_reachable(system, command):
        for el in _sequence_children(complex_type):
            assert el.get("maxOccurs") != "unbounded", (
                f"{command}: {complex_type.get('name')}/{el.get('name')} has maxOccurs=unbounded"
            )


@pytest.mark.parametrize("system", [*SYSTEMS, "common"])
def test_no_restriction_of_positive_integer(system: str) -> None:
    # spyne's XSD reader fails on restrictions of xs:positiveInteger: restrict xs:int with minInclusive.
    root = _xsd_tree(system).getroot()
    for restriction in root.iter(f"{{{XS}}}restriction"):
        assert restriction.get("base") not in ("xs:positiveInteger", "xs:nonNegativeInteger")


# ----------------------------------------------------------------------------------------------- spyne


@pytest.mark.parametrize("system", SYSTEMS)
def test_spyne_reads_every_top_level_element(system: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImportWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        # parse_schema_file reads the XSD files with open(...).read() and never closes them.
        warnings.simplefilter("ignore", ResourceWarning)
        from spyne.util.xml import parse_schema_file

        parsed = parse_schema_file(str(_xsd_path(system)), files={COMMON_NS: str(SCHEMA_DIR / "common.xsd")})
    schema = parsed[_namespace(system)]
    types = _complex_types(system)
    for name in _top_level_elements(system):
        element = schema.elements.get(name)
        assert element is not None, f"spyne did not read element {name}"
        assert element.type is not None
        model = schema.types.get(element.type.split(":", 1)[1])
        assert model is not None, f"spyne built no model for {name}"
        expected_fields = [el.get("name") for el in _sequence_children(types[name])]
        assert list(model._type_info.keys()) == expected_fields


# ----------------------------------------------------------------------------------------------- examples


@pytest.mark.parametrize(("system", "command"), ALL_COMMANDS)
def test_every_command_has_examples(system: str, command: str) -> None:
    folder = EXAMPLES / system
    valid = [p for p in folder.glob(f"{command}.valid*.xml") if VALID_RE.match(p.name)]
    invalid = [p for p in folder.glob(f"{command}.invalid-*.xml") if INVALID_RE.match(p.name)]
    assert valid, f"{command}: no valid example"
    assert len(invalid) >= 3, f"{command}: {len(invalid)} invalid examples, at least 3 needed"
    assert (folder / "responses" / f"{command}Response.xml").is_file(), f"{command}: no response example"
    reasons = [_invalid_reason(p) for p in invalid]
    assert len(set(reasons)) == len(reasons), f"{command}: two invalid examples give the same reason"


def test_every_example_file_is_named_for_a_command() -> None:
    known = {(system, command) for system, command in ALL_COMMANDS}
    for path in EXAMPLES.rglob("*.xml"):
        rel = path.relative_to(EXAMPLES)
        system = rel.parts[0]
        if len(rel.parts) == 3 and rel.parts[1] == "responses":
            match = RESPONSE_RE.match(path.name)
        else:
            assert len(rel.parts) == 2, f"{rel}: unexpected folder"
            match = VALID_RE.match(path.name) or INVALID_RE.match(path.name)
        assert match, f"{rel}: name does not follow <Command>.valid[-x].xml / .invalid-x.xml / XResponse.xml"
        assert (system, match["command"]) in known, f"{rel}: {match['command']} is no command of {system}"


def _invalid_reason(path: Path) -> str:
    tree = _parse(path)
    node = tree.getroot().getprevious()
    comments = []
    while node is not None:
        if isinstance(node, etree._Comment):
            comments.append(node.text.strip())
        node = node.getprevious()
    assert comments, f"{path.name}: no leading comment"
    first = comments[-1]
    assert first.startswith("invalid: "), f"{path.name}: comment {first!r}"
    assert first.removeprefix("invalid: ").strip(), f"{path.name}: the comment gives no reason"
    return first


def _check_root(path: Path, expected_local_name: str) -> None:
    root = _parse(path).getroot()
    assert etree.QName(root).namespace == _namespace(_system_of(path))
    assert etree.QName(root).localname == expected_local_name


@pytest.mark.parametrize("path", VALID, ids=_ident)
def test_valid_example_validates(path: Path) -> None:
    system = _system_of(path)
    match = VALID_RE.match(path.name)
    assert match
    _check_root(path, match["command"])
    schema = _lxml_schema(system)
    assert schema.validate(_parse(path)), str(schema.error_log)
    assert _xmlschema_valid(system, path)
    _hub_validator().validate_bytes(path.read_bytes())  # its command's rules hold too


@pytest.mark.parametrize("path", INVALID, ids=_ident)
def test_invalid_example_is_refused(path: Path) -> None:
    system = _system_of(path)
    match = INVALID_RE.match(path.name)
    assert match
    _invalid_reason(path)  # well-formed, with its reason first
    _check_root(path, match["command"])
    by_lxml, by_xmlschema = _lxml_schema(system).validate(_parse(path)), _xmlschema_valid(system, path)
    assert by_lxml == by_xmlschema, f"lxml {'accepted' if by_lxml else 'refused'} it, xmlschema did not"
    if by_lxml:  # only a rule of its command can refuse it
        assert _hub_validator().registry.get(system).rules.get(match["command"]), "the XSD accepted it"
    with pytest.raises(DocumentRefused) as refused:
        _hub_validator().validate_bytes(path.read_bytes())
    assert refused.value.kind is RefusalKind.INVALID and refused.value.violations


@pytest.mark.parametrize("path", RESPONSES, ids=_ident)
def test_response_example_validates(path: Path) -> None:
    system = _system_of(path)
    if _ident(path) in INGRESS_ACKS:  # what the ingress answers: common.xsd's Ack
        assert _parse(path).getroot().tag == f"{{{COMMON_NS}}}Ack"
        system = "common"
    else:
        _check_root(path, path.stem)
    schema = _lxml_schema(system)
    assert schema.validate(_parse(path)), str(schema.error_log)
    assert _xmlschema_valid(system, path)


def test_examples_were_found() -> None:
    # Guards against a packaging or path mistake that would make every parametrized test vanish.
    assert len(ALL_COMMANDS) >= 16
    assert len(VALID) >= len(ALL_COMMANDS)
    assert len(INVALID) >= 3 * len(ALL_COMMANDS)
    assert len(RESPONSES) == len(ALL_COMMANDS)
