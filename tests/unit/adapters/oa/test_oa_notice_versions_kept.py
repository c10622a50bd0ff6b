"""The OA adapter's record of each notice's newest version is kept in a file (``NoticeBookFile``, beside the
bulletin's) that every OA worker process of the hub shares and that outlives a restart: a stale ACTIVE revision
arriving after a restart, or at another worker, pushes nothing (before, the record was in the worker's memory and
such a revision reopened the managers' cleared to-reads, docs/outages.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
import respx

from adapters.oa import (
    NoticeBookFile,
    NoticeVersion,
    ToReadVersions,
    close,
    dependencies,
)
from hub.config.settings import load_settings
from hub.workers import WorkerTestClient
from tests.unit.adapters.oa.records_kit import OpensVersions
from tests.unit.adapters.oa.test_oa_notice_versions import cleared, fault
from tests.unit.adapters.oa.workers import oa_worker
from tests.unit.adapters.soap_kit import BASE_URL, registry, settings

pytestmark = pytest.mark.unit

CLEARED_R2, ACTIVE_R1 = NoticeVersion(2, True), NoticeVersion(1, False)


def test_a_restarted_worker_judges_a_stale_revision_against_the_record(versions: OpensVersions) -> None:
    first = versions()
    assert first.offer("FLT-1", CLEARED_R2, "cleared", "m-cleared")[:2] == ("newer", 1)
    first.close()
    restarted = versions()
    assert restarted.kept_revision("FLT-1") == 2
    assert restarted.offer("FLT-1", ACTIVE_R1, "active", "m-late")[:2] == ("stale", 1)
    assert restarted.offer("FLT-1", CLEARED_R2, "cleared", "m-resent")[:2] == ("unchanged", 1)
    assert restarted.offer("FLT-1", CLEARED_R2, "cleared", "m-cleared")[:2] == ("newer", 1)  # its own retry
    assert restarted.offer("FLT-1", NoticeVersion(3, False), "reopened", "m-r3")[:2] == ("newer", 2)


def test_two_workers_on_one_record_see_each_others_versions(versions: OpensVersions) -> None:
    one, two = versions(), versions()
    assert one.offer("FLT-1", ACTIVE_R1, "active", "m-1")[:2] == ("newer", 1)
    assert two.offer("FLT-1", CLEARED_R2, "cleared", "m-2")[:2] == ("newer", 2)
    assert one.offer("FLT-1", ACTIVE_R1, "active", "m-3")[:2] == ("stale", 2)


def test_hubs_of_other_topology_prefixes_keep_their_own_versions(versions: OpensVersions) -> None:
    ours, theirs = versions("onepoint"), versions("other")
    assert ours.offer("FLT-1", CLEARED_R2, "cleared", "m-1")[:2] == ("newer", 1)
    assert theirs.offer("FLT-1", ACTIVE_R1, "active", "m-2")[:2] == ("newer", 1)


def test_the_wired_adapter_keeps_them_beside_the_bulletins_file(tmp_path: Path) -> None:
    configured = load_settings()
    configured = replace(configured, bulletin=replace(configured.bulletin, path=tmp_path / "bulletin.db"),
                         adapters=(settings("oa"),))
    built = dependencies(configured, registry=registry())
    try:
        versions = built["to_read_versions"]
        assert isinstance(versions, ToReadVersions) and isinstance(versions.book, NoticeBookFile)
        assert versions.book.path == tmp_path / "onepoint-oa-notices.db"
        assert versions.book.prefix == configured.topology_prefix
    finally:
        close(built)


@contextmanager
def worker(path: Path) -> Iterator[WorkerTestClient]:
    """An OA worker whose versions are kept in ``path`` (one per process: a restart is a new one)."""
    with respx.mock(assert_all_called=False) as router:
        router.post(BASE_URL)
        with oa_worker(path) as client:
            yield client


def test_after_a_restart_a_late_active_revision_sends_no_to_read(tmp_path: Path) -> None:
    with worker(tmp_path / "versions.db") as before:
        assert before.send(cleared("nsp-cleared-r2")).processed
        assert before.sent  # the clearance's to-reads
    with worker(tmp_path / "versions.db") as after:
        result = after.send(fault("nsp-late-active-r1"))
        assert result.processed and "stale" in (result.outcome or "")
        assert after.sent == []
