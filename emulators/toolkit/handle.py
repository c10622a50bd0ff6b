"""A running emulator as tests see it: URL, admin client, journal assertions, stop.

``start_emulator(app)`` serves it on a free port of 127.0.0.1; ``in_process_emulator(app)`` gives the same
handle over an in-process transport (no socket; ``handle.http`` and ``handle.admin`` use it).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx

from emulators.toolkit.app import EmulatorApp
from emulators.toolkit.client import EmulatorAdmin
from emulators.toolkit.runner import LOOPBACK, RunningServer, start_server
from emulators.toolkit.transport import SyncEmulatorTransport

__all__ = ["EmulatorHandle", "in_process_emulator", "start_emulator"]


class EmulatorHandle:
    """One emulator under test. ``http`` is an ``httpx.Client`` bound to the emulator (closed on stop)."""

    def __init__(self, app: EmulatorApp, *, base_url: str, server: RunningServer | None = None,
                 transport: httpx.BaseTransport | None = None, timeout: float = 10.0) -> None:
        self.app = app
        self.name = app.name
        self.base_url = base_url
        self.server = server
        self._transport = transport
        self.http = httpx.Client(base_url=base_url, transport=transport, timeout=timeout)
        self.admin = EmulatorAdmin(client=self.http)

    def url(self, path: str = "/") -> str:
        return f"{self.base_url}{path if path.startswith('/') else '/' + path}"

    # journal assertions --------------------------------------------------------------------------------
    def assert_called(
        self, operation: str | None = None, times: int | None = None, *, at_least: int = 1,
        xpath: str | None = None, namespaces: Mapping[str, str] | None = None,
    ) -> int:
        """Assert the journal holds ``times`` (exactly) or ``at_least`` requests matching; returns the count.
        A failure says when requests could not be judged (stored truncated) or were pushed out of the journal."""
        details = self.admin.count_details(operation, xpath=xpath, namespaces=namespaces)
        count: int = details["count"]
        ok = count == times if times is not None else count >= at_least
        if not ok:
            wanted = f"exactly {times}" if times is not None else f"at least {at_least}"
            seen = self.admin.count_by_operation()
            what = operation or "any operation"
            if xpath is not None:
                what += f" matching {xpath!r}"
            notes = ""
            if details.get("unsearchable"):
                notes += (f"; {details['unsearchable']} more request(s) were journalled truncated (over body_cap) "
                          "and could not be checked against the XPath")
            if details.get("dropped"):
                notes += f"; the journal dropped {details['dropped']} older request(s) (capacity)"
            raise AssertionError(f"{self.name}: expected {wanted} call(s) of {what}, found {count}; "
                                 f"journal by operation: {seen}{notes}")
        return count

    def assert_not_called(
        self, operation: str | None = None, *, xpath: str | None = None, namespaces: Mapping[str, str] | None = None
    ) -> None:
        self.assert_called(operation, 0, xpath=xpath, namespaces=namespaces)

    def journal(self, **filters: Any) -> list[dict[str, Any]]:
        return self.admin.journal(**filters)

    def add_fault(self, kind: str, operation: str | None = None, **params: Any) -> dict[str, Any]:
        return self.admin.add_fault(kind, operation, **params)

    def reset(self, seed: int | str | None = None) -> None:
        self.admin.reset(seed)

    def state(self) -> dict[str, Any]:
        return self.admin.state()

    # lifecycle -----------------------------------------------------------------------------------------
    def stop(self) -> None:
        self.http.close()
        if self._transport is not None:
            self._transport.close()
        if self.server is not None:
            self.server.stop()
        else:
            self.app.close()

    def __enter__(self) -> EmulatorHandle:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<EmulatorHandle {self.name} {self.base_url}>"


def start_emulator(app: EmulatorApp, *, host: str = LOOPBACK, port: int = 0) -> EmulatorHandle:
    """Serve ``app`` on ``host:port`` (0 = a free port) in a background thread."""
    server = start_server(app, host=host, port=port)
    return EmulatorHandle(app, base_url=server.url, server=server)


def in_process_emulator(app: EmulatorApp) -> EmulatorHandle:
    """The same handle without a socket: requests go through :class:`SyncEmulatorTransport`."""
    app.reopen()
    return EmulatorHandle(app, base_url=f"http://{app.name}.emulator.invalid", transport=SyncEmulatorTransport(app))
