"""An operator's routing table written before ``workorder.NspWithdrawalNote`` existed (the work-order commands
listed by name, no ``workorder.*``): NSP's withdrawal is still carried out and settled, the note left out with an
error logged (audit: the note's NoRouteError dead-lettered the withdrawal NSP had done, and a replay failed again)."""

from __future__ import annotations

from pathlib import Path

import pytest
import respx

from adapters.nsp import NspClient, handlers
from hub.gateways import CircuitBreakers, XmlGateway
from hub.routing import RoutingTable
from hub.validation.command_sets import CommandSetRegistry
from hub.workers import WorkerTestClient
from tests.unit.adapters.soap_kit import BASE_URL, command, example, registry, settings

pytestmark = pytest.mark.unit


def test_a_table_without_the_note_route_still_settles_the_withdrawal(tmp_path: Path,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    types = CommandSetRegistry.installed().command_types()
    listed = sorted(c for c in types if c.startswith("workorder.") and c != "workorder.NspWithdrawalNote")
    path = tmp_path / "routes.toml"
    path.write_text("\n".join([
        "[[routes]]", 'name = "work orders, listed by name"', f"commands = {listed!r}".replace("'", '"'),
        'to = ["workflow"]', "reply_timeout = 15",
        "[[routes]]", 'name = "nsp"', 'commands = ["nsp.NetworkComplaintDispatch", "nsp.NetworkComplaintWithdraw"]',
        'to = ["nsp"]']))
    table = RoutingTable.load(path, consumers=["workflow", "nsp"], command_types=types)
    with respx.mock(assert_all_called=False) as router:
        nsp = router.post(BASE_URL).respond(200, content=example("nsp/responses/NetworkComplaintWithdrawResponse.xml"),
                                            headers={"content-type": "application/xml"})
        gateway = XmlGateway(settings("nsp", username=None, password=None, token="hub-token"), registry().get("nsp"),
                             breakers=CircuitBreakers())
        try:
            client = WorkerTestClient(handlers, consumer="nsp", dependencies={"nsp": NspClient(gateway)},
                                      routing=table)
            result = client.send(command("nsp/NetworkComplaintWithdraw.valid.xml", message_id="hub-w-00000009"))
        finally:
            gateway.close()
    assert nsp.call_count == 1 and result.processed and client.dead_letters == []
    assert result.outcome is not None and result.outcome.startswith("withdrawal ")
    assert any("no route takes workorder.NspWithdrawalNote" in record.getMessage() for record in caplog.records)
