"""The whole system on one command: ``onepoint serve`` as a real process (hub + in-process workers + the six
emulators) answers a SOAP QueryCustomerTier with the seeded customer's tier and shows NSP's outage notice on the
bulletin; on RabbitMQ the same with ``--no-workers`` and two competing ``onepoint worker boss`` processes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from emulators.population import generate_population
from emulators.toolkit import EmulatorAdmin
from hub.validation import schema_directory
from tests.support.ports import free_port_run
from tests.support.servers import free_port

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import zeep
    from zeep.wsse.username import UsernameToken

WAIT = 60.0  # seconds before a missing start or answer fails a test (never asserted on)
ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}
DEFAULTS = Path(__file__).resolve().parents[2] / "hub" / "config" / "defaults.toml"
README = Path(__file__).resolve().parents[2] / "README.md"


def wait_for(predicate: Callable[[], bool], what: str, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + WAIT
    while not predicate():
        if process is not None and process.poll() is not None:
            pytest.fail(f"the process exited ({process.returncode}) while waiting for {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def ready(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/readyz", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def onepoint(args: list[str], cwd: Path, log: IO[bytes]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-W", "ignore", "-m", "hub.cli.main", *args], cwd=cwd,
                            stdout=log, stderr=subprocess.STDOUT, env=ENV)


def stop(process: subprocess.Popen[bytes]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(WAIT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(WAIT)
        raise


def create_work_order(message_id: str) -> bytes:
    """The schema's CreateWorkOrder example under ``message_id``."""
    with schema_directory() as directory:
        document = Path(directory, "examples/workorder/CreateWorkOrder.valid.xml").read_bytes()
    return re.sub(rb"<c:MessageId>[^<]*</c:MessageId>", f"<c:MessageId>{message_id}</c:MessageId>".encode(), document)


def seeded_customer() -> Any:
    """A subscriber of the emulators' default population (seed 0, 1000 subscribers) with several identities."""
    population = generate_population(0, 1000, hlr_drift_share=0.1)
    return next(s for s in population.subscribers if len(s.identities) > 1)


def query_tier(base_url: str, msisdn: str, message_id: str) -> Any:
    caller = zeep.Client(f"{base_url}/soap/boss?wsdl",
                         wsse=UsernameToken("cs-frontend", "cs-dev-password", use_digest=True))
    header = {"MessageId": message_id, "SourceSystem": "CS", "SentAt": "2026-11-23T09:15:00+08:00"}
    return caller.service.QueryCustomerTier(Header=header, Msisdn=msisdn)


def rabbitmq_config(url: str, tmp_path: Path, *, emulator_base: int = 8101) -> Path:
    """The built-in settings on RabbitMQ (a fresh prefix), the adapters calling emulators from ``emulator_base``."""
    settings = DEFAULTS.read_text("utf-8").replace('url = "memory://"', f'url = "{url}"')
    settings = settings.replace('prefix = "onepoint"', f'prefix = "s{uuid.uuid4().hex[:8]}"')
    for index in range(5):
        settings = settings.replace(f"127.0.0.1:{8101 + index}/", f"127.0.0.1:{emulator_base + index}/")
    config = tmp_path / "hub.toml"
    config.write_text(settings, "utf-8")
    return config


@pytest.fixture
def system(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen[bytes]]]:
    """``onepoint serve`` with no config, on a free port it chooses (``--port 0``), the emulators on free ports."""
    out = tmp_path / "serve.out"
    with out.open("wb") as log:
        process = onepoint(["serve", "--port", "0", "--emulator-base-port", "0"], tmp_path, log)
        found: list[str] = []

        def banner() -> bool:
            printed = re.search(r"OnePoint Hub on (http://127\.0\.0\.1:(\d+))", out.read_text("utf-8", "replace"))
            if printed is not None and printed.group(2) not in ("0", "8000"):
                found.append(printed.group(1))
            return bool(found)

        try:
            wait_for(banner, "the banner naming the hub's port", process)
            base_url = found[0]
            wait_for(lambda: ready(base_url), "the whole system to serve", process)
            yield base_url, out, process
        finally:
            stop(process)


