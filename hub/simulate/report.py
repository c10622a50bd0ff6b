"""How a simulated day is shown: what was played, then the hub's figures as tables a person can scan (complaints
by channel and tier, dispatches, answers at intake, incidents, SLA per tier, timings); ``print_both`` sets the
rules-on and rules-off runs of one seed side by side, the published figures first. ``as_json`` for scripts."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from rich.console import Console
from rich.table import Table

from hub.observability.console import report_console
from hub.simulate.figures import BurstFigures, Figures, TierSla
from hub.simulate.runner import SimulationRun

__all__ = ["as_json", "comparison_table", "print_both", "print_report", "statistics_table"]

TIERS = ("VIP_DIAMOND", "VIP_GOLD", "VIP_SILVER", "GROUP_KEY_PERSON", "GROUP_MEMBER", "LONG_DISTANCE_ROAMING",
         "CONTRACT", "PREPAID", "SHENZHOUXING", "OTHER_BRAND")


def duration(seconds: float | None) -> str:
    """Simulated seconds as a person reads them: 12 s, 35 min, 4.2 h; "—" when there is nothing to measure."""
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"


def share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def _sla(sla: TierSla | None) -> str:
    if sla is None:
        return "—"
    first, reply = sla.first_response, sla.reply
    return (f"{share(first)} ({sla.first_met}/{sla.first_met + sla.first_breached}) · "
            f"{share(reply)} ({sla.reply_met}/{sla.reply_met + sla.reply_breached})")


def _title(run: SimulationRun) -> str:
    rules = ", ".join(run.rules_in_force) or "none"
    played = ", ".join(f"{n} {kind}" for kind, n in run.arrivals.items())
    return (f"seed {run.seed} · {run.day} · scale {run.scale:g} · {run.speed:g}× (a day in "
            f"{86400 / run.speed:.0f} s) · rules {'on' if run.rules else 'off'} (in force: {rules}) · "
            f"{sum(run.arrivals.values())} complaints ({played}) · {run.seconds:.1f} s")


def _counts(title: str, counts: dict[str, int]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("", overflow="fold")
    table.add_column("complaints", justify="right", no_wrap=True)
    for name, count in counts.items():
        table.add_row(name, str(count))
    return table


def _burst(burst: BurstFigures) -> str:
    return (f"{burst.complaints} complaints · {burst.answered_at_intake} answered at intake · {burst.linked} linked · "
            f"{burst.incidents} incident(s) · {burst.dispatches} dispatches ({burst.nsp_tickets} NSP tickets)")


def figures_table(run: SimulationRun) -> Table:
    f = run.figures
    table = Table(title="What the hub did", title_justify="left", show_header=False)
    table.add_column("what", overflow="fold")
    table.add_column("", overflow="fold")
    table.add_row("complaints", f"{f.complaints} · states " + ", ".join(f"{s} {n}" for s, n in f.by_state.items()))
    table.add_row("dispatches", f"{f.dispatches} · {f.dispatches_refused} refused at the hub (template fields "
                                f"missing) · {f.dispatches_unchecked} let out incomplete · {f.dispatches_rejected} "
                                f"rejected by the receiver: invalid share {share(f.invalid_dispatch_share)}")
    table.add_row("answered at intake", str(f.auto_answered))
    table.add_row("held as repeats", f"{f.held_repeats} (of an open complaint: not dispatched again, answered with it)")
    table.add_row("incidents", str(f.incidents))
    table.add_row("outage burst", _burst(f.outage))
    table.add_row("mass complaint", _burst(f.mass))
    for notice in f.notices:
        table.add_row(f"notice {notice['notice_id']}", f"{notice['status']} · linked {notice['linked_count']} · "
                      f"answered at intake {notice['auto_answered_count']} · dispatched {notice['dispatch_count']}")
    table.add_row("timings (median)", f"intake → first response {duration(f.first_response_median_s)} · intake → "
                                      f"reply {duration(f.reply_median_s)} · outage: intake → answer "
                                      f"{duration(f.outage.intake_to_answer_s)}, dispatch → NSP reply "
                                      f"{duration(f.outage.dispatch_to_reply_s)}")
    table.add_row("the play", f"{run.steps} steps · {run.unfinished} unfinished · {run.simulated_hours:.1f} h "
                              f"simulated ({run.skipped_hours:.1f} h idle, jumped over) · max lag "
                              f"{duration(run.max_lag_seconds)} · refusals met: "
                              + (", ".join(f"{k} ×{n}" for k, n in run.refused.items()) or "none"))
    table.add_row("dead letters", (run.dead_letters_unread and f"not counted: {run.dead_letters_unread}")
                  or ", ".join(f"{c} {n}" for c, n in run.dead_letters.items() if n) or "none")
    if run.failures:
        table.add_row("[bold red]the hub failed[/]", "; ".join(run.failures) + " — the figures are not the rules'")
    return table


def sla_table(runs: Sequence[SimulationRun]) -> Table:
    table = Table(title="SLA compliance per tier: first response · reply (met/counted)", title_justify="left")
    table.add_column("tier", no_wrap=True)
    for run in runs:
        table.add_column(f"rules {'on' if run.rules else 'off'}", overflow="fold")
    for tier in TIERS:
        if any(tier in run.figures.sla for run in runs):
            table.add_row(tier, *(_sla(run.figures.sla.get(tier)) for run in runs))
    return table


Row = tuple[str, Callable[[Figures], str]]
COMPARED: tuple[Row, ...] = (
    ("outage: complaints answered at intake", lambda f: f"{f.outage.answered_at_intake} of {f.outage.complaints}"),
    ("  their intake → answer (median)", lambda f: duration(f.outage.intake_to_answer_s)),
    ("  dispatched: dispatch → NSP reply (median)", lambda f: duration(f.outage.dispatch_to_reply_s)),
    ("dispatches per outage", lambda f: str(f.outage.dispatches)),
    ("mass complaint: incidents opened", lambda f: str(f.mass.incidents)),
    ("  NSP tickets for it (complaints + incident)",
     lambda f: f"{f.mass.nsp_tickets - f.mass.incident_tickets} + {f.mass.incident_tickets}"),
    ("invalid dispatches (rejected / dispatched)",
     lambda f: f"{share(f.invalid_dispatch_share)} ({f.dispatches_rejected}/{f.dispatches})"),
    ("  refused at the hub for missing fields", lambda f: str(f.dispatches_refused)),
    ("dispatches in all", lambda f: str(f.dispatches)),
    ("intake → reply (median)", lambda f: duration(f.reply_median_s)),
)


def statistics_table(runs: Sequence[SimulationRun]) -> Table:
    """What the hub's own QueryStatistics said of the day (its maintained counters)."""
    table = Table(title="The hub's own statistics of the day (workorder.QueryStatistics)", title_justify="left")
    table.add_column("", overflow="fold")
    for run in runs:
        table.add_column(f"rules {'on' if run.rules else 'off'}", justify="right", overflow="fold")
    stats = [run.statistics for run in runs]
    if all(s.error for s in stats):
        table.add_row("not answered", *(s.error for s in stats))
        return table
    for key in ("Complaints", "Dispatched", "InvalidDispatches", "DispatchesRefused", "AutoAnswered", "Incidents",
                "Replied", "RepliedInSla"):
        table.add_row(key, *(str(s.totals.get(key, "—")) for s in stats))
    for key in ("InvalidDispatch", "SlaCompliance", "FirstContactResolution", "RepeatComplaint"):
        table.add_row(f"share: {key}", *(share(s.shares.get(key)) for s in stats))
    tiers = [t for t in TIERS if any(t in s.tier_sla for s in stats)]
    for tier in tiers:
        table.add_row(f"SLA {tier}", *(share(s.tier_sla.get(tier)) for s in stats))
    table.add_row("outages: linked / answered at intake / dispatched",
                  *(", ".join(f"{o.get('NoticeId')} {o.get('Linked')}/{o.get('AutoAnswered')}/{o.get('Dispatched')}"
                              for o in s.outages) or "—" for s in stats))
    return table


