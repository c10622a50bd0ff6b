"""A benchmark consumer running in a child process, driven over its stdin/stdout (one line each).

The child prints ``ready``; ``expect N`` → ``armed``, then ``done HANDLED DUPLICATES`` once N more deliveries
were handled; EOF on its stdin closes it. ``bench/pipeline/worker.py`` (the hub's consumer) and
``bench/pipeline/minimal_worker.py`` (the minimal pipeline's) both speak it.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from bench.pipeline.raw import BenchFailure

__all__ = ["REPO", "WorkerProcess"]

REPO = Path(__file__).resolve().parents[2]


class WorkerProcess:
    """``python bench/pipeline/<script> ARGS...`` as a child, with the expect/done protocol."""

    def __init__(self, script: str, *args: str) -> None:
        self.name = script
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "bench" / "pipeline" / script), *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO,
        )
        self._expect_line("ready", 60)

    def _expect_line(self, word: str, timeout: float) -> list[str]:
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(self.proc.stdout.readline() if self.proc.stdout else ""),
                                  daemon=True)
        reader.start()
        reader.join(timeout)
        fields = result[0].split() if result else []
        if not fields or fields[0] != word:
            raise BenchFailure(f"{self.name}: expected {word!r}, got {result or 'nothing in time'}")
        return fields[1:]

    def expect(self, n: int) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"expect {n}\n")
        self.proc.stdin.flush()
        self._expect_line("armed", 30)

    def wait(self, timeout: float) -> tuple[int, int]:
        handled, duplicates = self._expect_line("done", timeout)
        return int(handled), int(duplicates)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
