"""pytest plugin (entry point ``pytest11: onepoint_emulators``): emulators as fixtures.

Fixtures
--------
``emulator_factory``
    ``start(app_or_name, *, port=0, in_process=False, **factory_kwargs) -> EmulatorHandle``. ``app_or_name`` is
    an :class:`~emulators.toolkit.app.EmulatorApp` or the name of a registered emulator. The emulator is served on
    a free port of 127.0.0.1 (or, with ``in_process=True``, over an in-process transport) and stopped after the
    test. The handle has ``base_url``, ``admin`` (:class:`~emulators.toolkit.client.EmulatorAdmin`), ``http`` (an
    ``httpx.Client`` bound to it) and ``assert_called("QueryCustomerTier", times=1)``. ``factory_kwargs`` are the
    emulator's: ``emulator_factory("nsp", hub_url=..., hub_token=..., reply_delay=0.2, seed=7)``; ``hub_url`` is
    checked as ``onepoint emulate --hub-url`` is (:mod:`emulators.hub_address`: one no call-back could reach fails
    the test), and the call-backs go to ``{hub_url}/xml/nsp``, ``{hub_url}/xml/oa``, ``{hub_url}/mail/inbound``;
    ``faults=[{...}]`` are start-up faults, installed again by every reset.
``<name>_emulator`` (``boss_emulator``...)
    The registered emulator, made by ``create_emulator()`` with its defaults (seed 0; no hub URL: call-backs
    ``skipped``). ``emulator_fixture("boss", seed=7, subscribers=50)`` in a test module or conftest makes a
    ``boss_emulator`` with other arguments, taking the plugin's place.
``emulators``
    A lazy mapping: ``emulators["boss"]`` starts the registered ``boss`` emulator on first access. Within one test,
    ``emulators["boss"]`` and the ``boss_emulator`` fixture are the same server (one journal, faults and state).

Warnings: spyne 2.14 (the SOAP emulators) bundles an old ``six`` and imports ``cgi``; the plugin registers the two
filters that silence exactly those (:data:`SPYNE_WARNING_FILTERS`) in ``pytest_configure``, so a project that runs
with ``filterwarnings = error`` keeps working whatever order its tests run in.

Adding a system's emulator (for whoever writes ``emulators/<system>/``)
-----------------------------------------------------------------------
1. In the emulator package, provide a factory returning a fresh ``EmulatorApp``, e.g.
   ``emulators/boss/__init__.py: def create_emulator(*, seed: int = 0, **options) -> EmulatorApp``.
2. Register it below in ``EMULATORS`` as a *string* (``"boss": "emulators.boss:create_emulator"``), so this module
   never imports an emulator package, and add its fixture here with one line:
   ``boss_emulator = emulator_fixture("boss")``.
Tests and conftest files can also register at run time: ``register_emulator("fake", factory_or_dotted_path)``.

Import cost: this module imports only pytest and the standard library; the toolkit (uvicorn, lxml, httpx) and the
emulator packages are imported when a fixture is first used. A missing or broken emulator package makes only the
tests that use it error, with a message naming the package; pytest itself keeps working.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

import pytest

from emulators.catalog import EMULATORS, EmulatorUnavailable, register_emulator, resolve_emulator

if TYPE_CHECKING:
    from emulators.toolkit.app import EmulatorApp
    from emulators.toolkit.handle import EmulatorHandle

__all__ = [
    "EMULATORS",
    "SPYNE_WARNING_FILTERS",
    "EmulatorUnavailable",
    "StartEmulator",
    "emulator_factory",
    "emulator_fixture",
    "emulators",
    "pytest_configure",
    "register_emulator",
    "resolve_emulator",
]

SPYNE_WARNING_FILTERS = (
    # spyne 2.14's bundled six: its meta path importer has no find_spec (ImportWarning on every later import)
    "ignore:.*_SixMetaPathImporter.*:ImportWarning",
    # spyne imports cgi, deprecated since Python 3.11
    "ignore:'cgi' is deprecated:DeprecationWarning",
)
"""The warnings the SOAP emulators' spyne raises on Python 3.11, ignored in every project using the plugin."""


def pytest_configure(config: pytest.Config) -> None:
    """Add :data:`SPYNE_WARNING_FILTERS` after the project's own ``filterwarnings`` (later lines win)."""
    for line in SPYNE_WARNING_FILTERS:
        config.addinivalue_line("filterwarnings", line)


class StartEmulator(Protocol):
    def __call__(
        self, app_or_name: EmulatorApp | str, *, port: int = 0, in_process: bool = False, **factory_kwargs: Any
    ) -> EmulatorHandle: ...


