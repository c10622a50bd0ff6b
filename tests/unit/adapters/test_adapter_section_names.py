"""An ``[adapters.<name>]`` section naming no system the hub calls (a typo, upper case) is refused at load, naming
the closest system: it used to be accepted and never read, the system then left without a worker."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import ConfigError, load_settings
from hub.config.adapters import SYSTEMS
from hub.system import CONSUMER_PACKAGES

pytestmark = pytest.mark.unit


def load(tmp_path: Path, name: str) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(f'[adapters.{name}]\nurl = "http://127.0.0.1:8101/"\nusername = "hub"\npassword = "pw"\n')
    load_settings(path)


@pytest.mark.parametrize(("name", "closest"), [("bosss", "boss"), ("NSP", "nsp"), ("Dsmp", "dsmp"), ("crn", "crm")])
def test_a_misspelt_system_is_refused_naming_the_closest(tmp_path: Path, name: str, closest: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, name)
    assert str(caught.value) == (f"{tmp_path / 'hub.toml'}: [adapters.{name}] names no system the hub calls "
                                 f"(boss, crm, nsp, dsmp, oa): did you mean [adapters.{closest}]?")


def test_a_name_like_none_is_refused_naming_the_systems(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[adapters\.billing\] names no system the hub calls \(boss, crm, nsp, "
                                          r"dsmp, oa\)$"):
        load(tmp_path, "billing")


@pytest.mark.parametrize("name", SYSTEMS)
def test_every_system_loads(tmp_path: Path, name: str) -> None:
    load(tmp_path, name)


def test_the_systems_are_the_adapter_packages_the_hub_runs() -> None:
    adapters = {c for c, package in CONSUMER_PACKAGES.items() if package.startswith("adapters.")}
    assert set(SYSTEMS) == adapters - {"mail"}  # the mail adapter's settings are [mail] (docs/offline-mail.md)
