"""``onepoint demo``: run the whole system privately, play a scenario through every flow, print the timeline.

The complaints of the outage and mass-complaint flows come from the simulator's day (``hub.simulate``, the load
source): ``province_day`` hands them to ``hub.demo``, which stands below ``hub.simulate`` in the layers and cannot
import it. Exit status 0 when every flow completed (no dead letters, the audit chain intact), 1 otherwise with the
failing flows named, 2 when the system could not start, 130 when interrupted (Ctrl-C or SIGTERM: the system is
stopped, its queues and temporary folder removed first).
"""

from __future__ import annotations

import logging
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import click

from hub.cli.log_options import log_format_option, log_level_option
from hub.cli.private_runs import broker_url, interruptible
from hub.observability import LogFormat
from hub.observability.logging import configure_logging

if TYPE_CHECKING:
    from hub.demo import DayComplaint, ProvinceDay, WorkOrderMaker
    from hub.simulate import Arrival

__all__ = ["demo", "province_day"]

FIELD_TIME = "%Y-%m-%d %H:%M"  # a template field of type datetime as the simulator's intake writes it


@click.command()
@click.option("--broker", "broker_url", default="memory://", show_default=True, callback=broker_url,
              help="The backbone: the embedded memory:// or amqp://user:pass@host:port/vhost (RabbitMQ; the demo's "
                   "queues get a fresh prefix, so other queues on that broker are left alone).")
@click.option("--json", "as_json_output", is_flag=True, help="Print the run as JSON (for scripts) instead of tables.")
@log_level_option("ERROR", help="The hub's own log lines (to stderr).")
@log_format_option
def demo(broker_url: str, as_json_output: bool, log_level: str, log_format: LogFormat) -> None:
    """Start the hub, its workers and the six emulators on free 127.0.0.1 ports, play a scenario through every
    flow (tier lookup, HLR sync, SMS log, network complaint, VIP customer, outage notice with complaints answered
    at intake, mass complaint, an offline department's work order by e-mail) and print a timeline and a summary.
    Takes well under a minute on memory://."""
    from hub.cli.broker_unreachable import broker_failure
    from hub.config.settings import ConfigError
    from hub.demo import SEED, StageError, as_json, print_report, run_demo
    from hub.system import SystemStartError
    from hub.transport.errors import TransportError

    configure_logging(log_level.upper(), log_format)
    for handler in logging.getLogger().handlers:  # the demo taps the hub's DEBUG records: keep them off stderr
        handler.setLevel(log_level.upper())
    with interruptible("demo") as interrupts:  # Ctrl-C or SIGTERM: the stage cleans up, exit 130
        try:
            run = run_demo(province_day(SEED), broker_url)
        except (StageError, SystemStartError, TransportError, ConfigError, OSError) as exc:
            interrupts.interrupted_start(exc)  # a start a stop signal broke off: interrupted, exit 130
            why = broker_failure(broker_url, exc) if isinstance(exc, TransportError) else f"{type(exc).__name__}: {exc}"
            click.echo(f"onepoint demo: the system did not start: {why}", err=True)
            sys.exit(2)
    if as_json_output:
        click.echo(as_json(run))
    else:
        print_report(run)
    if not run.passed:
        failed = ", ".join(f"{f.name} ({f.detail})" for f in run.failed)
        click.echo(f"onepoint demo: failed: {failed or '; '.join(run.problems)}", err=True)
        sys.exit(1)


def province_day(seed: int) -> ProvinceDay:
    """The parts of the simulator's day of ``seed`` the demo plays: the outage with its burst of complaints and the
    mass complaint (``arrivals(build_scenario(seed))``, each complaint's CreateWorkOrder the simulator's own)."""
    from hub.demo import DayOutage, ProvinceDay
    from hub.simulate import arrivals, build_scenario

    scenario = build_scenario(seed)
    played = [_complaint(a) for a in arrivals(scenario) if a.kind in ("outage", "mass")]
    outage = scenario.outage
    return ProvinceDay(
        seed=seed, day=scenario.day,
        outage=DayOutage(area_code=outage.area_code, district=outage.district, services=outage.services,
                         categories=outage.categories, starts=outage.starts, notice_at=outage.notice_at,
                         cleared_at=outage.cleared_at),
        outage_burst=tuple(c for c in played if c.kind == "outage"), mass_intake_point=scenario.mass.intake_point,
        mass_complaints=tuple(c for c in played if c.kind == "mass"))


def _complaint(arrival: Arrival) -> DayComplaint:
    from hub.demo import DayComplaint

    return DayComplaint(number=arrival.number, kind=arrival.kind, at=arrival.at, msisdn=arrival.msisdn,
                        channel=arrival.channel, category=arrival.category, phenomenon=arrival.phenomenon,
                        area_code=arrival.area_code, district=arrival.district, intake_point=arrival.intake_point,
                        document=_maker(arrival))


def _maker(arrival: Arrival) -> WorkOrderMaker:
    def document(message_id: str, *, taken_by: str, at: datetime) -> bytes:
        return _retimed(arrival, at).document(message_id, taken_by=taken_by)

    return document


def _retimed(arrival: Arrival, at: datetime) -> Arrival:
    """The arrival happening ``at``: its time and the template's time fields (fault time) moved alike."""
    shift = at - arrival.at
    return replace(arrival, at=at, fields={name: _shifted(value, shift) for name, value in arrival.fields.items()})


def _shifted(value: str, shift: timedelta) -> str:
    try:
        moment = datetime.strptime(value, FIELD_TIME)
    except ValueError:
        return value
    return f"{moment + shift:{FIELD_TIME}}"