@pytest.fixture
def emulator_factory() -> Iterator[StartEmulator]:
    """Start emulators in-process for one test; every one started is stopped afterwards."""
    from emulators.toolkit.handle import in_process_emulator, start_emulator

    started: list[EmulatorHandle] = []

    def start(
        app_or_name: EmulatorApp | str, *, port: int = 0, in_process: bool = False, **factory_kwargs: Any
    ) -> EmulatorHandle:
        if isinstance(app_or_name, str):
            unavailable: str | None = None
            try:
                factory = resolve_emulator(app_or_name)
            except EmulatorUnavailable as exc:
                unavailable = str(exc)
            if unavailable is not None:
                pytest.fail(unavailable, pytrace=False)
            if factory_kwargs.get("hub_url") is not None:
                factory_kwargs["hub_url"] = _checked_hub_url(app_or_name, factory_kwargs["hub_url"])
            app = factory(**factory_kwargs)
        else:
            if factory_kwargs:
                raise TypeError("factory keyword arguments need an emulator name, not an app")
            app = app_or_name
        handle = in_process_emulator(app) if in_process else start_emulator(app, port=port)
        started.append(handle)
        return handle

    yield start
    errors: list[BaseException] = []
    for handle in reversed(started):
        try:
            handle.stop()
        except Exception as exc:  # stop every emulator, then report
            errors.append(exc)
    if errors:
        raise errors[0]


def _checked_hub_url(name: str, hub_url: Any) -> str:
    """``hub_url=`` checked as ``onepoint emulate --hub-url`` is (:mod:`emulators.hub_address`): a URL no
    call-back could reach fails the test at once, not as failed call-backs in the emulator's state."""
    from emulators.hub_address import HubUrlError, check_hub_url

    problem = f"{hub_url!r} is not a URL string"
    if isinstance(hub_url, str):
        try:
            return check_hub_url(hub_url)
        except HubUrlError as exc:
            problem = str(exc)
    pytest.fail(f"{name}: hub_url {problem}", pytrace=False)


def emulator_fixture(name: str, **factory_kwargs: Any) -> Any:
    """A function-scoped fixture starting the emulator registered as ``name`` (``boss_emulator = ...``)."""

    @pytest.fixture(name=f"{name}_emulator")
    def _fixture(emulator_factory: StartEmulator, _emulators_by_name: dict[str, EmulatorHandle]) -> EmulatorHandle:
        if name in _emulators_by_name:  # emulators[name] started it earlier in this test's setup
            if factory_kwargs:
                pytest.fail(f"{name}_emulator takes {sorted(factory_kwargs)}, but emulators[{name!r}] already "
                            f"started {name!r} without them in this test; request {name}_emulator first",
                            pytrace=False)
            return _emulators_by_name[name]
        handle = _emulators_by_name[name] = emulator_factory(name, **factory_kwargs)
        return handle

    _fixture.__doc__ = f"The {name} emulator on a free port of 127.0.0.1 (stopped after the test)."
    return _fixture


@pytest.fixture
def _emulators_by_name() -> dict[str, EmulatorHandle]:
    """The emulators started by name in this test, shared by the named fixtures and ``emulators``."""
    return {}


class _LazyEmulators:
    """``emulators["boss"]``: start a registered emulator on first access, then reuse it within the test (the
    ``boss_emulator`` fixture's, if the test has it)."""

    def __init__(self, start: StartEmulator, handles: dict[str, EmulatorHandle]) -> None:
        self._start = start
        self._handles = handles

    def __getitem__(self, name: str) -> EmulatorHandle:
        if name not in self._handles:
            self._handles[name] = self._start(name)
        return self._handles[name]

    def __contains__(self, name: object) -> bool:
        return name in EMULATORS

    def names(self) -> list[str]:
        return sorted(EMULATORS)

    def start_all(self) -> dict[str, EmulatorHandle]:
        return {name: self[name] for name in self.names()}


@pytest.fixture
def emulators(emulator_factory: StartEmulator, _emulators_by_name: dict[str, EmulatorHandle]) -> _LazyEmulators:
    """Every registered emulator, started lazily by name: ``emulators["nsp"].base_url``."""
    return _LazyEmulators(emulator_factory, _emulators_by_name)


boss_emulator = emulator_fixture("boss")
crm_emulator = emulator_fixture("crm")
nsp_emulator = emulator_fixture("nsp")
dsmp_emulator = emulator_fixture("dsmp")
oa_emulator = emulator_fixture("oa")
mail_emulator = emulator_fixture("mail")  # its SMTP server on a free port too: mail_emulator.app.smtp.port
