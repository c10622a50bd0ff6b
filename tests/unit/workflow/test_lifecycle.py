"""The lifecycle table, exhaustively: every allowed transition works, every other pair is refused by name."""

from __future__ import annotations

import itertools

import pytest

from hub.workflow.lifecycle import (
    FINAL,
    INCIDENT_LIFECYCLE,
    LIFECYCLE,
    PAUSED,
    STAGE,
    SUSPENDABLE,
    TMF621_STATUS,
    Lifecycle,
    LifecycleAction,
    Stage,
    Transition,
    TransitionRefused,
    WorkOrderState,
    lifecycle_of,
    stage_of,
)

pytestmark = pytest.mark.unit

S = WorkOrderState
A = LifecycleAction

# The table written out once more, by hand, as the operator's rules state it: a change to lifecycle.py that
# is not also made here fails the exhaustive test below.
EXPECTED: dict[tuple[WorkOrderState, LifecycleAction], WorkOrderState | None] = {
    (S.NEW, A.ACCEPT): S.ACCEPTED,
    (S.NEW, A.AUTO_ANSWER): S.AUTO_ANSWERED,
    (S.NEW, A.CANCEL): S.CANCELLED,
    (S.ACCEPTED, A.AUTO_ANSWER): S.AUTO_ANSWERED,
    (S.ACCEPTED, A.DISPATCH): S.DISPATCHED,
    (S.ACCEPTED, A.SUSPEND): S.SUSPENDED,
    (S.ACCEPTED, A.ESCALATE): S.ESCALATED,
    (S.ACCEPTED, A.REPLY): S.REPLIED,  # first-contact resolution
    (S.ACCEPTED, A.CANCEL): S.CANCELLED,
    (S.DISPATCHED, A.REJECT_DISPATCH): S.DISPATCH_REJECTED,
    (S.DISPATCHED, A.START): S.IN_PROGRESS,
    (S.DISPATCHED, A.SUSPEND): S.SUSPENDED,
    (S.DISPATCHED, A.ESCALATE): S.ESCALATED,
    (S.DISPATCHED, A.REPLY): S.REPLIED,  # a system (NSP) answers without a separate start
    (S.DISPATCHED, A.CANCEL): S.CANCELLED,
    (S.DISPATCH_REJECTED, A.DISPATCH): S.DISPATCHED,
    (S.DISPATCH_REJECTED, A.CANCEL): S.CANCELLED,
    (S.IN_PROGRESS, A.PEND): S.PENDING,
    (S.IN_PROGRESS, A.REQUEST_INFO): S.PENDING,
    (S.IN_PROGRESS, A.SUSPEND): S.SUSPENDED,
    (S.IN_PROGRESS, A.ESCALATE): S.ESCALATED,
    (S.IN_PROGRESS, A.REPLY): S.REPLIED,
    (S.IN_PROGRESS, A.CANCEL): S.CANCELLED,
    (S.PENDING, A.SUPPLY_INFO): S.IN_PROGRESS,
    (S.PENDING, A.ESCALATE): S.ESCALATED,
    (S.PENDING, A.CANCEL): S.CANCELLED,
    (S.SUSPENDED, A.RESUME): None,
    (S.SUSPENDED, A.CANCEL): S.CANCELLED,
    (S.ESCALATED, A.START): S.IN_PROGRESS,
    (S.ESCALATED, A.SUSPEND): S.SUSPENDED,
    (S.ESCALATED, A.ESCALATE): S.ESCALATED,  # the next level up
    (S.ESCALATED, A.REPLY): S.REPLIED,
    (S.ESCALATED, A.CANCEL): S.CANCELLED,
    (S.AUTO_ANSWERED, A.REPLY): S.REPLIED,  # the recovery notice once the outage is cleared
    (S.AUTO_ANSWERED, A.RETURN_VISIT): S.RETURN_VISITED,
    (S.REPLIED, A.RETURN_VISIT): S.RETURN_VISITED,
    (S.RETURN_VISITED, A.CLOSE): S.CLOSED,
    # a reminder (催办) hurries the department holding an open, dispatched work order: the state stays
    (S.DISPATCHED, A.REMIND): S.DISPATCHED,
    (S.IN_PROGRESS, A.REMIND): S.IN_PROGRESS,
    (S.PENDING, A.REMIND): S.PENDING,
    (S.ESCALATED, A.REMIND): S.ESCALATED,
}
# An incident (ticket type INCIDENT) has no return visit, its children, the customers, have theirs: replied, it is
# closed straight away; one visited before that rule (RETURN_VISITED) is still closed.
INCIDENT_EXPECTED: dict[tuple[WorkOrderState, LifecycleAction], WorkOrderState | None] = {
    **{pair: target for pair, target in EXPECTED.items() if pair[1] is not A.RETURN_VISIT},
    (S.REPLIED, A.CLOSE): S.CLOSED,
}
TABLES = [pytest.param(LIFECYCLE, EXPECTED, id="complaint"), pytest.param(INCIDENT_LIFECYCLE, INCIDENT_EXPECTED,
                                                                          id="incident")]


