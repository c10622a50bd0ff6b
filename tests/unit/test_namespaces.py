"""The command sets' namespaces are written once (hub.validation.namespaces) and agree with the XSDs."""

import pytest

from hub.validation import CommandSetRegistry
from hub.validation.namespaces import COMMON_NS, SET_NAMESPACES

pytestmark = pytest.mark.unit


def test_every_installed_command_set_has_its_namespace_constant() -> None:
    registry = CommandSetRegistry.installed()
    assert {name: registry.get(name).namespace for name in registry.names()} == SET_NAMESPACES


def test_the_common_namespace_is_common_xsd_target_namespace() -> None:
    from lxml import etree

    from hub.validation.command_sets import schema_directory

    with schema_directory() as folder:
        root = etree.parse(str(folder / "common.xsd")).getroot()
    assert root.get("targetNamespace") == COMMON_NS
