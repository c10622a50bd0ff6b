"""``onepoint simulate``: play a province day from a seed, time-compressed, against a private hub with its
workers and the six emulators, and print what the hub did (docs/simulate.md).

Exit status 0 when the day was played, 1 when it was played but the hub failed underneath it (a refusal the rules
do not give -- "unavailable" when the broker is gone --, a failed step, a dead letter: the report is printed, what
failed said on stderr; it wins over 3), 2 when the system could not start or an option is out of range (one line,
before anything starts), 3 when the day was played but lagged so far behind its simulated instants that the
scenario's timing broke (the mass complaint spread past the incident window: the figures are not the rules'; the
report is printed, the lag said on stderr), 130 when interrupted (Ctrl-C or SIGTERM: the system is stopped, its
queues and temporary folder removed first).
"""

from __future__ import annotations

import logging
import math
import sys
from typing import Any

import click

from hub.cli.log_options import log_format_option, log_level_option
from hub.cli.private_runs import broker_url, interruptible
from hub.observability import LogFormat
from hub.observability.logging import configure_logging

__all__ = ["FAILED", "LAGGED", "MAX_SCALE", "MAX_SPEED", "simulate"]

MAX_SCALE = 100.0  # 40,000 complaints of background traffic: a day that still plays in minutes per 1,000
#: 40 simulated hours a real minute: the hub's processing time, stretched by the compression, keeps the play's lag
#: (about 2 simulated minutes at 720x on 2 cores, growing with the speed) inside the 10 minutes the mass complaint
#: leaves of the incident window (docs/simulate.md, "Time compression"); exit 3 says when a run still broke it
MAX_SPEED = 2_400.0
FAILED = 1  # the exit status of a day the hub failed underneath (its figures are not the rules')
LAGGED = 3  # the exit status of a day played with more lag than the scenario's rules allow


class FiniteRange(click.FloatRange):
    """A float in ``[min, max]``; ``nan`` and the infinities are refused like any value out of range (exit 2)."""

    name = "float range"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number in the range {self._describe_range()}.", param, ctx)
        return number


@click.command()
@click.option("--seed", type=int, default=1, show_default=True, help="The day: arrivals, customers, outage, mass "
              "complaint and every simulated person's choice come from it.")
@click.option("--scale", type=FiniteRange(min=0.001, max=MAX_SCALE), default=1.0, show_default=True,
              help="The day's background traffic (1: about 400 complaints; the outage and mass complaint stay whole).")
@click.option("--hours-per-minute", type=FiniteRange(min=0.01, max=MAX_SPEED / 60), default=None,
              help="Compression: simulated hours per real minute  [default: 12, a day in 2 minutes].")
@click.option("--speed", type=FiniteRange(min=1, max=MAX_SPEED), default=None,
              help="Compression as simulated seconds per real second (720 = 12 hours per minute).")
@click.option("--rules", type=click.Choice(["on", "off", "both"]), default="on", show_default=True,
              help="The operator rules (outage auto-answer, mass-complaint incidents, dispatch templates); both: "
                   "the same day twice, the published figures side by side.")
@click.option("--broker", "broker_url", default="memory://", show_default=True, callback=broker_url,
              help="The backbone: memory:// or amqp://user:pass@host:port/vhost (a fresh queue prefix).")
@click.option("--json", "as_json_output", is_flag=True, help="Print the figures as JSON instead of tables.")
@log_level_option("ERROR", help="The hub's own log lines (to stderr).")
@log_format_option
def simulate(seed: int, scale: float, hours_per_minute: float | None, speed: float | None, rules: str,
             broker_url: str, as_json_output: bool, log_level: str, log_format: LogFormat) -> None:
    """Play one province day of complaints from SEED against the whole system on simulated time and report the
    hub's figures: complaints by channel and tier, dispatches, answers at intake, incidents, SLA per tier."""
    from hub.cli.broker_unreachable import broker_failure
    from hub.config.settings import ConfigError
    from hub.simulate import StageError, build_scenario, run_day
    from hub.simulate.arrivals import arrivals
    from hub.simulate.progress import ProgressBar
    from hub.simulate.report import as_json, print_both, print_report
    from hub.system import SystemStartError
    from hub.transport.errors import TransportError

    if speed is not None and hours_per_minute is not None:
        raise click.UsageError("give --speed or --hours-per-minute, not both")
    factor = speed if speed is not None else (hours_per_minute or 12.0) * 60.0
    configure_logging(log_level.upper(), log_format)
    for handler in logging.getLogger().handlers:
        handler.setLevel(log_level.upper())
    scenario = build_scenario(seed, scale)
    total = sum(1 for _ in arrivals(scenario))
    runs = []
    with interruptible("simulate") as interrupts:  # Ctrl-C or SIGTERM: the stage cleans up, exit 130
        try:
            for on in {"on": (True,), "off": (False,), "both": (True, False)}[rules]:
                bar = ProgressBar(scenario.day_start, total, label=f"rules {'on' if on else 'off'} ")
                runs.append(run_day(scenario, rules=on, speed=factor, broker_url=broker_url, progress=bar))
                bar.done()
        except (StageError, SystemStartError, TransportError, ConfigError, OSError) as exc:
            interrupts.interrupted_start(exc)  # a start a stop signal broke off: interrupted, exit 130
            why = broker_failure(broker_url, exc) if isinstance(exc, TransportError) else f"{type(exc).__name__}: {exc}"
            click.echo(f"onepoint simulate: the system did not start: {why}", err=True)
            sys.exit(2)
    if as_json_output:
        click.echo(as_json(runs))
    elif len(runs) == 1:
        print_report(runs[0])
    else:
        print_both(runs)
    lagged = [run for run in runs if run.lagged]
    for run in lagged:
        click.echo(f"onepoint simulate: the run with the rules {'on' if run.rules else 'off'} lagged up to "
                   f"{run.max_lag_seconds / 60:.1f} simulated minutes behind its steps, more than the "
                   f"{(run.lag_limit_seconds or 0) / 60:.0f} the scenario allows (the mass complaint must stay inside "
                   "the incident window): its figures are distorted; play it slower (--speed, --hours-per-minute)",
                   err=True)
    failed = [run for run in runs if run.failures]
    for run in failed:
        click.echo(f"onepoint simulate: with the rules {'on' if run.rules else 'off'} the hub failed underneath the "
                   f"run ({'; '.join(run.failures)}): its figures are not the rules'; see the hub's log "
                   "(--log-level WARNING) and its dead letters", err=True)
    if failed:
        sys.exit(FAILED)
    if lagged:
        sys.exit(LAGGED)
