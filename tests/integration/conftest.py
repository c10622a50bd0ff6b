"""Fixtures of the integration tests that need a server of their own (the session's are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.postgres_server import PostgresServer, postgres_fixture


@pytest.fixture
def private_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL cluster of this test's own, which the test may stop in the middle (the session's is shared)."""
    yield from postgres_fixture()
