"""``onepoint routes reload --pid-file`` with a pid file a dead hub left behind, its process id since given to
another program: refused in one line, nothing signalled (a SIGHUP would have terminated that program)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.cli.pid_files import command_line, is_onepoint

pytestmark = pytest.mark.unit

needs_proc = pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")


@needs_proc
def test_a_pid_file_naming_another_program_is_refused_and_it_lives_on(tmp_path: Path) -> None:
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        end = time.monotonic() + 10
        while command_line(stranger.pid) != ["sleep", "60"]:  # exec'd
            assert time.monotonic() < end
            time.sleep(0.01)
        pid_file = tmp_path / "hub.pid"
        pid_file.write_text(f"{stranger.pid}\n")
        result = CliRunner().invoke(main, ["routes", "reload", "--pid-file", str(pid_file), "--wait", "0.5"])
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
        assert result.output.splitlines() == [
            f"Error: {pid_file}: process {stranger.pid} is not `onepoint serve` or `onepoint worker` (it runs "
            f"'sleep 60'): a stale pid file, nothing signalled (--pid {stranger.pid} signals it anyway)"]
        assert stranger.poll() is None  # not signalled: SIGHUP would have ended it
    finally:
        stranger.kill()
        stranger.wait()


@needs_proc
def test_a_pid_file_naming_no_process_is_refused(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    pid_file = tmp_path / "hub.pid"
    pid_file.write_text(f"{gone.pid}\n")
    result = CliRunner().invoke(main, ["routes", "reload", "--pid-file", str(pid_file), "--wait", "0.5"])
    assert result.exit_code == 1
    assert f"no process {gone.pid}" in result.output


@pytest.mark.parametrize(("arguments", "expected"), [
    (["/srv/onepoint/.venv/bin/python", "/srv/onepoint/.venv/bin/onepoint", "serve", "--pid-file", "x"], True),
    (["/usr/bin/python3", "-W", "ignore", "-m", "hub.cli.main", "worker", "workflow"], True),
    (["/srv/onepoint/.venv/bin/onepoint", "worker", "boss"], True),
    (["sleep", "300"], False),
    (["tail", "-f", "/var/log/onepoint-hub.log"], False),
    ([], False),
])
def test_which_command_lines_are_onepoint(arguments: list[str], expected: bool) -> None:
    assert is_onepoint(arguments) is expected


def test_serve_with_a_pid_file_in_a_missing_folder_is_one_line_before_anything_starts(tmp_path: Path) -> None:
    """A systemd unit's /run/onepoint/hub.pid before RuntimeDirectory= (audit of configuration, repro_8): before,
    the hub, its workers and emulators started, then the pid file's write ended it in a traceback."""
    pid_file = tmp_path / "no-such-folder" / "hub.pid"
    shown = CliRunner().invoke(main, ["serve", "--port", "0", "--pid-file", str(pid_file)])
    assert shown.exit_code == 1, shown.output
    assert f"--pid-file {pid_file}: the folder {pid_file.parent} does not exist" in shown.output
    assert "Traceback" not in shown.output and isinstance(shown.exception, SystemExit)
