"""How a demo run is shown: a timeline table per flow, then a summary (flows passed or failed, messages, dead
letters, the audit chain, timing). ``as_json`` gives the same for scripts.

The timeline's rows are in the order things happened (``t``: seconds since the demo started): a caller's request
when it was sent, the hub's acceptance when the request reached the hub, a system's call when the system got it,
a worker's step when it had handled its message, an answer when the caller got it. ``took`` is how long that hop
itself took, where its vantage point measured it: a caller's round trip (the answer's row), the time the hub held
a command from its receipt until routed (a request's: until its answer was back), a system's time to answer (its
journal); blank otherwise (a request as sent, a worker's step). Consecutive rows may belong to different messages
(the mass complaint's), so no gap between rows is shown: ``t`` gives it."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from hub.demo.runner import DemoRun
from hub.observability.console import report_console

__all__ = ["as_json", "print_report"]

SIDE_STYLE = {"caller": "cyan", "hub": "magenta", "system": "green"}


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def timeline_table(run: DemoRun) -> Table:
    table = Table(title=f"OnePoint Hub demo · broker {run.broker} · hub {run.hub_url}", title_justify="left",
                  caption="cyan: the callers (played by the demo) · magenta: the hub · green: the systems "
                          "(emulators' journals)", caption_justify="left")
    table.add_column("t", justify="right", no_wrap=True)
    table.add_column("from → to", overflow="fold", max_width=36)
    table.add_column("command", overflow="fold", max_width=30)
    table.add_column("outcome", overflow="fold")
    table.add_column("took", justify="right", no_wrap=True)
    for number, flow in enumerate(run.flows, 1):
        mark = "[green]✓[/]" if flow.passed else "[red]✗[/]"
        table.add_section()
        table.add_row("", f"[bold]{number}. {flow.name}[/] {mark}", "", f"[bold]{flow.title}[/]", "")
        for event in flow.events:
            style = SIDE_STYLE.get(event.side, "")
            took = "" if event.took is None else _ms(event.took)
            table.add_row(f"+{event.at - run.started:.3f}s", f"[{style}]{event.source} → {event.target}[/]",
                          event.command, event.outcome, took)
        if not flow.passed:
            table.add_row("", "", "[red]FAILED[/]", f"[red]{flow.detail}[/]", "")
    return table


def summary_table(run: DemoRun) -> Table:
    passed = sum(1 for f in run.flows if f.passed)
    table = Table(title=f"Summary: {passed} of {len(run.flows)} flows passed", title_justify="left",
                  show_header=False)
    table.add_column("what", no_wrap=True)
    table.add_column("", overflow="fold")
    for flow in run.flows:
        result = "[green]passed[/]" if flow.passed else "[red]FAILED[/]"
        table.add_row(f"{flow.name}", f"{result} in {_ms(flow.ended - flow.started)}: {flow.detail}")
    table.add_section()
    table.add_row("messages", ", ".join(f"{n} {what}" for what, n in run.counts.items()))
    dead = sum(run.dead_letters.values())
    table.add_row("dead letters", ("[green]0[/]" if not dead else f"[red]{dead}[/] ") +
                  f" in {len(run.dead_letters)} DLQs" + ("" if not dead else f": {run.dead_letters}"))
    left = ", ".join(f"{c} {n}" for c, n in run.left_in_queues.items()) or "none"
    table.add_row("left in queues", left)
    table.add_row("audit chain", ("[green]" if run.audit_intact else "[red]") + f"{run.audit}[/]")
    for problem in run.problems:
        table.add_row("[red]problem[/]", problem)
    table.add_row("time", f"{run.seconds:.1f} s in all (system start {run.startup_seconds:.1f} s)")
    return table


def print_report(run: DemoRun, console: Console | None = None) -> None:
    console = console or report_console()
    console.print(timeline_table(run))
    console.print(summary_table(run))
    if run.passed:
        console.print("[green]Every flow completed.[/]")
    else:
        failed = ", ".join(f.name for f in run.failed) or "none"
        console.print(f"[red]Not every flow completed: failed flows: {failed}[/]"
                      + (f"; {'; '.join(run.problems)}" if run.problems else ""))


def as_json(run: DemoRun) -> str:
    return json.dumps(run.as_dict(), ensure_ascii=False, indent=2)
