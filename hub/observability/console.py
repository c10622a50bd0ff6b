"""The console the reports for people are printed on (`onepoint stats`, `workorders`, `serve`'s endpoints, the
demo's and the simulator's reports): as wide as the terminal on a terminal, else ``REPORT_WIDTH`` columns — a file
or a pipe would get rich's 80, which cuts ids and splits figures over lines."""

from __future__ import annotations

import sys

from rich.console import Console

__all__ = ["REPORT_WIDTH", "report_console"]

REPORT_WIDTH = 160  # columns when standard output is no terminal


def report_console() -> Console:
    """A console on standard output, ``REPORT_WIDTH`` wide unless it is a terminal."""
    return Console(width=None if sys.stdout.isatty() else REPORT_WIDTH)
