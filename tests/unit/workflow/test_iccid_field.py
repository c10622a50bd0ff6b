"""The dispatch templates' ICCID field takes what BOSS gives (boss.xsd ``Iccid``: 19 or 20 characters): a
19-character card number from BOSS blocked every dispatch of the SIM-card and user-data-sync phenomena (domain
audit)."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from hub.validation import schema_directory
from hub.workflow.taxonomy import load_taxonomy

pytestmark = pytest.mark.unit


def boss_pattern() -> str:
    with schema_directory() as directory:
        schema = etree.parse(str(directory / "boss.xsd"))
    (pattern,) = schema.xpath("//xs:simpleType[@name='Iccid']//xs:pattern/@value",
                              namespaces={"xs": "http://www.w3.org/2001/XMLSchema"})
    return str(pattern)


@pytest.mark.parametrize(("iccid", "taken"), [
    ("8986001234567890123", True),  # 19: as BOSS may give it
    ("89860012345678901234", True),
    ("898600123456789012F", True),  # a hex check character
    ("898600123456789012", False),
    ("898600123456789012345", False),
])
def test_the_iccid_field_takes_what_boss_gives(iccid: str, taken: bool) -> None:
    spec = load_taxonomy().fields["iccid"]
    assert (spec.problem(spec.normal(iccid), typed=iccid) is None) is taken
    assert (re.fullmatch(boss_pattern(), iccid) is not None) is taken
