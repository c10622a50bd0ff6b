"""The checks recorded as done (at intake, with an earlier dispatch) are merged with a Dispatch's by *which check*
they are, their text, not by their number: the template's check list may change between intake and dispatch (a
check inserted, the list reordered, then the hub restarted: the taxonomy is read at start). A check recorded as
number 1 is still carried when number 1 is now another check; restated under its new number it is carried once;
one the template no longer lists is carried after the template's (the agent did make it). The history keeps the
entries as they were recorded."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.config.workflow import WorkflowSettings
from hub.routing.outbound import RecordingOutbound
from hub.routing.table import RoutingTable
from hub.transport import TopologyConfig
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.validator import DocumentValidator
from hub.workers import WorkerTestClient
from hub.workflow.checks_done import checks_done, recorded_checks
from hub.workflow.clock import ManualClock
from hub.workflow.handlers import CONSUMER, handlers
from hub.workflow.runtime import WorkflowRuntime, open_runtime
from hub.workflow.store import WorkOrderProcessedStore
from hub.workflow.store.queries import load_work_order
from hub.workflow.taxonomy import load_taxonomy
from tests.unit.workflow.kit import EXAMPLES, START, text
from tests.unit.workflow.test_checks_done import _checks_recorded, _create, _dispatch, _nsp_checks

pytestmark = pytest.mark.unit

VOICE = load_taxonomy().phenomenon("01.02.03").checks  # voice_originate's four checks, as packaged
BARRING, TERMINAL = VOICE[0], VOICE[1]
NOTICES = "Network notices board: no outage at the place"


def _client(runtime: WorkflowRuntime) -> WorkerTestClient:
    registry = CommandSetRegistry.installed()
    table = RoutingTable.load(None, consumers=TopologyConfig().consumers, command_types=registry.command_types())
    tier = (EXAMPLES / "boss" / "responses" / "QueryCustomerTierResponse.xml").read_bytes()
    outbound = RecordingOutbound(table, DocumentValidator(registry), answer=lambda envelope: tier)
    return WorkerTestClient(handlers, consumer=CONSUMER, dependencies={"workflow": runtime},
                            store=WorkOrderProcessedStore(runtime.store), outbound=outbound)


class Hub:
    """The hub on a taxonomy directory of its own, restarted (the taxonomy read again) when it is changed."""

    def __init__(self, taxonomy: Path, database: Path, migrated: Path) -> None:
        shutil.copyfile(migrated, database)
        self.settings = WorkflowSettings(database=f"sqlite:///{database}", taxonomy=taxonomy)
        self.taxonomy = taxonomy
        self.runtime = open_runtime(self.settings, clock=ManualClock(START))
        self.client = _client(self.runtime)

    def change_checks(self, old: str, new: str) -> None:
        """voice_originate's check list edited (``old`` replaced by ``new`` in templates.toml), the hub restarted."""
        path = self.taxonomy / "templates.toml"
        source = path.read_text("utf-8")
        assert old in source
        path.write_text(source.replace(old, new, 1), "utf-8")
        self.runtime.close()
        self.runtime = open_runtime(self.settings, clock=ManualClock(START))
        self.client = _client(self.runtime)


@pytest.fixture
def hub(seed: Path, tmp_path: Path, migrated_store: Path) -> Iterator[Hub]:
    opened = Hub(seed, tmp_path / "wo.db", migrated_store)
    yield opened
    opened.runtime.close()


FIRST = f'checks = [\n    "{BARRING}'
NOTICES_FIRST = f'checks = [\n    "{NOTICES}",\n    "{BARRING}'


def _accepted(hub: Hub, *checks: str) -> str:
    created = _create(hub.client, checks=checks)
    assert text(created, "wo:State") == "ACCEPTED"
    return text(created, "wo:WorkOrderId") or ""


def test_a_check_recorded_at_intake_is_carried_when_its_number_is_now_another_checks(hub: Hub) -> None:
    work_order_id = _accepted(hub, "1")  # 1: the barring check, as packaged
    hub.change_checks(FIRST, NOTICES_FIRST)  # 1 is now the notices board, the barring check 2
    reply, sent = _dispatch(hub.client, work_order_id, ("1",))
    assert text(reply, "wo:State") == "DISPATCHED"
    assert _nsp_checks(sent) == [NOTICES, BARRING]  # the current template's order
    assert _checks_recorded(hub.client, work_order_id) == {"check.1": NOTICES}  # the later entry of check.1 shown
    with hub.runtime.store.engine.connect() as db:
        history = load_work_order(db, work_order_id).history
    assert [(e["field"], e["new_value"]) for e in history if e["action"] == "CHECK_DONE"] \
        == [("check.1", BARRING), ("check.1", NOTICES)]  # both kept as recorded


def test_a_check_restated_under_its_new_number_is_carried_once(hub: Hub) -> None:
    work_order_id = _accepted(hub, "1", "2")
    hub.change_checks(FIRST, NOTICES_FIRST)  # barring now 2, terminal 3
    _, sent = _dispatch(hub.client, work_order_id, ("2", "3"))
    assert _nsp_checks(sent) == [BARRING, TERMINAL]


def test_a_recorded_check_the_template_no_longer_lists_is_carried_after_the_templates(hub: Hub) -> None:
    work_order_id = _accepted(hub, "1", "2")
    hub.change_checks(FIRST + '",\n', 'checks = [\n')  # the barring check dropped: terminal is now 1
    _, sent = _dispatch(hub.client, work_order_id, ("3",))
    assert _nsp_checks(sent) == [TERMINAL, VOICE[3], BARRING]


def test_the_merge_is_by_text_in_the_templates_order() -> None:
    history = [{"action": "CHECK_DONE", "field": "check.1", "new_value": "gone"},
               {"action": "CHECK_DONE", "field": "check.1", "new_value": "second"},
               {"action": "INTAKE_FIELD", "field": "intake.terminal_type", "new_value": "N95"},
               {"action": "CHECK_DONE", "field": "check.2", "new_value": "second"}]
    assert recorded_checks(history) == ["gone", "second"]
    assert checks_done(("first", "second", "third"), recorded_checks(history), {1: "first", 2: "second"}) \
        == ["first", "second", "gone"]
    assert checks_done(("first",), [], {}) == []
