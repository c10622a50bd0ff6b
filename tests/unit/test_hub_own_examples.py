"""README names which shipped examples are the hub's own (``SourceSystem`` ``HUB``: what the hub sends, refused 403
to a caller), exactly those (the newcomer audit: the boss/ and dsmp/ examples, posted with CS's credentials, were
refused 403 and the README did not say why)."""

from __future__ import annotations

import re
from fnmatch import fnmatch
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "schemas" / "examples"


def named_in_readme() -> list[str]:
    listed = re.search(r"<!-- hub-own-examples -->(.*?)<!-- /hub-own-examples -->",
                       (ROOT / "README.md").read_text("utf-8"), re.S)
    assert listed is not None
    return re.findall(r"`([a-z]+/[^`]+)`", listed.group(1))


def test_the_readme_names_exactly_the_examples_the_hub_sends() -> None:
    patterns = named_in_readme()
    hubs = {f"{p.parent.name}/{p.name}" for p in EXAMPLES.glob("*/*.valid*.xml")
            if "<c:SourceSystem>HUB</c:SourceSystem>" in p.read_text("utf-8")}
    others = {f"{p.parent.name}/{p.name}" for p in EXAMPLES.glob("*/*.valid*.xml")} - hubs
    assert sorted(name for name in hubs if not any(fnmatch(name, p) for p in patterns)) == []
    assert sorted(name for name in others if any(fnmatch(name, p) for p in patterns)) == []
