"""Contract first: every example the XSD accepts is accepted through SOAP (and XML), every one it refuses is refused.

The hub here lets each source system send every command, so that only the XSD decides.
"""

import re
from pathlib import Path

import httpx
import pytest
from lxml import etree

from hub.config.settings import CallerConfig, HubSettings
from hub.ingress.acceptance import OWN_INGRESS
from hub.security.secrets import hash_token
from tests.conftest import start_hub
from tests.support.soap import envelope, security_header

pytestmark = pytest.mark.integration

SYSTEMS = ("CS", "BOSS", "CRM", "NSP", "DSMP", "OA", "HUB")


def _all_examples() -> list[Path]:
    from hub.validation.command_sets import schema_directory

    with schema_directory() as directory:
        return sorted(p for p in (directory / "examples").glob("*/*.xml"))


def _own_ingress(path: Path) -> bool:
    """An example of a command one ingress alone builds (``hub.ingress.acceptance.OWN_INGRESS``: an offline
    department's answer, taken only as the mail it came in): refused at /soap and /xml whatever it holds."""
    return f"{path.parent.name}.{path.name.split('.')[0]}" in OWN_INGRESS


def _examples() -> list[Path]:
    return [path for path in _all_examples() if not _own_ingress(path)]


@pytest.fixture(scope="module")
def open_hub(registry):
    callers = tuple(
        CallerConfig(
            system=s,
            username=s.lower(),
            ws_password=f"{s}-pw",
            token_hashes=(hash_token(f"{s}-token"),),
            commands=("*",),
        )
        for s in SYSTEMS
    )
    yield from start_hub(HubSettings(callers=callers), registry)


def source_system(document: bytes) -> str:
    try:
        value = etree.fromstring(document).findtext(".//{urn:onepoint:common:1}SourceSystem")
    except etree.XMLSyntaxError:
        value = None
    return value if value in SYSTEMS else "CS"


@pytest.mark.parametrize("path", _examples(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_example_through_soap(open_hub, registry, path):
    document = path.read_bytes()
    command = path.name.split(".")[0]
    system = source_system(document)
    command_set = path.parent.name
    before = len(open_hub.router.envelopes)
    response = httpx.post(
        open_hub.soap(command_set),
        content=envelope(document, security_header(system.lower(), f"{system}-pw")),
        headers={"content-type": "text/xml; charset=utf-8", "soapaction": f'"{command}"'},
    )
    root = etree.fromstring(response.content)
    if ".valid" in path.name:
        assert response.status_code == 200, response.text
        answer = root.find(".//{*}Body")[0]
        assert etree.QName(answer).localname == f"{command}Response"
        # The answer is itself valid against the command set's XSD.
        registry.get(command_set).lxml_schema.assertValid(answer)
        assert len(open_hub.router.envelopes) == before + 1 or answer.findtext(".//{*}Status") == "DUPLICATE"
    else:
        assert response.status_code == 500
        assert root.findtext(".//faultcode") == "soap:Client.SchemaValidationError", response.text
        assert list(root.iter("{urn:onepoint:common:1}Violation"))
        assert len(open_hub.router.envelopes) == before


@pytest.mark.parametrize("path", _examples(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_example_through_xml(open_hub, path):
    document = path.read_bytes()
    if ".valid" in path.name:  # a message id of its own, so that the SOAP run does not make this a duplicate
        document = re.sub(rb"(<(?:\w+:)?MessageId>)", rb"\1xml-", document, count=1)
    system = source_system(document)
    before = len(open_hub.router.envelopes)
    response = httpx.post(
        open_hub.xml(path.parent.name),
        content=document,
        headers={"content-type": "application/xml", "authorization": f"Bearer {system}-token"},
    )
    root = etree.fromstring(response.content)
    if ".valid" in path.name:
        assert response.status_code == 202, response.text
        assert root.findtext("{urn:onepoint:common:1}Status") == "ACCEPTED"
        assert len(open_hub.router.envelopes) == before + 1
    else:
        assert response.status_code == 400, response.text
        assert root.findtext("{urn:onepoint:common:1}Code") == "invalid"
        assert list(root.iter("{urn:onepoint:common:1}Violation"))
        assert len(open_hub.router.envelopes) == before


@pytest.mark.parametrize("path", [p for p in _all_examples() if _own_ingress(p)],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_an_example_of_another_ingress_is_refused_at_soap_and_xml(open_hub, path):
    """mail.AnswerMail, valid or not, is refused before its schema is read: only the mail ingress builds it."""
    document = path.read_bytes()
    command = path.name.split(".")[0]
    before = len(open_hub.router.envelopes)
    soap = httpx.post(
        open_hub.soap(path.parent.name),
        content=envelope(document, security_header("cs", "CS-pw")),
        headers={"content-type": "text/xml; charset=utf-8", "soapaction": f'"{command}"'},
    )
    assert soap.status_code == 500
    assert etree.fromstring(soap.content).findtext(".//faultcode") == "soap:Client.NotAuthorized", soap.text
    xml = httpx.post(open_hub.xml(path.parent.name), content=document,
                     headers={"content-type": "application/xml", "authorization": "Bearer CS-token"})
    assert xml.status_code == 403, xml.text
    assert etree.fromstring(xml.content).findtext("{urn:onepoint:common:1}Code") == "forbidden"
    assert len(open_hub.router.envelopes) == before