def comparison_table(runs: Sequence[SimulationRun]) -> Table:
    table = Table(title="The published figures, one seed with the rules on and off", title_justify="left")
    table.add_column("", overflow="fold")
    for run in runs:
        table.add_column(f"rules {'on' if run.rules else 'off'}", justify="right", overflow="fold")
    for label, cell in COMPARED:
        table.add_row(label, *(cell(run.figures) for run in runs))
    return table


def print_report(run: SimulationRun, console: Console | None = None) -> None:
    console = console or report_console()
    console.print(f"[bold]OnePoint Hub simulate[/] · {_title(run)}")
    console.print(_counts("Complaints by channel", run.figures.by_channel))
    console.print(_counts("Complaints by tier", run.figures.by_tier))
    console.print(figures_table(run))
    console.print(sla_table([run]))
    console.print(statistics_table([run]))


def print_both(runs: Sequence[SimulationRun], console: Console | None = None) -> None:
    console = console or report_console()
    for run in runs:
        console.print(f"[bold]OnePoint Hub simulate[/] · {_title(run)}")
        console.print(figures_table(run))
    console.print(comparison_table(runs))
    console.print(sla_table(runs))
    console.print(statistics_table(runs))


def as_json(runs: Sequence[SimulationRun]) -> str:
    data = [run.as_dict() for run in runs]
    return json.dumps(data[0] if len(data) == 1 else {"runs": data}, indent=2, ensure_ascii=False, default=str)
