"""``oa.WithdrawToRead`` is the hub's own (a to-read of a work order closed or cancelled taken off OA's list): the
built-in routes take it to the OA adapter, and no caller of the built-in authorization table may send it (its POST
is refused 403 before any route is looked up), so no system withdraws a manager's to-reads."""

from __future__ import annotations

import pytest

from hub.config import load_settings
from hub.envelope import Envelope
from hub.routing.table import RoutingTable
from hub.security.callers import CallerDirectory, NotAuthorized
from hub.transport import TopologyConfig
from hub.validation.command_sets import CommandSetRegistry
from tests.unit.adapters.soap_kit import example

pytestmark = pytest.mark.unit

COMMAND = "oa.WithdrawToRead"


def table() -> RoutingTable:
    registry = CommandSetRegistry.installed()
    return RoutingTable.load(None, consumers=TopologyConfig().consumers, command_types=registry.command_types())


def test_the_hubs_withdrawal_goes_to_the_oa_adapter() -> None:
    payload = example("oa/WithdrawToRead.valid.xml")
    assert table().targets(Envelope("hub-1", COMMAND, "HUB", payload)) == ("oa",)
    assert table().unrouted([COMMAND]) == []  # every command of the built-in table has a route (test_routing_table)


def test_no_caller_may_send_it() -> None:
    for caller in load_settings().callers:
        with pytest.raises(NotAuthorized):
            CallerDirectory.authorize_command(caller, COMMAND)
