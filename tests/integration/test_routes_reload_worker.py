"""``onepoint routes reload --pid-file`` on a real ``onepoint worker`` process: the outcome comes back (exit 0 with
the table taken, 1 with every error when the table is refused and the running one stays); the files go at exit."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.support.rabbitmq_server import RabbitMQServer

pytestmark = pytest.mark.integration

BUILTIN = Path(__file__).resolve().parents[2] / "hub" / "routing" / "default_routes.toml"


def onepoint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-W", "ignore", "-m", "hub.cli.main", *args], capture_output=True,
                          text=True, check=False, timeout=60, env={**os.environ, "PYTHONWARNINGS": "ignore"})


@pytest.mark.rabbitmq
def test_a_worker_reports_each_reload_and_keeps_its_table_when_the_new_one_is_refused(
        tmp_path: Path, rabbitmq_server: RabbitMQServer) -> None:
    routes = tmp_path / "routes.toml"
    routes.write_text(BUILTIN.read_text("utf-8"), "utf-8")
    config = tmp_path / "hub.toml"  # a worker refuses memory://: nothing could publish to it
    config.write_text(f'[broker]\nurl = "{rabbitmq_server.url}"\nprefix = "r{uuid.uuid4().hex[:8]}"\n'
                      '[routing]\nfile = "routes.toml"\n', "utf-8")
    pid_file = tmp_path / "worker.pid"
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-W", "ignore", "-m", "hub.cli.main", "worker", "workflow", "--config", str(config),
         "--store", "memory://", "--pid-file", str(pid_file), "--log-level", "INFO"],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONWARNINGS": "ignore"}, cwd=tmp_path)
    try:
        end = time.monotonic() + 60
        while not pid_file.exists():
            assert process.poll() is None and time.monotonic() < end, (tmp_path / "worker.log").read_text()
            time.sleep(0.05)
        taken = onepoint("routes", "reload", "--pid-file", str(pid_file))
        assert taken.returncode == 0, taken.stderr
        count = BUILTIN.read_text("utf-8").count("[[routes]]")  # the built-in table's routes
        assert f"process {process.pid} reloaded its routing table: {routes}, {count} routes" in taken.stdout
        again = onepoint("routes", "reload", "--pid-file", str(pid_file))  # a second one is told from the first
        assert again.returncode == 0 and f"{count} routes" in again.stdout, again.stderr

        routes.write_text(routes.read_text("utf-8") + '\n[[routes]]\nname = "x"\ncommands = ["nsp.*"]\n'
                          'to = ["billing"]\n', "utf-8")
        refused = onepoint("routes", "reload", "--pid-file", str(pid_file))
        assert refused.returncode == 1, refused.stdout
        assert f"process {process.pid} kept its routing table" in refused.stderr
        assert "route 'x': unknown target 'billing'" in refused.stderr

        routes.write_bytes(("# 路由表\n" + BUILTIN.read_text("utf-8")).encode("gbk"))  # an editor's GBK (audit d16)
        gbk = onepoint("routes", "reload", "--pid-file", str(pid_file))
        assert gbk.returncode == 1, gbk.stdout
        assert f"process {process.pid} kept its routing table: {routes}: not UTF-8 text" in gbk.stderr
        assert process.poll() is None  # before the fix: UnicodeDecodeError out of the reload, the worker died
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0
        log.close()
    assert not pid_file.exists() and not (tmp_path / "worker.pid.reload").exists()
    lines = (tmp_path / "worker.log").read_text()
    assert lines.count('"routing table reloaded"') == 2 and lines.count('"routing table not reloaded') == 2


def test_without_an_answer_reload_fails_and_says_why(tmp_path: Path) -> None:
    """A process that runs as `onepoint` and takes SIGHUP but writes no outcome (an old hub, a wrapper): the
    command waits, then exits 1."""
    script = tmp_path / "onepoint"  # its command line names onepoint: a stranger's would not be signalled
    script.write_text("import signal, time\nsignal.signal(signal.SIGHUP, signal.SIG_IGN)\ntime.sleep(60)\n")
    sleeper = subprocess.Popen([sys.executable, str(script)])
    try:
        pid_file = tmp_path / "other.pid"
        pid_file.write_text(f"{sleeper.pid}\n")
        result = onepoint("routes", "reload", "--pid-file", str(pid_file), "--wait", "0.5")
        assert result.returncode == 1
        assert f"process {sleeper.pid} did not say within 0.5 s" in result.stderr
    finally:
        sleeper.kill()
        sleeper.wait()
