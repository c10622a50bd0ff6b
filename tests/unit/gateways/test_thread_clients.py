"""ThreadClients: each calling thread gets a client of its own, reused for its every call; close closes them all."""

from __future__ import annotations

import threading

import httpx
import pytest

from hub.gateways.clients import ThreadClients

pytestmark = pytest.mark.unit


def test_each_thread_reuses_its_own_client_and_close_closes_every_one() -> None:
    clients = ThreadClients(lambda: httpx.Client(timeout=1.0))
    mine = clients.get()
    assert clients.get() is mine
    theirs: list[httpx.Client] = []
    thread = threading.Thread(target=lambda: theirs.extend([clients.get(), clients.get()]))
    thread.start()
    thread.join(10)
    assert theirs[0] is theirs[1] and theirs[0] is not mine
    assert len(clients) == 2
    clients.close()
    assert mine.is_closed and theirs[0].is_closed
    with pytest.raises(RuntimeError, match="closed"):
        clients.get()


def test_a_thread_whose_client_was_closed_gets_a_new_one() -> None:
    clients = ThreadClients(lambda: httpx.Client(timeout=1.0))
    first = clients.get()
    first.close()
    assert clients.get() is not first
    clients.close()
