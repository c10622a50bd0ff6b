"""The taxonomy's files watched on a running process: an edit is noticed and said to need a restart.

The SLA table and the calendars are reloaded when their files change (``rule_files``); the taxonomy is read at
start only. Reloading it under work orders in flight is not small: the outage services, the owners' calendars and
the intake rules are checked against it at start, and a category withdrawn under an open work order changes what
its next Dispatch is checked against. So an analyst's edit is not taken live; instead ``RuleFiles.refresh`` (the
engine before each creation and action, the scheduler at each pass) has ``TaxonomyFiles.look`` compare the
files' names, sizes, modification times and inodes (one ``stat`` each), and on a change their content: one
WARNING per change saying the taxonomy is read at start only and the hub (every process running the workflow)
must be restarted to apply it; an INFO when the files are back as the process loaded them.
"""

from __future__ import annotations

import hashlib
import logging
import os
from importlib import resources
from pathlib import Path

from hub.workflow.taxonomy.sources import is_taxonomy_file

__all__ = ["TaxonomyFiles", "taxonomy_files"]

log = logging.getLogger("onepoint.workflow")

Signature = tuple[tuple[str, int, int, int], ...]  # (name, inode, size, mtime ns) of each file


def taxonomy_files(path: Path | None) -> list[Path]:
    """The files ``load_taxonomy(path)`` reads: ``path`` itself, its ``*.toml`` in name order (a directory), or
    the packaged data's (None; none when the package is not on a file system)."""
    if path is None:
        data = resources.files("hub.workflow.taxonomy").joinpath("data")
        path = Path(str(data))
        if not path.is_dir():
            return []
    if not path.is_dir():
        return [path]
    return sorted(item for item in path.glob("*.toml") if is_taxonomy_file(item.name))  # not an editor's lock


class TaxonomyFiles:
    """The taxonomy's files as the process loaded them; ``look`` warns once of each change."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.source = str(path) if path is not None else "the packaged taxonomy"
        self._seen = self._signature()
        self._loaded = self._seen_content = self._content()

    def look(self) -> bool:
        """Whether the files' content changed since the last look (then one WARNING was logged)."""
        signature = self._signature()
        if signature == self._seen:
            return False
        self._seen = signature
        content = self._content()
        if content == self._seen_content:  # touched, or rewritten as it was
            return False
        self._seen_content = content
        if content == self._loaded:
            log.info("the taxonomy's files are back as this process loaded them: no restart needed",
                     extra={"taxonomy": self.source})
            return True
        log.warning("the taxonomy's files changed since this process started: the taxonomy is read at start only, "
                    "restart the hub (every process running the workflow) to apply the change; until then the "
                    "taxonomy loaded at start stays (check the edit first: `onepoint taxonomy check`)",
                    extra={"taxonomy": self.source, "files": [str(p) for p in taxonomy_files(self.path)]})
        return True

    def _signature(self) -> Signature:
        found = []
        for path in taxonomy_files(self.path):
            try:
                stat = os.stat(path)
            except OSError:
                found.append((str(path), -1, -1, -1))
                continue
            found.append((str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns))
        return tuple(found)

    def _content(self) -> str:
        digest = hashlib.sha256()
        for path in taxonomy_files(self.path):
            digest.update(str(path).encode() + b"\0")
            try:
                digest.update(path.read_bytes())
            except OSError as exc:
                digest.update(f"unreadable: {exc.strerror}".encode())
            digest.update(b"\0")
        return digest.hexdigest()
