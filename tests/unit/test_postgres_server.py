"""The private PostgreSQL of the tests: without Debian's binaries the postgres tests fail on CI, skip elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import postgres_server

pytestmark = pytest.mark.unit


@pytest.fixture
def no_binaries(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(postgres_server, "BIN_DIR", tmp_path / "missing")


@pytest.mark.usefixtures("no_binaries")
def test_a_missing_postgresql_fails_on_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="postgresql-15"):
        next(postgres_server.postgres_fixture())


@pytest.mark.usefixtures("no_binaries")
def test_a_missing_postgresql_skips_with_the_reason_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="CI unset"):
        next(postgres_server.postgres_fixture())

