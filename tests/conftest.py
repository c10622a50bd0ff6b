"""Fixtures shared by the whole suite: the installed command sets and a real hub on 127.0.0.1."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.config.settings import HubSettings, load_settings
from hub.ingress.app import HubApp, create_app
from hub.routing.router import InMemoryRouter
from hub.validation.command_sets import CommandSetRegistry, schema_directory
from tests.support.postgres_server import PostgresServer, postgres_fixture
from tests.support.rabbitmq_server import RabbitMQServer, rabbitmq_fixture
from tests.support.servers import free_port, running_asgi, served_at


@pytest.fixture(autouse=True)
def _umask_restored() -> Iterator[None]:
    """A command run in-process (``CliRunner``) adds 0o077 to the process's umask (``hub.cli.file_modes``): the
    tests after it keep the umask pytest started with."""
    mask = os.umask(0o077)
    os.umask(mask)
    yield
    os.umask(mask)


@pytest.fixture(autouse=True)
def _root_logger_restored() -> Iterator[None]:
    """A command run in-process (``CliRunner``) configures logging for a process: its root handlers and level
    (``--log-level ERROR``) would otherwise silence the log records later tests assert on."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session")
def rabbitmq_server() -> Iterator[RabbitMQServer]:
    """A private RabbitMQ on free ports of 127.0.0.1, started once per session (fails, never skips)."""
    yield from rabbitmq_fixture()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A private PostgreSQL cluster on a free port of 127.0.0.1, started once per session (fails on CI, never
    skips there; skips with the reason elsewhere when Debian's postgresql-15 is missing)."""
    yield from postgres_fixture()


@pytest.fixture(scope="session")
def registry() -> CommandSetRegistry:
    return CommandSetRegistry.installed()


@pytest.fixture(scope="session")
def examples_dir() -> Iterator[Path]:
    with schema_directory() as directory:
        yield directory / "examples"


@pytest.fixture(scope="session")
def dev_settings() -> HubSettings:
    return load_settings()


@dataclass
class RunningHub:
    base_url: str
    app: HubApp
    router: InMemoryRouter

    def soap(self, command_set: str) -> str:
        return f"{self.base_url}/soap/{command_set}"

    def xml(self, command_set: str) -> str:
        return f"{self.base_url}/xml/{command_set}"


def start_hub(settings: HubSettings, registry: CommandSetRegistry) -> Iterator[RunningHub]:
    router, port = InMemoryRouter(), free_port()
    app = create_app(served_at(settings, port), router=router, registry=registry)
    with running_asgi(app.asgi, port=port) as base_url:
        yield RunningHub(base_url, app, router)


@pytest.fixture(scope="module")
def hub(dev_settings: HubSettings, registry: CommandSetRegistry) -> Iterator[RunningHub]:
    """A hub with the built-in development settings, served by uvicorn on a free port."""
    yield from start_hub(dev_settings, registry)
