"""A clearance sent without a Revision clears the revision kept when it is judged, whichever OA worker accepted that
revision and whenever: another worker accepting r2 between the clearance's first reading of the kept revision and its
judgement must not make it 'r1 cleared' (older than r2 ACTIVE: stale), which would leave the outage ACTIVE in every
manager's to-read for good. The interleavings are forced by a hook at the reading, not by timing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import respx
from lxml import etree

from adapters.oa import NoticeBookFile, ToReadVersions
from hub.workers import WorkerTestClient
from tests.unit.adapters.oa.oa_kit import OA
from tests.unit.adapters.oa.test_oa_notice_versions import cleared, fault
from tests.unit.adapters.oa.workers import oa_worker
from tests.unit.adapters.soap_kit import BASE_URL, echoing, example

pytestmark = pytest.mark.unit

NOTICE = "FLT-20261123-0007"


class ReadThenRun(ToReadVersions):
    """A worker's versions that run ``between`` (once) right after its handler read the kept revision."""

    between: Callable[[], object] | None = None

    def kept_revision(self, notice_id: str) -> int | None:
        kept = super().kept_revision(notice_id)
        if self.between is not None:
            run, self.between = self.between, None
            run()
        return kept


@contextmanager
def two_workers(path: Path, oa: respx.Router) -> Iterator[tuple[WorkerTestClient, WorkerTestClient, ReadThenRun]]:
    """Worker A, and worker B whose reading of the kept revision the test can interleave with A's work."""
    oa.post(BASE_URL).mock(side_effect=echoing(example("oa/responses/PushToReadResponse.xml")))
    b_versions = ReadThenRun(book=NoticeBookFile(path))
    with oa_worker(path) as a, oa_worker(path, b_versions) as b:
        yield a, b, b_versions


def kept(path: Path) -> tuple[int, bool] | None:
    versions = ToReadVersions(book=NoticeBookFile(path))
    try:
        with versions.book.page() as page:
            notice = page.get(NOTICE)
        return None if notice is None else (notice.revision, notice.cleared)
    finally:
        versions.close()


@pytest.mark.parametrize("r2_accepted", ["before the reading", "between the reading and the judgement"])
def test_a_clearance_without_revision_clears_the_revision_another_worker_accepted(
        tmp_path: Path, r2_accepted: str) -> None:
    path = tmp_path / "onepoint-oa-notices.db"
    r2 = fault("nsp-r2", "2", **{"<nsp:Title>": b"<nsp:Title>Update: "})
    with respx.mock(assert_all_called=False) as oa, two_workers(path, oa) as (a, b, b_versions):
        assert a.send(fault("nsp-r1", "1")).processed
        a.sent.clear()
        if r2_accepted == "before the reading":
            assert a.send(r2).processed
        else:
            b_versions.between = lambda: a.send(r2)
        clearance = b.send(cleared("nsp-clear", None))
        assert b_versions.between is None  # the hook ran (or was never set)
        assert clearance.processed and "stale" not in (clearance.outcome or ""), clearance.outcome
        assert kept(path) == (2, True)
        assert b.sent, "the clearance announced no to-read"
        for push, _ in b.sent:  # what the clearance announced: revision 2, cleared
            document = etree.fromstring(push.payload)
            assert (document.findtext(f".//{{{OA}}}Title") or "").startswith("Fault notice cleared")
            assert "(revision 2)" in etree.tostring(document, encoding="unicode")
            assert "overtaken" not in (b.send(push).outcome or "")
        for push, _ in a.sent:  # r2 ACTIVE's pushes, late: the clearance is in OA already
            assert "overtaken" in (b.send(push).outcome or "")