@pytest.mark.integration
def test_one_command_runs_the_hub_its_workers_and_the_emulators(
        system: tuple[str, Path, subprocess.Popen[bytes]]) -> None:
    base_url, out, process = system
    printed = out.read_text("utf-8")
    assert f"{base_url}/soap/boss?wsdl" in printed and f"{base_url}/bulletin?agent=ID" in printed
    emulators = dict(re.findall(r"emulator (\w+)\s*│ admin API\s*│ (http://127\.0\.0\.1:\d+)/__admin/", printed))
    assert sorted(emulators) == ["boss", "crm", "dsmp", "mail", "nsp", "oa"]

    sub = seeded_customer()
    answer = query_tier(base_url, sub.msisdn, "sys-tier-0000001")
    assert (answer.Msisdn, answer.EffectiveTier, answer.Brand) == (sub.msisdn, sub.effective_tier, sub.brand)
    assert [i.Tier for i in answer.Identity] == [i.tier for i in sub.identities]
    script = out.parent / "tier.py"  # the README's example, as written
    script.write_text(re.search(r"<!-- readme-example: tier -->\n```python\n(.*?)```", README.read_text("utf-8"),
                                re.S).group(1))  # type: ignore[union-attr]
    example = subprocess.run([sys.executable, "-W", "ignore", str(script)], capture_output=True, text=True,
                             env={**ENV, "ONEPOINT_URL": base_url}, timeout=WAIT, check=False)
    assert example.stdout.split() == ["True", "True"], example.stderr
    readiness = httpx.get(f"{base_url}/readyz").json()
    assert readiness["status"] == "ok" and readiness["circuits"]["boss"] == "closed"
    looked_up = {sub.msisdn, generate_population(0, 1000).subscribers[7].msisdn}  # each once, then cached
    assert f'onepoint_gateway_call_seconds_count{{outcome="ok",system="boss"}} {len(looked_up)}.0' in httpx.get(
        f"{base_url}/metrics").text
    script = out.parent / "soap.py"  # the README's work-order example: answered by the workflow,
    # which asks BOSS itself (its own tier cache, not the ingress's reply cache)
    script.write_text(re.search(r"<!-- readme-example: soap -->\n```python\n(.*?)```", README.read_text("utf-8"),
                                re.S).group(1))  # type: ignore[union-attr]
    example = subprocess.run([sys.executable, "-W", "ignore", str(script)], capture_output=True, text=True,
                             env={**ENV, "ONEPOINT_URL": base_url}, timeout=WAIT, check=False)
    assert example.stdout.split() == ["COMPLETED", "ACCEPTED", "True"], example.stderr

    # the link OA's items carry: GET /workorders/ID, the work order as QueryWorkOrder answers it (the complaint
    # front end any; OA only one it has an item of: this one it has none of, answered as unknown)
    created = httpx.post(f"{base_url}/xml/workorder", content=create_work_order(f"cs-link-{uuid.uuid4().hex[:12]}"),
                         headers={"Content-Type": "application/xml", "Authorization": "Bearer cs-dev-token"},
                         timeout=WAIT)
    work_order_id = re.search(rb"<wo:WorkOrderId>(WO\w+)</wo:WorkOrderId>", created.content).group(1).decode()  # type: ignore[union-attr]
    shown = httpx.get(f"{base_url}/workorders/{work_order_id}", headers={"Authorization": "Bearer cs-dev-token"},
                      timeout=WAIT)
    assert shown.status_code == 200 and b"QueryWorkOrderResponse" in shown.content
    assert f"<wo:WorkOrderId>{work_order_id}</wo:WorkOrderId>".encode() in shown.content
    assert httpx.get(f"{base_url}/workorders/WO20260101AAAAAAAA", headers={"Authorization": "Bearer oa-dev-token"},
                     timeout=WAIT).status_code == 404
    assert httpx.get(f"{base_url}/workorders/{work_order_id}", headers={"Authorization": "Bearer oa-dev-token"},
                     timeout=WAIT).status_code == 404
    assert httpx.get(f"{base_url}/workorders/{work_order_id}", timeout=WAIT).status_code == 401
    assert httpx.get(f"{base_url}/workorders/{work_order_id}", headers={"Authorization": "Bearer nsp-dev-token"},
                     timeout=WAIT).status_code == 403

    # NSP raises an outage: its call-back reaches the hub, the broadcast reaches the bulletin's worker
    raised = httpx.post(f"{emulators['nsp']}/nsp/outages", timeout=10, json={
        "title": "Futian base station down", "wording": "部分用户暂时无法通话，正在抢修。", "services": ["VOICE"],
        "areas": [{"area_code": "0755", "district": "Futian"}]}).json()

    def on_bulletin() -> bool:
        listed = httpx.get(f"{base_url}/bulletin", params={"agent": "cs-0001"}, auth=("cs-frontend", "cs-dev-password"))
        return [(n["notice_id"], n["unread"]) for n in listed.json()["notices"]] == [(raised["notice_id"], True)]

    wait_for(on_bulletin, "the outage notice on the bulletin", process)

    assert stop(process) == 0  # a completed stop is a success (hub/cli/graceful.py: the signal is not raised again)
    events = [line for line in out.read_text("utf-8").splitlines() if '"event": "workers stopped"' in line
              or '"event": "emulators stopped"' in line]
    assert [e.split('"event": "')[1].split('"')[0] for e in events] == ["workers stopped", "emulators stopped"]
    assert all(c in events[0] for c in ("boss", "crm", "nsp", "dsmp", "oa", "bulletin", "workflow"))
    for url in emulators.values():
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{url}/__admin/state", timeout=2)


