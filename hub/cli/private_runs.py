"""What ``onepoint demo`` and ``onepoint simulate`` share: both run a private system (the hub, its workers and the
emulators, a fresh queue prefix, a temporary folder) on the broker of ``--broker``.

``broker_url``: the ``--broker`` option's check. A URL that cannot open a broker -- an unknown scheme, no host, a
bad port, or an option the AMQP client refuses (``?heartbeat=abc``, ``?channel_max=0``, ``?unknown=1``) -- is a
usage error naming it (one line, exit 2), before anything starts; never a traceback nor exit 1, which says a flow
failed.

``interruptible``: SIGTERM as Ctrl-C. The stage cleans up when the run is left by an exception: the hub and the
emulators stopped, the run's queues removed from the broker, its temporary folder removed. Ctrl-C raises
``KeyboardInterrupt`` in the main thread and so takes that path; ``interruptible`` makes SIGTERM (a CI job's
timeout, ``kill PID``) do the same, and ends either with one line and exit status 130 (128 + SIGINT, an
interrupt). Once the clean-up has begun a further Ctrl-C or SIGTERM does not break it off (the stage holds them,
``hub.demo.cleanup.uninterrupted``); a signal that came while a finished run was cleaning up interrupts it once the
clean-up is done. The line says the queues and the folder were removed only when they were: whatever the clean-up
could not remove, it names.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from types import FrameType

import click

from hub.transport.urls import BrokerURLError, check_broker_url

__all__ = ["INTERRUPTED", "Interrupts", "broker_url", "check_broker_url", "interruptible"]

INTERRUPTED = 128 + signal.SIGINT  # 130: what a shell reports for a command stopped by Ctrl-C
AGAIN_AFTER = 0.05  # seconds before an interrupt the interpreter could only print is delivered again


def broker_url(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """The ``--broker`` option's callback: a URL ``check_broker_url`` refuses is a usage error (exit 2)."""
    try:
        return check_broker_url(value)
    except BrokerURLError as exc:
        raise click.BadParameter(str(exc)) from None


class Interrupts:
    """The first stop signal the body of ``interruptible`` received, if any (``received``: its name; the line at the
    end names it, whatever signal came later, say one held by the clean-up and raised after it). A start the signal
    broke off may unwind through code whose own clean-up then fails (a database connection left mid-statement):
    the body re-raises the interrupt instead of reporting that error (``interrupted_start``)."""

    def __init__(self) -> None:
        self.received: str | None = None
        self.active = True  # the body runs, with ``handle`` as the stop signals' handler

    def handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        self.received = self.received or name
        raise KeyboardInterrupt(name)

    def unraisable(self, hook: Callable[[sys.UnraisableHookArgs], object], unraisable: sys.UnraisableHookArgs) -> None:
        """``sys.unraisablehook`` while the body runs: a stop signal that landed in a callback the interpreter runs
        itself (a weakref's during a garbage collection, SQLAlchemy has some) raised its interrupt there, where it is
        only printed ("Exception ignored in ..."). It is delivered again from another thread a moment later (raised
        in the hook it would be lost the same way; lost again, it comes back here), so the main thread takes it where
        the body's clean-up handles it as any interrupt; anything else goes to ``hook``, the hook before."""
        if isinstance(unraisable.exc_value, KeyboardInterrupt) and self.received is not None:
            threading.Thread(target=self._again, args=(signal.Signals[self.received],), daemon=True).start()
            return
        hook(unraisable)

    def _again(self, signum: signal.Signals) -> None:
        time.sleep(AGAIN_AFTER)  # the main thread has left the hook (raised in it, the interrupt is lost again)
        if self.active:  # once the body has ended its handlers are restored: nothing to deliver to
            signal.pthread_kill(threading.main_thread().ident or 0, signum)  # a blocking call is woken, as by the first

    def interrupted_start(self, error: BaseException) -> None:
        """Raise the interrupt in place of ``error`` if a stop signal came: a failure it caused, not a cause."""
        if self.received is not None:
            interrupt = KeyboardInterrupt(self.received)
            for note in getattr(error, "__notes__", ()):  # what the clean-up left behind, said on the error
                interrupt.add_note(note)
            raise interrupt from error


@contextmanager
def interruptible(command: str) -> Iterator[Interrupts]:
    """Run the body with SIGTERM raising ``KeyboardInterrupt`` like Ctrl-C; an interrupt that reaches here (after
    the body's clean-up ran) is said in one line and ends the command with ``INTERRUPTED``."""
    interrupts = Interrupts()
    previous = {signum: signal.signal(signum, interrupts.handle) for signum in (signal.SIGTERM, signal.SIGINT)}
    previous_hook = sys.unraisablehook
    sys.unraisablehook = partial(interrupts.unraisable, previous_hook)
    try:
        yield interrupts
    except KeyboardInterrupt as exc:
        from hub.demo.cleanup import left_behind

        _interrupted(command, interrupts.received or str(exc) or "SIGINT", left_behind(exc))
    else:
        if interrupts.received is not None:  # its interrupt was lost: raised inside a callback of the interpreter's
            _interrupted(command, interrupts.received, [])  # (a weakref's, in a collection), which only prints it
    finally:
        interrupts.active = False
        sys.unraisablehook = previous_hook
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _interrupted(command: str, how: str, left: list[str]) -> None:
    """The closing line of an interrupted run, and its exit status."""
    done = (f"its system was stopped but it left {' and '.join(left)} behind" if left else
            "its system was stopped and its queues and temporary folder removed")
    click.echo(f"onepoint {command}: interrupted ({how}); {done}", err=True)
    sys.exit(INTERRUPTED)
