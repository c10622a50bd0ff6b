"""Helpers of the taxonomy-edit tests: the seed taxonomy copied with one more level-4 refinement, as an analyst
adds one (``01.02.03.009``, its template inherited from 01.02.03)."""

from __future__ import annotations

import shutil
from pathlib import Path

import hub.workflow.taxonomy

SEED = Path(hub.workflow.taxonomy.__file__).parent / "data"
ANCHOR = '{ code = "01.02.03.002", name = "Cannot originate on a TD-SCDMA terminal", name_zh = "TD终端无法主叫" },\n'
METRO = "01.02.03.009"


def add_metro_refinement(directory: Path) -> str:
    """Add the refinement to ``directory``'s categories.toml; returns the file as it was."""
    categories = directory / "categories.toml"
    before = categories.read_text("utf-8")
    assert ANCHOR in before
    categories.write_text(before.replace(ANCHOR, ANCHOR + f'{{ code = "{METRO}", name = "Cannot originate in the '
                                                          'metro" },\n'), "utf-8")
    return before


def with_metro_refinement(directory: Path) -> Path:
    """The seed taxonomy copied to ``directory`` with the refinement."""
    shutil.copytree(SEED, directory)
    add_metro_refinement(directory)
    return directory
