"""``ScrapeCache`` never holds a scrape for a source that does not answer (an audit froze the work-order database
under Prometheus scrapes: each scrape held a server thread until the database answered, and SOAP and the bulletin,
served by the same threads, stopped): a scrape waits for the read under way at most ``wait`` seconds, then goes on
without the sample; one read at a time, whatever the number of scrapes; the late answer serves the next scrapes."""

from __future__ import annotations

import threading

import pytest

from hub.observability.scrape_cache import ScrapeCache

pytestmark = pytest.mark.unit


class FrozenSource:
    """A read that hangs until ``thaw()``; counts the reads begun."""

    def __init__(self) -> None:
        self.thawed = threading.Event()
        self.reads = 0

    def __call__(self) -> int:
        self.reads += 1
        self.thawed.wait(30)
        return 42

    def thaw(self) -> None:
        self.thawed.set()


def test_a_source_that_does_not_answer_costs_a_scrape_its_wait_and_no_more_reads() -> None:
    source = FrozenSource()
    cache = ScrapeCache(source, max_age=5.0, what="a frozen source", wait=0.05)
    try:
        results: list[int | None] = []
        scrapes = [threading.Thread(target=lambda: results.append(cache.get())) for _ in range(20)]
        for scrape in scrapes:
            scrape.start()
        for scrape in scrapes:
            scrape.join(10)
        assert not any(scrape.is_alive() for scrape in scrapes)  # every scrape went on without the sample
        assert results == [None] * 20 and source.reads == 1  # one read under way, shared
        assert cache.get() is None and source.reads == 1
    finally:
        source.thaw()
    for _ in range(200):  # the late answer, once it comes, serves the scrapes after it
        if cache.get() == 42:
            break
        threading.Event().wait(0.01)
    assert cache.get() == 42 and source.reads == 1


def test_a_quick_source_is_read_once_per_max_age() -> None:
    now = [0.0]
    reads = [0]

    def read() -> int:
        reads[0] += 1
        return reads[0]

    cache = ScrapeCache(read, max_age=5.0, what="a quick source", clock=lambda: now[0])
    assert [cache.get(), cache.get()] == [1, 1]
    now[0] += 5.0
    assert cache.get() == 2 and reads[0] == 2
