"""An older version of a notice's to-read never replaces a newer one in OA, whichever OA worker process pushes it
(audit of the bulletin): the check and the record of what each item shows are in the shared notice book, and one
item's pushes never overlap, across threads and processes (a lease in the book); a lease a dead worker left is
taken over once it expired."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import respx
from lxml import etree

from adapters.oa import NoticeVersion, ToReadVersions
from hub.workers import WorkerTestClient
from tests.unit.adapters.oa.oa_kit import OA
from tests.unit.adapters.oa.records_kit import OpensVersions
from tests.unit.adapters.oa.test_oa_notice_versions import cleared, fault
from tests.unit.adapters.oa.workers import oa_worker
from tests.unit.adapters.soap_kit import BASE_URL, echoing, example

pytestmark = pytest.mark.unit

ITEM = "toread-FLT-1-mgr-a"
ACTIVE_R1, CLEARED_R2, ACTIVE_R3 = NoticeVersion(1, False), NoticeVersion(2, True), NoticeVersion(3, False)


def offer(versions: ToReadVersions, version: NoticeVersion, content: str) -> None:
    assert versions.offer("FLT-1", version, content, f"m-{content}", managers=("mgr-a",),
                          announce=lambda user: (ITEM, content)).verdict == "newer"


def test_a_push_of_revision_1_after_the_clearance_pushed_elsewhere_is_skipped(versions: OpensVersions) -> None:
    a, b = versions(), versions()  # two OA worker processes: each its own connection, item locks and leases
    offer(a, ACTIVE_R1, "r1")
    offer(b, CLEARED_R2, "r2")
    with b.pushing(ITEM, "r2") as wanted:
        assert wanted
    with a.pushing(ITEM, "r1") as wanted:  # A's own push of revision 1, redelivered or late
        assert not wanted
    with b.pushing(ITEM, "r2") as wanted:  # OA shows it already
        assert not wanted


def pushed_and_failed(versions: ToReadVersions) -> None:
    with versions.pushing(ITEM, "r1") as wanted:
        assert wanted
        raise ConnectionError("OA did not answer")


def test_a_push_that_failed_is_made_again(versions: OpensVersions) -> None:
    a, b = versions(), versions()
    offer(a, ACTIVE_R1, "r1")
    with pytest.raises(ConnectionError):
        pushed_and_failed(a)
    with b.pushing(ITEM, "r1") as wanted:  # the retry, at the other worker
        assert wanted


def test_an_items_pushes_do_not_overlap_across_processes(versions: OpensVersions) -> None:
    a, b = versions(), versions()
    offer(a, ACTIVE_R1, "r1")
    order: list[str] = []
    inside = threading.Event()

    def newer_push() -> None:
        inside.wait()
        with b.pushing(ITEM, "r3") as wanted:
            order.append(f"r3 {'pushed' if wanted else 'skipped'}")

    pusher = threading.Thread(target=newer_push)
    pusher.start()
    with a.pushing(ITEM, "r1") as wanted:  # revision 1 on its way to OA, slowly
        assert wanted
        offer(b, ACTIVE_R3, "r3")
        inside.set()
        time.sleep(0.3)  # without the lease, revision 3's push would land meanwhile and revision 1 after it
        order.append("r1 landed")
    pusher.join(10)
    assert order == ["r1 landed", "r3 pushed"]
    with a.pushing(ITEM, "r1") as wanted:
        assert not wanted


def test_an_items_pushes_never_overlap_among_many_threads(versions: OpensVersions) -> None:
    workers = [versions(), versions()]
    offer(workers[0], ACTIVE_R1, "r1")
    inside, overlaps, pushed = [0], [0], [0]
    guard, start = threading.Lock(), threading.Barrier(8)

    def push(worker: ToReadVersions) -> None:
        start.wait()
        with worker.pushing(ITEM, "r1") as wanted:
            if wanted:
                with guard:
                    inside[0] += 1
                    overlaps[0] += inside[0] > 1
                    pushed[0] += 1
                threading.Event().wait(0.05)  # OA taking the push
                with guard:
                    inside[0] -= 1

    threads = [threading.Thread(target=push, args=(workers[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert (overlaps[0], pushed[0]) == (0, 1)  # one push made, the others found OA showing it


def test_a_lease_a_dead_worker_left_is_taken_over_once_expired(versions: OpensVersions) -> None:
    now = [1000.0]
    a, b = versions(lease_seconds=60.0, clock=lambda: now[0]), versions(lease_seconds=60.0, clock=lambda: now[0])
    offer(a, ACTIVE_R1, "r1")
    dead = a.pushing(ITEM, "r1")
    assert dead.__enter__()  # the worker died pushing: its lease stays in the record
    offer(b, CLEARED_R2, "r2")
    now[0] += 61.0
    with b.pushing(ITEM, "r2") as wanted:
        assert wanted
    dead.__exit__(None, None, None)
    with b.pushing(ITEM, "r1") as wanted:
        assert not wanted


def test_two_first_revisions_at_once_are_judged_one_after_the_other(versions: OpensVersions) -> None:
    """Eight workers (two processes' threads) get the first version of a notice at once (NSP's resends): one
    accepts it, the others find it kept, though no row of the notice existed to lock."""
    workers, start, verdicts = [versions(), versions()], threading.Barrier(8), []

    def judge(n: int) -> None:
        start.wait()
        verdicts.append(workers[n % 2].offer("FLT-9", ACTIVE_R1, "same", f"m-{n}", managers=("mgr-a",),
                                             announce=lambda user: (f"toread-FLT-9-{user}", f"c-{n}"))[:2])

    threads = [threading.Thread(target=judge, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(verdicts) == [("newer", 1)] + [("unchanged", 1)] * 7


@contextmanager
def worker(path: Path, oa: respx.Router) -> Iterator[WorkerTestClient]:
    """An OA worker process: its own versions on the shared file, OA answering every push."""
    oa.post(BASE_URL).mock(side_effect=echoing(example("oa/responses/PushToReadResponse.xml")))
    with oa_worker(path) as client:
        yield client


def test_two_workers_handling_a_notice_and_its_clearance_end_with_the_clearance_in_oa(tmp_path: Path) -> None:
    with respx.mock(assert_all_called=False) as oa, worker(tmp_path / "versions.db", oa) as a, \
            worker(tmp_path / "versions.db", oa) as b:
        assert a.send(fault("nsp-r1")).processed
        r1_pushes = [push for push, _ in a.sent]
        assert b.send(cleared("nsp-r2")).processed
        for push, _ in b.sent:
            result = b.send(push)
            assert result.processed and "overtaken" not in (result.outcome or "")
        for push in r1_pushes:  # A stopped before pushing them: B gets them
            result = b.send(push)
            assert result.processed and "overtaken" in (result.outcome or "")
        titles = [etree.fromstring(call.request.content).findtext(f"{{{OA}}}Title") or "" for call in oa.calls]
        assert titles and all(title.startswith("Fault notice cleared") for title in titles)
