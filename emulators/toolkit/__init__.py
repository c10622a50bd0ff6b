"""The shared emulator toolkit: every backend emulator is an ordinary WSGI/ASGI app wrapped by it.

What the wrapper adds (see :mod:`emulators.toolkit.app` for how an emulator plugs in):

- the admin API under ``/__admin/`` (:mod:`~emulators.toolkit.admin`): seeded faults (latency, error rate,
  connection reset, hang, outage window), a bounded request journal with XPath counts, reset, state, health;
- a runner on 127.0.0.1 (:mod:`~emulators.toolkit.runner`), in-process httpx transports
  (:mod:`~emulators.toolkit.transport`), an admin client (:mod:`~emulators.toolkit.client`) and a test handle
  (:mod:`~emulators.toolkit.handle`).

Minimal emulator::

    from emulators.toolkit import EmulatorApp, EmulatorHooks, start_emulator

    app = EmulatorApp(spyne_wsgi_app, name="boss", hooks=EmulatorHooks(protocol="soap11", reset=..., state=...))
    with start_emulator(app) as boss:
        ...  # boss.base_url, boss.admin, boss.assert_called("QueryCustomerTier", times=1)
"""

from emulators.toolkit.app import EmulatorApp
from emulators.toolkit.client import AdminAPIError, EmulatorAdmin
from emulators.toolkit.clock import Clock, FakeClock, Releaser, SystemClock
from emulators.toolkit.faults import FAULT_KINDS, Fault, FaultEngine, FaultSpecError
from emulators.toolkit.handle import EmulatorHandle, in_process_emulator, start_emulator
from emulators.toolkit.hooks import (
    ADMIN_PREFIX,
    EmulatedConnectionReset,
    EmulatedTimeout,
    EmulatorHooks,
    operation_from_root_element,
    operation_from_soap_body,
)
from emulators.toolkit.journal import Journal, JournalEntry, JournalQuery, XPathQueryError
from emulators.toolkit.runner import RunningServer, serve_all, serve_forever, start_server
from emulators.toolkit.transport import EmulatorTransport, SyncEmulatorTransport
from emulators.toolkit.wsgi import BufferedResponse
from emulators.toolkit.xmlutil import (
    UnsafeXMLError,
    parse_xml,
    root_element_operation,
    soap11_fault,
    soap_body_operation,
)

__all__ = [
    "ADMIN_PREFIX",
    "FAULT_KINDS",
    "AdminAPIError",
    "BufferedResponse",
    "Clock",
    "EmulatedConnectionReset",
    "EmulatedTimeout",
    "EmulatorAdmin",
    "EmulatorApp",
    "EmulatorHandle",
    "EmulatorHooks",
    "EmulatorTransport",
    "FakeClock",
    "Fault",
    "FaultEngine",
    "FaultSpecError",
    "Journal",
    "JournalEntry",
    "JournalQuery",
    "Releaser",
    "RunningServer",
    "SyncEmulatorTransport",
    "SystemClock",
    "UnsafeXMLError",
    "XPathQueryError",
    "in_process_emulator",
    "operation_from_root_element",
    "operation_from_soap_body",
    "parse_xml",
    "root_element_operation",
    "serve_all",
    "serve_forever",
    "soap11_fault",
    "soap_body_operation",
    "start_emulator",
    "start_server",
]
