"""What the scenario's flows share: the running stage, the seeded customers, the simulator's day (the load source
of the complaints the operator's rules act on), the callers' SOAP clients and XML posts (the development
credentials), the notes of the callers' side, the facts each play establishes (for ``--json``), what the hub logged
(the tap), and waiting.

The workflow is the hub's own (``hub.workflow``, the ``workflow`` worker of the system): the demo plays only the
callers and the people at the systems (a CS agent, an NSP operator, an OA user), never the workflow.
"""

from __future__ import annotations

import time
import uuid
import warnings
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

from emulators.population import Population, generate_population
from emulators.toolkit import EmulatorAdmin
from hub.demo.day import ProvinceDay
from hub.demo.events import Event, HubTap
from hub.demo.stage import DemoStage

__all__ = ["AGENT", "CS_PASSWORD", "CS_TOKEN", "CS_USER", "ORDINARY_TIERS", "FlowFailed", "Scene"]

CS_USER, CS_PASSWORD, CS_TOKEN = "cs-frontend", "cs-dev-password", "cs-dev-token"  # development credentials
AGENT = "cs-agent-0042"  # the CS agent at the front end
ORDINARY_TIERS = ("PREPAID", "SHENZHOUXING", "OTHER_BRAND", "CONTRACT")
WAIT = 20.0  # seconds before a missing effect fails its flow


class FlowFailed(RuntimeError):
    """A flow did not complete: what was missing or wrong."""


class Scene:
    """The demo's side of the conversation (callers, an OA user, an NSP operator); ``tap``: the hub's records."""

    def __init__(self, stage: DemoStage, tap: HubTap, day: ProvinceDay, *, subscribers: int = 1000) -> None:
        self.stage, self.tap, self.day = stage, tap, day
        self.population: Population = generate_population(day.seed, subscribers)  # what the emulators hold
        self.run = uuid.uuid4().hex[:6]
        self.notes: list[Event] = []
        self.facts: dict[str, Any] = {}  # what the running play established (the runner keeps them per flow)
        self._count = 0
        self._soap: dict[str, Any] = {}
        self._admins: dict[str, EmulatorAdmin] = {}
        self.http = httpx.Client(timeout=30.0)

    @property
    def vip(self) -> Any:
        """The first seeded VIP customer with an account manager."""
        return next(s for s in self.population.subscribers
                    if s.effective_tier.startswith("VIP_") and s.account_manager_id)

    def message_id(self, label: str) -> str:
        self._count += 1
        return f"demo-{self.run}-{label}-{self._count:03d}"

    def note(self, source: str, target: str, command: str, outcome: str, took: float | None = None,
             at: float | None = None) -> None:
        """A step seen from the callers' side (the demo)."""
        self.notes.append(Event(time.time() if at is None else at, source, target, command, outcome, "caller",
                                took))

    def wait(self, check: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
        """Poll ``check`` until it returns something truthy; ``FlowFailed`` naming ``what`` after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            found = check()
            if found:
                return found
            if time.monotonic() > deadline:
                raise FlowFailed(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(0.02)

    # -- the callers ------------------------------------------------------------------------------------------
    def soap(self, command_set: str) -> Any:
        """A zeep client of the hub's ``/soap/<set>`` as the complaint front end (WS-Security digest)."""
        if command_set not in self._soap:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import zeep
                from zeep.wsse.username import UsernameToken
            token = UsernameToken(CS_USER, CS_PASSWORD, use_digest=True)  # type: ignore[no-untyped-call]
            self._soap[command_set] = zeep.Client(  # type: ignore[no-untyped-call]
                f"{self.stage.hub_url}/soap/{command_set}?wsdl", wsse=token)
        return self._soap[command_set]

    def header(self, label: str) -> dict[str, str]:
        from hub.demo.documents import now_text

        return {"MessageId": self.message_id(label), "SourceSystem": "CS", "SentAt": now_text()}

    def post_xml(self, command_set: str, document: bytes, *, token: str = CS_TOKEN) -> httpx.Response:
        return self.http.post(f"{self.stage.hub_url}/xml/{command_set}", content=document,
                              headers={"content-type": "application/xml", "authorization": f"Bearer {token}"})

    def bulletin(self, agent: str) -> dict[str, Any]:
        response = self.http.get(f"{self.stage.hub_url}/bulletin", params={"agent": agent},
                                 auth=(CS_USER, CS_PASSWORD))
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    # -- the systems (emulators) ------------------------------------------------------------------------------
    def admin(self, system: str) -> EmulatorAdmin:
        if system not in self._admins:
            self._admins[system] = EmulatorAdmin(self.stage.urls[system])
        return self._admins[system]

    def system_url(self, system: str) -> str:
        return self.stage.urls[system]

    # -- the hub ----------------------------------------------------------------------------------------------
    def handled(self, consumer: str, command_type: str, since: float) -> Event | None:
        """The hub's record of ``consumer``'s worker having handled a ``command_type`` since ``since``."""
        return next((e for e in list(self.tap.events) if e.at >= since and e.target == f"{consumer} worker"
                     and e.command == command_type), None)

    def settled(self, since: float) -> bool:
        """Whether every command the hub's handlers sent since ``since`` has been handled by its consumer's worker
        (so the system it was for has got it)."""
        owed: Counter[tuple[str, str]] = Counter()
        for event in [e for e in list(self.tap.events) if e.at >= since]:
            if event.target.startswith("queue "):
                for consumer in event.target.removeprefix("queue ").split(", "):
                    owed[consumer, event.command] += 1
            elif event.target.endswith(" worker"):
                owed[event.target.removesuffix(" worker"), event.command] -= 1
        return all(count <= 0 for count in owed.values())

    def close(self) -> None:
        for admin in self._admins.values():
            admin.close()
        self.http.close()
