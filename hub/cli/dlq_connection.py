"""How ``onepoint dlq`` reaches the dead-letter queues: its connection options, the broker opened from them (never
declaring the topology), and the errors of both as a command's own.

The broker comes from ``--broker URL``, ``$ONEPOINT_BROKER_URL`` or the ``[broker] url`` of ``--config``; the queue
names from ``--prefix`` / ``$ONEPOINT_PREFIX`` when given (over the config's), else the ``[broker] prefix`` of
``--config``, else ``onepoint``. When the DLQ of ``--queue``, or none of the DLQs, exists (a wrong prefix or vhost)
that is an error (exit 1), never "0 dead letters"; DLQs of only some consumers missing are named in a warning.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import wraps
from pathlib import Path
from typing import Any

import click

from hub.cli.broker_unreachable import broker_failure
from hub.config.broker import load_broker_settings
from hub.config.files import ConfigError
from hub.transport import (
    Broker,
    BrokerRefusedError,
    BrokerUnreachableError,
    BrokerURLError,
    TopologyConfig,
    TransportError,
    open_broker,
)
from hub.transport.urls import check_broker_url, redacted, scheme
from hub.workers.dlq import DeadLetterQueues, PassStopped

__all__ = ["PUBLISH_DEADLINE", "connection_options", "dead_letter_queues"]

PUBLISH_DEADLINE = 5.0  # seconds a replay or a moved letter may wait for the broker's confirm


def connection_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--broker``, ``--config``, ``--prefix``, ``--queue``; the broker's and the settings' errors as the
    command's own (exit 1), a closed standard output as a quiet end."""
    options = [
        click.option("--broker", "broker_url", envvar="ONEPOINT_BROKER_URL", help="AMQP URL of the broker."),
        click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
                     help="Settings file whose [broker] url is used when --broker is not given."),
        click.option("--prefix", envvar="ONEPOINT_PREFIX", default=None,
                     help="Topology prefix (queue names are <prefix>.<consumer>.dlq)  [default: the [broker] prefix "
                          "of --config, else onepoint]"),
        click.option("--queue", "-q", default=None, help="One consumer (boss, crm, ...); default: every DLQ."),
    ]
    for option in reversed(options):
        func = option(func)

    @wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        try:
            return func(**kwargs)
        except BrokenPipeError:  # the reader stopped early (| head): not an error of the broker
            _quiet_exit()
        except PassStopped as exc:
            raise click.ClickException(str(exc)) from None
        except TimeoutError as exc:  # an OSError, with no text of its own
            raise click.ClickException(f"broker error: the broker did not answer in time ({type(exc).__name__}"
                                       f"{': ' + str(exc) if str(exc) else ''}); try again, or check the broker "
                                       "(rabbitmq-diagnostics status: an alarm?)") from None
        except (TransportError, BrokerURLError, OSError) as exc:
            raise click.ClickException(f"broker error: {exc or repr(exc)}") from None
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyError as exc:
            raise click.ClickException(str(exc.args[0] if exc.args else exc)) from None

    return wrapper


def _quiet_exit() -> None:
    """End after a closed standard output without a word, like a shell tool killed by SIGPIPE (status 141); what
    is still buffered goes nowhere instead of raising again at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # standard output is no file (a test's capture): nothing to silence
        pass
    sys.exit(128 + signal.SIGPIPE)


@contextmanager
def dead_letter_queues(broker_url: str | None, config_path: Path | None, prefix: str | None,
            queue: str | None) -> Iterator[DeadLetterQueues]:
    """The DLQs on the broker; a usage error for memory://, an error when a DLQ of ``queue`` does not exist."""
    topology = TopologyConfig(prefix=prefix or "onepoint")
    if config_path is not None:
        settings = load_broker_settings(config_path)
        broker_url = broker_url or settings.url
        topology = replace(settings.topology, prefix=prefix) if prefix is not None else settings.topology
    if broker_url is None:
        raise click.UsageError("no broker: give --broker URL, $ONEPOINT_BROKER_URL or --config FILE")
    try:  # an unknown scheme, a bad option: a usage error, as demo's and simulate's --broker
        check_broker_url(broker_url)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--broker / $ONEPOINT_BROKER_URL") from None
    if scheme(broker_url) == "memory":
        raise click.UsageError("memory:// lives inside the hub's own process: another process cannot see its dead"
                               " letters (the hub counts them in /metrics, onepoint_messages_dead_lettered_total,"
                               " and logs each with its reason); the dlq commands work on RabbitMQ (amqp://)")
    try:
        broker: Broker = open_broker(broker_url, topology, declare=False, publish_timeout=PUBLISH_DEADLINE)
    except ValueError as exc:  # --broker's (the settings' is checked as they load): e.g. an option pika refuses
        raise click.BadParameter(str(exc), param_hint="--broker / $ONEPOINT_BROKER_URL") from None
    except (BrokerUnreachableError, BrokerRefusedError) as exc:
        raise _unreachable(broker_url, exc) from None
    try:
        yield _checked(broker, broker_url, topology.prefix, queue)
    except (BrokerUnreachableError, BrokerRefusedError) as exc:  # a connection of the pass: the broker named too
        raise _unreachable(broker_url, exc) from None
    finally:
        broker.close()


def _unreachable(broker_url: str, exc: TransportError) -> click.ClickException:
    return click.ClickException(f"broker error: {broker_failure(broker_url, exc)}")


def _checked(broker: Broker, broker_url: str, prefix: str, queue: str | None) -> DeadLetterQueues:
    """The DLQs of ``broker``; an error when the DLQ of ``queue`` (or every DLQ) does not exist on it."""
    queues = DeadLetterQueues(broker, confirm_timeout=PUBLISH_DEADLINE + 5)
    missing = queues.missing(queue)
    if missing and (queue is not None or len(missing) == len(queues.consumers())):
        raise click.ClickException(
            f"no dead-letter queue {', '.join(missing)} on the broker {redacted(broker_url)}: wrong --prefix "
            f"({prefix}), --config or vhost? (the dlq commands never declare queues)")
    if missing:  # some consumers' DLQs only (a topology deployed with fewer consumers): the others are read
        click.echo(f"warning: no dead-letter queue {', '.join(missing)} on the broker; skipped", err=True)
    return queues
