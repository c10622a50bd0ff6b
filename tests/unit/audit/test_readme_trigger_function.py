"""README "Changing the key" has the old PostgreSQL log's tables copied with ``pg_dump --table``, which leaves out
the append-only triggers' function: the function it has created first is the one the hub creates (the walkthrough
audit: the restore failed on the three triggers and the copy was left unprotected)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.audit.postgres_schema import _REFUSE

pytestmark = pytest.mark.unit

README = Path(__file__).resolve().parents[3] / "README.md"


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_readme_creates_the_hubs_trigger_function_before_the_restore() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("**Changing the key.**", 1)[1].split("\n## ", 1)[0]
    assert _words(_REFUSE) + ";" in _words(section)
    assert section.index("CREATE FUNCTION") < section.index("pg_dump --table 'onepoint_audit_*'")
