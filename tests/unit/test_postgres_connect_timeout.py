"""A PostgreSQL server that accepts the connection and never answers stalls nothing for long: the work-order store
and the shared nonce store give psycopg a ``connect_timeout`` (10 s) unless the URL sets its own."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from hub.security.nonces import SqlNonceStore
from hub.workflow.store.dialect import create_store_engine

pytestmark = pytest.mark.unit


class Stopped(Exception):
    """Raised where the driver would connect: the parameters were seen, nothing goes on the network."""


def connect_parameters(engine: sa.Engine) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    @event.listens_for(engine, "do_connect")
    def _record(_dialect: Any, _record: Any, _args: Any, params: dict[str, Any]) -> None:
        seen.update(params)
        raise Stopped

    with pytest.raises(Stopped):
        engine.connect()
    engine.dispose()
    return seen


def test_the_work_order_store_gives_up_connecting_after_10_seconds() -> None:
    engine = create_store_engine("postgresql+psycopg://hub:pw@127.0.0.1:5999/onepoint")
    assert connect_parameters(engine)["connect_timeout"] == 10


def test_a_connect_timeout_in_the_url_wins() -> None:
    engine = create_store_engine("postgresql+psycopg://hub:pw@127.0.0.1:5999/onepoint?connect_timeout=3")
    assert connect_parameters(engine)["connect_timeout"] == "3"


def test_the_shared_nonce_store_gives_up_connecting_after_10_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, Any]] = []

    def engine_only(_self: SqlNonceStore, engine: sa.Engine, window: int, **_: Any) -> None:
        seen.append(connect_parameters(engine))

    monkeypatch.setattr(SqlNonceStore, "__init__", engine_only)
    SqlNonceStore.open("postgresql+psycopg://hub:pw@127.0.0.1:5999/onepoint", 300)
    assert seen[0]["connect_timeout"] == 10
