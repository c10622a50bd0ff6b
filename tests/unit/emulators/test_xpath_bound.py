"""A journal query's time budget bounds its XPath for real: the XPath runs in a child process that is stopped at
the deadline, so one costly expression over one large request is a 400 at the budget, not hours later."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from emulators.toolkit import in_process_emulator
from emulators.toolkit.journal import Journal
from emulators.toolkit.journalquery import JournalQuery, JournalQueryTimeout, XPathQueryError, search
from emulators.toolkit.xpathworker import XPathWorkerAbandoned, XPathWorkerError, evaluate
from tests.unit.emulators.demo_apps import DEMO_NS, make_xml_emulator, ping

pytestmark = pytest.mark.unit

# cubic in the number of <b/>: hours of libxml2 time on 5,000 of them, stopped at the budget
FOREVER = "count(//b[count(preceding::b[count(preceding::b) > count(following::b)]) = 1])"


def children() -> set[str]:
    """This process's child processes (Linux), to see that a stopped XPath leaves none behind."""
    tasks = Path(f"/proc/{os.getpid()}/task")
    return {pid for task in tasks.iterdir() for pid in (task / "children").read_text().split()}


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
@pytest.mark.timeout(120, method="thread")  # without the bound it runs for hours: this ends the run
def test_a_costly_xpath_is_stopped_at_the_budget() -> None:
    with in_process_emulator(make_xml_emulator(journal_query_seconds=0.5)) as demo:
        demo.http.post("/", content=b"<a>" + b"<b/>" * 5000 + b"</a>")
        before = children()
        answer = demo.http.get("/__admin/journal/count", params={"xpath": FOREVER})
        assert answer.status_code == 400
        assert "took over 0.5 s" in answer.json()["error"]
        assert children() <= before  # the child evaluating it was killed and reaped
        demo.http.post("/", content=ping())  # the emulator goes on
        assert demo.admin.count("Ping") == 1


def journal_of(*bodies: bytes) -> Journal:
    journal = Journal()
    for body in bodies:
        journal.record(time=0.0, operation="Op", method="POST", path="/", status=200, latency=0.0,
                       request_body=body, response_body=b"", faults=(), generation=journal.generation)
    return journal


@pytest.mark.parametrize(("xpath", "namespaces", "expected"), [
    ("/d:Ping", {"d": DEMO_NS}, [0]),
    ("//d:msisdn[. = '13800138000']", {"d": DEMO_NS}, [0]),
    ("count(//b) > 1", None, [1]),
    ("string(/a/@k)", None, [1]),
    ("count(//b)", None, [1]),
    ("boolean(//nothing)", None, []),
])
def test_the_child_matches_as_the_emulator_does(xpath: str, namespaces: dict[str, str] | None,
                                                expected: list[int]) -> None:
    entries = journal_of(ping(), b'<a k="v"><b/><b/></a>', b"not xml").snapshot()
    query = JournalQuery(xpath=xpath, namespaces=namespaces)
    bounded = search(entries, query, max_seconds=30.0).entries
    assert [entries.index(e) for e in bounded] == expected
    assert search(entries, query).entries == bounded  # the same as evaluated here, without a budget


def test_an_xpath_failing_on_a_document_is_a_query_error() -> None:
    entries = journal_of(b"<a/>").snapshot()
    with pytest.raises(XPathQueryError, match="failed") as caught:
        search(entries, JournalQuery(xpath="//x:a"), max_seconds=30.0)
    assert not isinstance(caught.value, JournalQueryTimeout)
    with pytest.raises(XPathWorkerError):
        evaluate("//x:a", None, [b"<a/>"], 30.0)
    assert evaluate("//a", None, [], 30.0) == []  # nothing to judge: no child at all


@pytest.mark.timeout(120, method="thread")  # without the stop it runs until its 60 s budget
def test_an_xpath_whose_client_went_away_is_stopped() -> None:
    gone = threading.Event()
    gone.set()
    with pytest.raises(XPathWorkerAbandoned):
        evaluate(FOREVER, None, [b"<a>" + b"<b/>" * 5000 + b"</a>"], 60.0, abandoned=gone)


@pytest.mark.timeout(120, method="thread")
def test_a_query_without_xpath_never_waits_for_an_xpath_slot() -> None:
    app = make_xml_emulator()
    with in_process_emulator(app) as demo:
        demo.http.post("/", content=ping())
        slots = app._admin._queries
        held = [slots.acquire(blocking=False) for _ in range(2)]
        assert held == [True, True]  # both XPath slots busy (two costly queries running)
        answers: dict[str, int] = {}
        plain = threading.Thread(target=lambda: answers.update(plain=demo.admin.count("Ping")))
        listed = threading.Thread(target=lambda: answers.update(listed=len(demo.admin.journal(operation="Ping"))))
        for thread in (plain, listed):
            thread.start()
            thread.join(60)
        assert answers == {"plain": 1, "listed": 1}
        queued = threading.Thread(target=lambda: answers.update(xpath=demo.admin.count(xpath="/*")))
        queued.start()
        queued.join(0.5)
        assert "xpath" not in answers  # an XPath query still waits for a slot
        slots.release()
        queued.join(60)
        assert answers["xpath"] == 1
        slots.release()
