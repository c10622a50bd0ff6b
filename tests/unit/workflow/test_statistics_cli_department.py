"""``onepoint stats --department`` (the walkthrough audit): a code that counted nothing in the window (misspelt, or
in the wrong case: codes are exact) printed empty department tables and exited 0 without a word; now one line
names the departments counted in the window, and the title names the department filter as it names ``--area``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import main
from hub.workers import WorkerTestClient
from tests.unit.workflow.kit import act, answer, command, envelope, text

pytestmark = pytest.mark.unit

WINDOW = ["--from", "2026-11-20", "--to", "2026-11-23"]


@pytest.fixture
def replied(client: WorkerTestClient) -> None:
    first = text(answer(client.request(envelope(*command("CreateWorkOrder.valid.xml")))), "wo:WorkOrderId")
    assert first is not None
    act(client, first, "WorkOrderAction.valid-reply.xml")  # counted under CUSTOMER_SERVICE


@pytest.mark.usefixtures("replied")
def test_a_department_that_counted_nothing_is_named_with_the_ones_that_did(config: Path) -> None:
    shown = CliRunner().invoke(main, ["stats", *WINDOW, "--department", "customer_service", "--config", str(config)])
    assert shown.exit_code == 0, shown.output
    assert "2026-11-23, department customer_service" in " ".join(shown.stdout.split())  # in the title
    (line,) = [n for n in shown.stderr.splitlines() if "customer_service" in n]
    assert "no counts" in line and "CUSTOMER_SERVICE" in line
    as_json = CliRunner().invoke(main, ["stats", *WINDOW, "--department", "noc-prov", "--json",
                                        "--config", str(config)])
    assert json.loads(as_json.stdout)["departments"] == []  # stdout stays one JSON object
    assert "noc-prov" in as_json.stderr and "CUSTOMER_SERVICE" in as_json.stderr


@pytest.mark.usefixtures("replied")
def test_a_department_that_counted_is_shown_without_a_word_on_stderr(config: Path) -> None:
    shown = CliRunner().invoke(main, ["stats", *WINDOW, "--department", "CUSTOMER_SERVICE", "--config", str(config)])
    assert shown.exit_code == 0, shown.output
    assert "2026-11-23, department CUSTOMER_SERVICE" in " ".join(shown.stdout.split()) and shown.stderr == ""
