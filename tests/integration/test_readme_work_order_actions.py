"""README's "Try it" shell examples against ``onepoint serve`` as ``scripts/dev run`` starts it (the emulators on,
here on free ports): the NSP emulator's automatic reply switched off with the README's command, then the shipped
``WorkOrderAction.valid-*.xml`` examples sent in turn over HTTP on every path the README names (before, NSP's reply
5 s after the dispatch took the work order on to IN_PROGRESS and ``valid-start.xml`` was refused 422); and the
bulletin example, copied as written, marking read the notice NSP numbered (before, it named ``FLT-20261203-0001``,
which NSP's random numbering never gives: 404)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.test_serve_system import ENV, WAIT, onepoint, ready, stop, wait_for
from tests.unit.workflow.test_work_order_action_examples import PATHS

pytestmark = pytest.mark.integration

README = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "examples" / "workorder"
CS = {"Content-Type": "application/xml", "Authorization": "Bearer cs-dev-token"}


def shell_example(name: str) -> tuple[str, list[str]]:
    """The README's shell block ``name``: its commands, and the answers its comments show (``# ...`` lines)."""
    block = re.search(rf"<!-- readme-example: {name} -->\n```sh\n(.*?)```", README, re.S)
    assert block, f"README example {name!r} not found"
    return block.group(1), [line[2:] for line in block.group(1).splitlines() if line.startswith("# ")]


def run_shell(script: str, hub: str, nsp: str) -> str:
    """``script`` run by bash as a person copies it, the documented ports moved to the ones the hub printed."""
    moved = script.replace("http://127.0.0.1:8000", hub).replace("http://127.0.0.1:8103", nsp)
    path = {**ENV, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{ENV.get('PATH', '')}"}
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", moved], capture_output=True, text=True, env=path,
                          timeout=WAIT, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def dev_run(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """``onepoint serve`` with the emulators, every port free: (the hub's URL, the NSP emulator's)."""
    out = tmp_path / "serve.out"
    with out.open("wb") as log:
        process = onepoint(["serve", "--port", "0", "--emulator-base-port", "0", "--smtp-port", "0"], tmp_path, log)
        try:
            wait_for(lambda: "Ctrl-C stops" in out.read_text("utf-8", "replace"), "the URL table", process)
            printed = out.read_text("utf-8")
            hub = re.search(r"OnePoint Hub on (http://127\.0\.0\.1:\d+)", printed).group(1)  # type: ignore[union-attr]
            nsp = re.search(r"emulator nsp\s*│ admin API\s*│ (http://127\.0\.0\.1:\d+)/__admin/",  # type: ignore[union-attr]
                            printed).group(1)
            wait_for(lambda: ready(hub), "the whole system to serve", process)
            yield hub, nsp
        finally:
            stop(process)


def fresh(name: str, work_order_id: str | None = None) -> bytes:
    """A shipped example with a MessageId of its own (one example is sent on several paths), naming the work order."""
    body = re.sub(rb"<c:MessageId>[^<]*", f"<c:MessageId>cs-{uuid.uuid4().hex[:16]}".encode(),
                  (EXAMPLES / name).read_bytes(), count=1)
    return body.replace(b"WO20261123A7K2M9Q1", work_order_id.encode()) if work_order_id else body


def state_of(answer: httpx.Response) -> str:
    found = re.search(rb"<wo:State>([^<]+)", answer.content)
    return found.group(1).decode() if found else answer.text[-400:]


def test_the_action_examples_in_turn_with_nsps_auto_reply_off_then_the_bulletin_example(
        dev_run: tuple[str, str]) -> None:
    hub, nsp = dev_run
    script, shown = shell_example("nsp-auto-reply-off")
    assert json.loads(run_shell(script, hub, nsp)) == json.loads(shown[0])  # the answer the README shows
    assert httpx.get(f"{nsp}/nsp/settings", timeout=WAIT).json()["auto_reply"] is False

    for path, steps in PATHS.items():
        created = httpx.post(f"{hub}/xml/workorder", content=fresh("CreateWorkOrder.valid.xml"), headers=CS,
                             timeout=WAIT)
        work_order_id = re.search(rb"<wo:WorkOrderId>([^<]+)", created.content).group(1).decode()  # type: ignore[union-attr]
        for action, state in steps:
            answered = httpx.post(f"{hub}/xml/workorder", headers=CS, timeout=WAIT,
                                  content=fresh(f"WorkOrderAction.valid-{action}.xml", work_order_id))
            assert (answered.status_code, state_of(answered)) == (200, state), f"{path}: {action}"
            if path == "handled-and-closed" and action == "dispatch":  # NSP got it, and schedules no reply for it
                wait_for(lambda named=work_order_id: any(t["work_order_id"] == named for t in httpx.get(  # type: ignore[misc]
                    f"{nsp}/nsp/tickets", timeout=WAIT).json()["tickets"]), "NSP's ticket")
                assert httpx.get(f"{nsp}/__admin/state", timeout=WAIT).json()["scheduled"] == []

    script, shown = shell_example("bulletin")  # run as a person types it: the notice shown before it is read
    raise_it, _, list_and_read = script.partition('echo "$notice"\n')
    notice_id = run_shell(raise_it + 'echo "$notice"\n', hub, nsp).strip()
    assert re.fullmatch(r"FLT-\d{8}-\d{4}", notice_id) and re.fullmatch(r"FLT-\d{8}-\d{4}", shown[0])
    wait_for(lambda: notice_id in httpx.get(f"{hub}/bulletin", params={"agent": "cs-0001"}, timeout=WAIT,
                                            auth=("cs-frontend", "cs-dev-password")).text, "the notice on the bulletin")
    listed, read = answers(run_shell(f"notice={notice_id}\n{list_and_read}", hub, nsp))
    assert [n["notice_id"] for n in listed["notices"]] == [notice_id]
    assert (read["notice_id"], read["read"], read["unread"]) == (notice_id, True, False)

    # README: an example of SourceSystem HUB is the hub's own: refused 403 to a caller sending it with CS's token
    for system, name in (("boss", "QueryCustomerTier.valid.xml"), ("dsmp", "QuerySmsLog.valid.xml")):
        sent = httpx.post(f"{hub}/xml/{system}", headers=CS, timeout=WAIT,
                          content=(EXAMPLES.parent / system / name).read_bytes())
        assert sent.status_code == 403, (name, sent.text[-300:])


def answers(printed: str) -> list[dict[str, object]]:
    """The JSON objects curl printed one after the other (no newline between them)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(printed.rstrip()):
        value, at = decoder.raw_decode(printed, at)
        found.append(value)
        while at < len(printed) and printed[at].isspace():
            at += 1
    return found
