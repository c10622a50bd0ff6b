"""Every emulator has the same files in the same places (emulators/README.md)."""

import importlib
from pathlib import Path

import pytest

from emulators.catalog import EMULATORS, resolve_emulator

pytestmark = pytest.mark.unit

SYSTEMS = ["boss", "crm", "dsmp", "nsp", "oa"]


def test_the_registry_knows_every_system():
    assert set(SYSTEMS) <= set(EMULATORS)


@pytest.mark.parametrize("system", SYSTEMS)
def test_an_emulator_package_has_the_skeleton(system):
    package = importlib.import_module(f"emulators.{system}")
    folder = Path(package.__file__).parent
    assert {"__init__.py", "app.py", "service.py", "state.py"} <= {p.name for p in folder.glob("*.py")}
    assert package.__all__ == ["create_emulator"]
    app = importlib.import_module(f"emulators.{system}.app")
    assert package.create_emulator is app.create_emulator is resolve_emulator(system)
    state = importlib.import_module(f"emulators.{system}.state")
    stores = [v for v in vars(state).values() if isinstance(v, type) and v.__module__ == state.__name__
              and callable(getattr(v, "reset", None)) and callable(getattr(v, "snapshot", None))]
    assert stores, f"emulators.{system}.state has no class with reset() and snapshot()"