@pytest.mark.integration
@pytest.mark.rabbitmq
def test_on_rabbitmq_separate_worker_processes_answer_as_competing_consumers(rabbitmq_server: Any,
                                                                              tmp_path: Path) -> None:
    port, base = free_port(), free_port_run(6)
    config = rabbitmq_config(rabbitmq_server.url, tmp_path, emulator_base=base)
    base_url = f"http://127.0.0.1:{port}"
    processes: list[subprocess.Popen[bytes]] = []
    logs = [tmp_path / name for name in ("hub.out", "worker-1.out", "worker-2.out")]
    try:
        with logs[0].open("wb") as log:
            hub = onepoint(["serve", "--config", str(config), "--port", str(port), "--no-workers", "--emulators",
                            "--emulator-base-port", str(base), "--log-level", "WARNING"], tmp_path, log)
        processes.append(hub)
        wait_for(lambda: ready(base_url), "the hub", hub)
        for path in logs[1:]:
            with path.open("wb") as log:
                processes.append(onepoint(["worker", "boss", "--config", str(config), "--log-level", "WARNING"],
                                          tmp_path, log))
        for worker, path in zip(processes[1:], logs[1:], strict=True):
            wait_for(lambda path=path: "consuming " in path.read_text("utf-8"), "a boss worker", worker)
        sub = seeded_customer()
        answer = query_tier(base_url, sub.msisdn, "sys-amqp-0000001")
        assert (answer.EffectiveTier, answer.Brand) == (sub.effective_tier, sub.brand)
        others = [s for s in generate_population(0, 1000, hlr_drift_share=0.1).subscribers
                  if s.msisdn != sub.msisdn][:10]
        for n, other in enumerate(others):
            assert query_tier(base_url, other.msisdn, f"sys-amqp-{n + 2:07d}").EffectiveTier == other.effective_tier
        with EmulatorAdmin(f"http://127.0.0.1:{base}") as boss:
            assert boss.count("QueryCustomerTier") == 11  # each lookup handled once, by one of the two workers
    finally:
        codes = [stop(p) for p in reversed(processes)]
    assert codes == [0, 0, 0], "\n".join(path.read_text() for path in logs)


@pytest.mark.integration
@pytest.mark.rabbitmq
def test_on_rabbitmq_the_workers_run_in_the_hubs_process_by_default(rabbitmq_server: Any, tmp_path: Path) -> None:
    port = free_port()
    config = rabbitmq_config(rabbitmq_server.url, tmp_path)
    base_url = f"http://127.0.0.1:{port}"
    with (tmp_path / "hub.out").open("wb") as log:
        hub = onepoint(["serve", "--config", str(config), "--port", str(port), "--emulators",
                        "--emulator-base-port", "0", "--hub-token", "nsp=nsp-dev-token"], tmp_path, log)
    try:
        wait_for(lambda: ready(base_url), "the hub", hub)
        printed = (tmp_path / "hub.out").read_text("utf-8")
        assert re.search(r"\.boss\s*│ worker in this process", printed), printed
        sub = seeded_customer()
        answer = query_tier(base_url, sub.msisdn, "sys-inproc-000001")
        assert (answer.EffectiveTier, answer.Brand) == (sub.effective_tier, sub.brand)
        nsp = re.search(r"emulator nsp\s*│ admin API\s*│ (http://127\.0\.0\.1:\d+)/__admin/", printed).group(1)  # type: ignore[union-attr]
        raised = httpx.post(f"{nsp}/nsp/outages", timeout=10, json={
            "title": "Binjiang cut-over", "wording": "网络割接，通话可能短时中断。", "services": ["VOICE"],
            "areas": ["0571"]}).json()

        def on_bulletin() -> bool:
            listed = httpx.get(f"{base_url}/bulletin", params={"agent": "cs-0002", "area": "0571"},
                               headers={"Authorization": "Bearer cs-dev-token"}).json()
            return [n["notice_id"] for n in listed["notices"]] == [raised["notice_id"]]

        wait_for(on_bulletin, "the outage notice on the bulletin", hub)
    finally:
        code = stop(hub)
    assert code == 0, (tmp_path / "hub.out").read_text()
    assert '"event": "workers stopped"' in (tmp_path / "hub.out").read_text()


@pytest.mark.integration
def test_serve_says_which_worker_could_not_start(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from hub.cli.main import main

    config = tmp_path / "hub.toml"  # BOSS where nothing listens; no other system configured
    config.write_text(f'[adapters.boss]\nurl = "http://127.0.0.1:{free_port()}/"\nconnect_timeout = 1\n')
    result = CliRunner().invoke(main, ["serve", "--config", str(config), "--port", str(free_port())])
    assert result.exit_code == 1
    assert "cannot start the boss worker" in result.output and "boss WSDL" in result.output
