"""The WS-Security nonce stores' contract, for this process's memory (`NonceCache`) and the shared SQL store
(`SqlNonceStore`) on SQLite and PostgreSQL: a nonce is accepted once per user until its token expires; a shared
store refuses the replay to another hub process and after a restart, races for one nonce have one winner, and
expired rows are purged in bulk now and then, not per request."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.security.nonces import SqlNonceStore
from hub.soap.wsse import NonceCache, NonceStore
from tests.support.postgres_server import PostgresServer

T0 = 1_800_000_000.0
WINDOW = 300

Opener = Callable[[], NonceStore]  # another store on the same data: another hub process (memory: none)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Opener]]:
    opened: list[SqlNonceStore] = []
    if request.param == "memory":
        cache = NonceCache(WINDOW, 1000)
        yield "memory", lambda: cache  # one process: the same cache
        return
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'nonces.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.create_database()

    def open_store() -> NonceStore:
        store = SqlNonceStore.open(url, WINDOW)
        opened.append(store)
        return store

    yield request.param, open_store
    for store in opened:
        store.close()


def test_a_nonce_is_accepted_once_per_user_until_its_token_expires(stores):
    _, open_store = stores
    store = open_store()
    assert store.check_and_add("cs", b"n-1", T0, T0 + WINDOW) is True
    assert store.check_and_add("cs", b"n-1", T0 + 10, T0 + 10 + WINDOW) is False  # the replay
    assert store.check_and_add("nsp", b"n-1", T0, T0 + WINDOW) is True  # another user's nonce
    assert store.check_and_add("cs", b"n-2", T0, T0 + WINDOW) is True
    assert store.check_and_add("cs", b"n-1", T0 + WINDOW + 1, T0 + 2 * WINDOW) is True  # expired: a new token


def test_a_shared_store_refuses_the_replay_to_another_process_and_after_a_restart(stores):
    kind, open_store = stores
    if kind == "memory":
        pytest.skip("this process's memory is not shared: [security] nonce_store names a shared store")
    first, second = open_store(), open_store()
    assert first.check_and_add("cs", b"captured", T0, T0 + WINDOW) is True
    assert second.check_and_add("cs", b"captured", T0 + 1, T0 + WINDOW + 1) is False  # another hub process
    assert isinstance(first, SqlNonceStore)
    first.close()
    assert open_store().check_and_add("cs", b"captured", T0 + 2, T0 + WINDOW + 2) is False  # restarted


def test_of_processes_racing_for_one_nonce_one_wins(stores):
    _, open_store = stores
    contenders = [open_store() for _ in range(8)]
    outcomes: list[bool] = []
    start = threading.Barrier(len(contenders))

    def race(store: NonceStore) -> None:
        start.wait()
        outcomes.append(store.check_and_add("cs", b"raced", T0, T0 + WINDOW))

    threads = [threading.Thread(target=race, args=(store,)) for store in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False] * 7 + [True]


def test_expired_rows_are_purged_in_bulk_now_and_then_not_per_request(stores):
    kind, open_store = stores
    if kind == "memory":
        pytest.skip("the memory store forgets expired nonces as it goes (test_username_token.py)")
    tick = [0.0]
    probe = open_store()
    assert isinstance(probe, SqlNonceStore)
    store = SqlNonceStore(probe.engine, WINDOW, purge_seconds=60, clock=lambda: tick[0])
    for number in range(5):
        assert store.check_and_add("cs", f"old-{number}".encode(), T0, T0 + WINDOW)
    assert store.check_and_add("cs", b"later", T0 + WINDOW + 1, T0 + 2 * WINDOW + 1)
    assert len(store) == 6  # expired rows stay until the next purge
    tick[0] = 61
    assert store.check_and_add("cs", b"purging", T0 + WINDOW + 2, T0 + 2 * WINDOW + 2)
    assert len(store) == 2  # the five expired ones deleted in one statement
    with probe.engine.connect() as connection:
        kept = {row[0] for row in connection.execute(sa.text("SELECT username FROM onepoint_wsse_nonces"))}
    assert kept == {"cs"}
