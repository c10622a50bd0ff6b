"""A [[callers]] entry nobody could ever authorize (its system no SystemCode, a commands glob matching no command
type) and a bulletin reader that is no system are refused when the hub's app is built, naming the file, the caller
and the value, instead of every request of that caller being refused 403."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import ConfigError, HubSettings, load_settings
from hub.ingress.app import create_app
from hub.security.authorization_table import check_authorization_table
from hub.security.secrets import hash_token
from hub.validation.command_sets import CommandSetRegistry

pytestmark = pytest.mark.unit

REGISTRY = CommandSetRegistry.installed(detailed=False)


def settings(tmp_path: Path, callers: str, bulletin: str = "") -> HubSettings:
    path = tmp_path / "hub.toml"
    path.write_text(f'[[callers]]\nusername = "cs-frontend"\ntoken_hashes = ["{hash_token("t")}"]\n{callers}'
                    + (f"[bulletin]\n{bulletin}" if bulletin else ""))
    return load_settings(path)


def test_the_schemas_system_codes() -> None:
    assert REGISTRY.system_codes() == {"CS", "HUB", "BOSS", "CRM", "NSP", "DSMP", "OA", "MAIL"}


def test_a_caller_of_a_known_system_and_matching_commands_passes(tmp_path: Path) -> None:
    check_authorization_table(settings(tmp_path, 'system = "CS"\ncommands = ["workorder.*", '
                                                 '"boss.QueryCustomerTier"]\n'), REGISTRY)
    check_authorization_table(load_settings(), REGISTRY)  # the built-in defaults


def test_a_system_that_is_no_system_code_is_named(tmp_path: Path) -> None:
    hub = settings(tmp_path, 'system = "Cs"\ncommands = ["workorder.*"]\n')
    with pytest.raises(ConfigError) as caught:
        check_authorization_table(hub, REGISTRY)
    assert str(caught.value) == (
        f"{hub.source}: callers[0] (cs-frontend).system: 'Cs' is no source system (BOSS, CRM, CS, DSMP, HUB, MAIL, "
        "NSP, OA: SystemCode of common.xsd), so no request could ever be authorized for it")


def test_a_commands_glob_matching_no_command_type_is_named_as_the_routing_table_names_it(tmp_path: Path) -> None:
    hub = settings(tmp_path, 'system = "CS"\ncommands = ["workorder.*", "workorders.*", "boss.QueryTier"]\n')
    with pytest.raises(ConfigError) as caught:
        check_authorization_table(hub, REGISTRY)
    assert str(caught.value) == (
        f"{hub.source}: callers[0] (cs-frontend).commands: 'workorders.*' matches no command type (did you mean "
        "'workorder.*'?): it allows nothing; callers[0] (cs-frontend).commands: 'boss.QueryTier' matches no command "
        "type (did you mean 'boss.QueryCustomerTier'?): it allows nothing")


def test_bulletin_readers_must_be_systems(tmp_path: Path) -> None:
    hub = settings(tmp_path, 'system = "CS"\ncommands = ["workorder.*"]\n',
                   'readers = ["CS", "cs"]\nnotice_readers = ["OA", "Oa"]\n')
    with pytest.raises(ConfigError, match=r"bulletin\.readers: 'cs' is no source system.*"
                                          r"bulletin\.notice_readers: 'Oa' is no source system"):
        check_authorization_table(hub, REGISTRY)


def test_the_hubs_app_is_not_built_with_such_a_caller(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"'workorders\.\*' matches no command type"):
        create_app(settings(tmp_path, 'system = "CS"\ncommands = ["workorders.*"]\n'), registry=REGISTRY)
