"""What ``onepoint demo`` and ``onepoint simulate`` share (``hub.cli.private_runs``): SIGTERM ends the run as
Ctrl-C does (the run's clean-up runs, one line, exit 130; audit defect 3), and a ``--broker`` URL the AMQP client
would refuse is a one-line usage error, exit 2, before anything starts (audit defect 7)."""

from __future__ import annotations

import os
import signal
import threading
import time
import weakref

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.cli.private_runs import INTERRUPTED, Interrupts, check_broker_url, interruptible
from hub.transport import BrokerURLError

pytestmark = pytest.mark.unit

URL = "amqp://guest:secret@127.0.0.1:1/%2F"


def run_until_signalled(signum: signal.Signals, cleaned: list[str]) -> None:
    with interruptible("demo"):
        try:
            os.kill(os.getpid(), signum)
            threading.Event().wait(30)  # the run, waiting on its flows: the signal ends the wait
            pytest.fail("the signal did not interrupt the run")
        finally:
            cleaned.append("stage stopped")  # where DemoStage.__exit__ removes its queues and folder


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_a_termination_unwinds_the_run_like_ctrl_c_and_exits_as_an_interrupt(
        signum: signal.Signals, capsys: pytest.CaptureFixture[str]) -> None:
    before = signal.getsignal(signal.SIGTERM)
    cleaned: list[str] = []
    ctrl_c = signal.signal(signal.SIGINT, signal.default_int_handler)  # Python's own, whatever ran before
    try:
        with pytest.raises(SystemExit) as ended:
            run_until_signalled(signum, cleaned)
    finally:
        signal.signal(signal.SIGINT, ctrl_c)
    assert ended.value.code == INTERRUPTED == 130
    assert cleaned == ["stage stopped"]
    assert capsys.readouterr().err.strip() == (
        f"onepoint demo: interrupted ({signum.name}); its system was stopped and its queues and temporary folder "
        "removed")
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_run_that_ends_normally_keeps_its_outcome() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with interruptible("simulate"):
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before


@pytest.mark.parametrize(("options", "said"), [
    ("heartbeat=abc", "Invalid heartbeat value 'abc'"),
    ("channel_max=0", "channel_max must be <= 65535 and > 0"),
    ("frame_max=1", "Min AMQP 0.9.1 Frame Size is 4096"),
    ("unknown=1", "Unknown URL parameter: 'unknown'"),
    ("ssl_options=garbage", "malformed node or string"),
])
def test_an_option_the_amqp_client_refuses_is_named_without_the_password(options: str, said: str) -> None:
    with pytest.raises(BrokerURLError, match=said) as refused:
        check_broker_url(f"{URL}?{options}")
    assert "secret" not in str(refused.value) and "guest:***@" in str(refused.value)
    assert check_broker_url(f"{URL}?heartbeat=30") == f"{URL}?heartbeat=30"
    assert check_broker_url("memory://") == "memory://"


@pytest.mark.parametrize("command", [["demo"], ["simulate", "--scale", "0.01"]])
@pytest.mark.parametrize("url", [f"{URL}?heartbeat=abc", "amqp://guest:secret@/%2F", "redis://127.0.0.1"])
def test_a_broker_url_that_cannot_open_a_broker_is_a_one_line_usage_error(command: list[str], url: str) -> None:
    result = CliRunner().invoke(main, [*command, "--broker", url])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), (result.output, result.exception)
    (line,) = [text for text in result.output.splitlines() if text.startswith("Error:")]
    assert "Invalid value for '--broker'" in line and "secret" not in result.output


def test_a_start_broken_off_by_a_stop_signal_is_an_interrupt_whatever_its_unwinding_raised(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM while the system starts: the start may unwind through code whose own clean-up fails (a database
    connection left mid-statement gave PendingRollbackError in a CI run) and is wrapped as a start failure. That is
    the signal's doing: exit 130 and the interrupt's line, not exit 2 'the system did not start'."""
    import hub.simulate
    from hub.system import SystemStartError

    def start_broken_off(*args: object, **kwargs: object) -> object:
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises before this ends
        except KeyboardInterrupt as exc:  # what a failing clean-up did with it
            error = SystemStartError("cannot start the dsmp worker: PendingRollbackError: Can't reconnect")
            error.__context__ = exc
            raise error from None
        raise AssertionError("the signal never came")

    monkeypatch.setattr(hub.simulate, "run_day", start_broken_off)
    result = CliRunner().invoke(main, ["simulate", "--seed", "1", "--scale", "0.05", "--log-level", "ERROR"])
    assert result.exit_code == INTERRUPTED, result.output
    assert "interrupted (SIGTERM)" in result.output and "did not start" not in result.output


def test_interrupts_leave_other_start_failures_alone() -> None:
    interrupts = Interrupts()
    interrupts.interrupted_start(RuntimeError("the WSDL cannot be read"))  # no signal came: nothing raised
    interrupts.received = "SIGTERM"
    error = RuntimeError("clean-up failed")
    error.add_note("left behind: the queues")
    with pytest.raises(KeyboardInterrupt) as raised:
        interrupts.interrupted_start(error)
    assert str(raised.value) == "SIGTERM" and raised.value.__notes__ == ["left behind: the queues"]


def test_a_stop_signal_whose_interrupt_was_lost_still_ends_the_run_as_interrupted() -> None:
    """SIGTERM landing in a callback the interpreter runs during a garbage collection (a weakref's: SQLAlchemy has
    them) raises there, and the interpreter only prints 'Exception ignored': the run goes on to its end (a CI run
    exited 0). The signal was received all the same: exit 130 and the interrupt's line."""
    def run_whose_interrupt_is_lost() -> None:
        with interruptible("simulate"):
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)
            except KeyboardInterrupt:
                pass  # what the interpreter does with an exception raised inside a weakref callback

    with pytest.raises(SystemExit) as ended:
        run_whose_interrupt_is_lost()
    assert ended.value.code == INTERRUPTED


def test_a_stop_signal_landing_in_a_weakref_callback_interrupts_the_run_there_and_then(
        capsys: pytest.CaptureFixture[str]) -> None:
    """The interrupt the interpreter could only print ('Exception ignored in ...', a traceback on a CI run's
    output) is raised again in the main thread: the run stops at once, as for any interrupt, with no traceback."""
    went_on = []

    class Collected:
        pass

    def run_interrupted_inside_a_weakref_callback() -> None:
        with interruptible("simulate") as interrupts:
            doomed = Collected()
            callback = weakref.ref(doomed, lambda _: interrupts.handle(signal.SIGTERM, None))
            del doomed  # the callback runs here, and the signal's interrupt with it
            time.sleep(5)  # interrupted in a moment
            went_on.append(callback)

    with pytest.raises(SystemExit) as ended:
        run_interrupted_inside_a_weakref_callback()
    assert ended.value.code == INTERRUPTED and went_on == []
    said = capsys.readouterr().err
    assert "interrupted (SIGTERM)" in said and "Exception ignored" not in said and "Traceback" not in said
