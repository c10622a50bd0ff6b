"""The taxonomy's content version: which taxonomy a process took, comparable between processes and machines.

Every hub and workflow worker on one work-order database must know the same categories and templates: a create in a
level-4 refinement one of them lacks is accepted or refused ``unknown-category`` depending on which worker takes it,
and a dispatch is checked against other required fields. Each process records this version beside its SLA table's
and calendars' (``hub.workflow.rule_agreement``), which names the processes whose version differs.

The version is a hash of what the files hold, never of where they are: for a directory (or the packaged data) each
``*.toml`` file's name and bytes in name order, for a single file its bytes. Two machines with copies of the same
files (any directory path, any modification time) agree; a file added, removed, renamed or edited in any byte (a
comment too) gives another version. It is computed as the taxonomy is loaded, from the files as they are then.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from hub.workflow.taxonomy.sources import is_taxonomy_file

__all__ = ["UNREADABLE", "taxonomy_version"]

UNREADABLE = "unreadable"  # the version of files that cannot be read (the load names the problem itself)


def _files(path: Path | None) -> list[tuple[str, Traversable | Path]] | None:
    """The taxonomy's files by name (as ``sources.read_sources`` reads them); None for a single file."""
    if path is None:
        directory = resources.files("hub.workflow.taxonomy").joinpath("data")
        return sorted((item.name, item) for item in directory.iterdir() if is_taxonomy_file(item.name))
    if path.is_dir():  # the files the loader reads: not an editor's hidden lock or backup (sources.is_taxonomy_file)
        return [(item.name, item) for item in sorted(path.glob("*.toml")) if is_taxonomy_file(item.name)]
    return None


def taxonomy_version(path: Path | None) -> str:
    """A short hash (16 hex digits) of the taxonomy of ``path`` (a file, a directory of ``*.toml``; None: the
    packaged data): the same files' content on any machine gives the same version."""
    digest = hashlib.sha256()
    try:
        files = _files(path)
        if files is None and path is not None:
            digest.update(path.read_bytes())
        for name, item in files or ():
            data = item.read_bytes()
            for part in (name.encode("utf-8"), data):  # each framed by its length: no two file sets hash alike
                digest.update(len(part).to_bytes(8, "big") + part)
    except OSError:
        return UNREADABLE
    return digest.hexdigest()[:16]
