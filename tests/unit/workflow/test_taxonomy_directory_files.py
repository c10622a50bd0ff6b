"""Which files of a taxonomy directory are read: every ``*.toml`` but hidden ones. An editor's lock or backup
beside the file it edits (Emacs' ``.#categories.toml``, a dangling link; ``categories.toml~``; Vim's
``.categories.toml.swp``) stopped the hub from starting ("cannot read", or every category a duplicate)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from hub.workflow.taxonomy import load_taxonomy
from hub.workflow.taxonomy.sources import is_taxonomy_file

pytestmark = pytest.mark.unit


def test_an_editors_lock_and_backups_are_not_read(seed: Path) -> None:
    os.symlink("analyst@host.4242:1733472000", seed / ".#categories.toml")  # Emacs' lock: a dangling link
    shutil.copy(seed / "categories.toml", seed / ".categories.toml")  # a hidden copy some editors save through
    shutil.copy(seed / "categories.toml", seed / "categories.toml~")
    (seed / ".categories.toml.swp").write_bytes(b"b0VIM 9.0\x00\xff\xfe")
    assert load_taxonomy(seed).counts() == load_taxonomy().counts()


@pytest.mark.parametrize(("name", "read"), [
    ("categories.toml", True), ("local-refinements.toml", True), (".#categories.toml", False),
    (".categories.toml", False), ("#categories.toml#", False), ("categories.toml~", False),
    (".categories.toml.swp", False), ("categories.toml.bak", False),
])
def test_which_names_are_read(name: str, read: bool) -> None:
    assert is_taxonomy_file(name) is read