@pytest.mark.parametrize(("lifecycle", "table"), TABLES)
@pytest.mark.parametrize(("state", "action"), list(itertools.product(S, A)), ids=lambda v: v.value)
def test_every_pair_of_state_and_action(lifecycle: Lifecycle, table: dict[tuple[WorkOrderState, LifecycleAction],
                                                                          WorkOrderState | None],
                                        state: WorkOrderState, action: LifecycleAction) -> None:
    expected = table.get((state, action), "refused")
    if expected == "refused":
        with pytest.raises(TransitionRefused) as refused:
            lifecycle.target(state, action, resume_to=S.IN_PROGRESS, work_order_id="WO20261203AAAA0001")
        message = str(refused.value)
        assert state.value in message
        assert action.value in message
        assert "WO20261203AAAA0001" in message
        assert refused.value.allowed == lifecycle.allowed(state)
    elif expected is None:
        for held in SUSPENDABLE:
            assert lifecycle.target(state, action, resume_to=held) is held
    else:
        assert lifecycle.target(state, action) is expected


@pytest.mark.parametrize(("lifecycle", "table"), TABLES)
def test_the_table_has_nothing_beyond_the_expected_pairs(
        lifecycle: Lifecycle, table: dict[tuple[WorkOrderState, LifecycleAction], WorkOrderState | None]) -> None:
    assert {(state, action) for state, action, _ in lifecycle.pairs()} == set(table)


def test_each_ticket_type_has_its_table_and_an_incidents_refused_visit_says_why() -> None:
    assert lifecycle_of("INCIDENT") is INCIDENT_LIFECYCLE
    assert lifecycle_of("COMPLAINT") is LIFECYCLE and lifecycle_of(None) is LIFECYCLE
    for state in (S.REPLIED, S.AUTO_ANSWERED):
        with pytest.raises(TransitionRefused) as refused:
            INCIDENT_LIFECYCLE.target(state, A.RETURN_VISIT, work_order_id="WO20261203AAAA0001")
        assert refused.value.why is not None and "an incident has no return visit" in refused.value.why
        assert refused.value.why in str(refused.value)
    with pytest.raises(TransitionRefused) as refused:
        LIFECYCLE.target(S.REPLIED, A.CLOSE)
    assert refused.value.why is None
    with pytest.raises(TransitionRefused) as refused:  # finished: nothing more to say
        INCIDENT_LIFECYCLE.target(S.CLOSED, A.RETURN_VISIT)
    assert refused.value.why is None


@pytest.mark.parametrize("lifecycle", [LIFECYCLE, INCIDENT_LIFECYCLE], ids=["complaint", "incident"])
def test_no_reverse_flow(lifecycle: Lifecycle) -> None:
    for state, action, transition in lifecycle.pairs():
        sources = [(state, held) for held in SUSPENDABLE] if state is S.SUSPENDED else [(state, None)]
        for source, held in sources:
            before = stage_of(source, held)
            targets = [held] if transition.target is None else [transition.target]
            for target in targets:
                assert target is not None
                after = stage_of(target, source if target is S.SUSPENDED else None)
                assert after >= before, f"{source} --{action}--> {target} goes back from {before} to {after}"


def test_finished_work_orders_take_no_action() -> None:
    for state in FINAL:
        assert LIFECYCLE.allowed(state) == []
        with pytest.raises(TransitionRefused, match="nothing"):
            LIFECYCLE.target(state, A.REPLY)


def test_resume_needs_the_state_before_the_suspension() -> None:
    with pytest.raises(ValueError, match="before the suspension"):
        LIFECYCLE.target(S.SUSPENDED, A.RESUME)
    with pytest.raises(ValueError, match="before the suspension"):
        LIFECYCLE.target(S.SUSPENDED, A.RESUME, resume_to=S.CLOSED)


def test_request_info_keeps_the_owner_and_dispatch_and_escalation_change_it() -> None:
    owners = {action for _, action, t in LIFECYCLE.pairs() if t.changes_owner}
    assert owners == {A.DISPATCH, A.ESCALATE}


def test_paused_states_and_stages_are_complete() -> None:
    assert {S.PENDING, S.SUSPENDED} == PAUSED
    assert set(STAGE) == set(S)
    assert set(TMF621_STATUS) == set(S)
    assert stage_of(S.RETURN_VISITED) is Stage.RETURN_VISIT
    with pytest.raises(ValueError, match="suspended"):
        stage_of(S.SUSPENDED)


def test_two_transitions_for_one_pair_are_refused_when_the_table_is_built() -> None:
    twice = (Transition(A.ACCEPT, frozenset({S.NEW}), S.ACCEPTED),
             Transition(A.ACCEPT, frozenset({S.NEW}), S.CANCELLED))
    with pytest.raises(ValueError, match="two transitions for NEW"):
        Lifecycle(twice)


TMF621_FINAL = frozenset({"closed", "cancelled", "rejected"})  # TMF621's final statuses


def render_table() -> str:
    lines = ["| state | TMF621 status | stage | allowed actions → next state |", "|---|---|---|---|"]
    for state in WorkOrderState:
        moves = []
        for action in LIFECYCLE.allowed(state):
            target = LIFECYCLE.transition(state, action).target
            moves.append(f"{action.value} → {target.value if target else '(state before suspension)'}")
        stage = STAGE[state]
        stage_name = stage.name.lower() if stage is not None else "(that of the held state)"
        status = TMF621_STATUS[state]
        if status in TMF621_FINAL and state not in FINAL:  # TMF621 has it final; our state goes on
            status += " (**not final** here: below)"
        lines.append(f"| {state.value} | {status} | {stage_name} | {'; '.join(moves) or '—'} |")
    return "\n".join(lines)


def test_the_documented_table_is_the_code() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[3] / "docs" / "lifecycle.md").read_text(encoding="utf-8")
    between = doc.split("checks it -->\n", 1)[1].split("\n<!-- /lifecycle-table -->", 1)[0]
    assert between == render_table()
