"""NSP's reply names the dispatch it answers by its MessageId, derived from the dispatch's cause with the cause's
source system (``hub.routing.message_ids``): the reply is matched whichever system caused the dispatch, and a
dispatch sent before the source was part of the ids (in flight across the update) is still recognised."""

from __future__ import annotations

import pytest

from hub.routing.message_ids import derive_message_id
from hub.validation.command_sets import CommandSetRegistry
from hub.workflow.lifecycle import LifecycleAction
from hub.workflow.network_dispatch import CAUSE_SYSTEMS, DISPATCH_FOLLOW_UP, AnsweredDispatch, answered_dispatch

pytestmark = pytest.mark.unit

WORK_ORDER = "WO20261207AAAAAAAA"


def history(system: str | None) -> list[dict[str, object]]:
    return [{"kind": "state", "action": LifecycleAction.DISPATCH.value, "message_id": "cs-20261207-000001",
             "system": system}]


@pytest.mark.parametrize("source", [*CAUSE_SYSTEMS, ""])
@pytest.mark.parametrize("recorded_system", ["CS", "HUB", None])
def test_a_dispatch_is_recognised_whichever_system_caused_it(source: str, recorded_system: str | None) -> None:
    sent = derive_message_id("cs-20261207-000001", f"{DISPATCH_FOLLOW_UP}-1", "workflow", source)
    assert answered_dispatch(history(recorded_system), sent, "workflow", work_order_id=WORK_ORDER) == \
        AnsweredDispatch(1, 1)


def test_an_id_derived_from_another_cause_is_not_a_dispatch_of_the_work_order() -> None:
    sent = derive_message_id("cs-20261207-000002", f"{DISPATCH_FOLLOW_UP}-1", "workflow", "CS")
    assert answered_dispatch(history("CS"), sent, "workflow", work_order_id=WORK_ORDER) is None


def test_the_cause_systems_are_the_schemas_system_codes() -> None:
    assert set(CAUSE_SYSTEMS) == CommandSetRegistry.installed().system_codes()
