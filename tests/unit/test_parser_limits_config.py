"""The ``[limits]`` section's attribute caps (`hub.validation.parser.ParserLimits`)."""

import re

import pytest

from hub.config import ConfigError, load_settings
from hub.validation.parser import DEFAULT_MAX_ATTRIBUTES, DEFAULT_MAX_ATTRIBUTES_PER_ELEMENT

pytestmark = pytest.mark.unit


def test_the_attribute_caps_default_to_the_parser_s():
    limits = load_settings().limits
    assert (limits.max_attributes_per_element, limits.max_attributes) == (64, 10_000)
    assert (DEFAULT_MAX_ATTRIBUTES_PER_ELEMENT, DEFAULT_MAX_ATTRIBUTES) == (64, 10_000)


def test_the_attribute_caps_are_read_from_limits(tmp_path):
    path = tmp_path / "hub.toml"
    path.write_text("[limits]\nmax_attributes_per_element = 8\nmax_attributes = 500\n")
    limits = load_settings(path).limits
    assert (limits.max_attributes_per_element, limits.max_attributes) == (8, 500)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[limits]\nmax_attributes_per_element = 0\n", "max_attributes_per_element must be between 1 and 256"),
        ("[limits]\nmax_attributes_per_element = 1000\n", "max_attributes_per_element must be between 1 and 256"),
        ("[limits]\nmax_attributes = 10\n", "max_attributes must be at least max_attributes_per_element"),
        ("[limits]\nmax_attributes = '100'\n", "limits.max_attributes must be a whole number"),
        ("[limits]\nmax_attributes_per_elem = 8\n", "unknown keys in [limits]: ['max_attributes_per_elem']"),
    ],
)
def test_bad_attribute_caps_are_refused_naming_the_file(tmp_path, text, message):
    path = tmp_path / "hub.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)) as refused:
        load_settings(path)
    assert str(refused.value).startswith(str(path))
