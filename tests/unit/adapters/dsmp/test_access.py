"""Who may query SMS logs: account patterns → roles, the allowed roles, and their [adapters.dsmp] settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.dsmp import OperatorRole, SmsLogAccess
from hub.config.settings import ConfigError, load_settings

pytestmark = pytest.mark.unit

ACCESS = SmsLogAccess(frozenset({"network-backoffice"}), (
    OperatorRole("net-bo-*", "network-backoffice"), OperatorRole("net-*", "network-field"),
    OperatorRole("cs-*", "customer-service")))


@pytest.mark.parametrize(("account", "role", "allowed"), [
    ("net-bo-liqiang", "network-backoffice", True),
    ("net-field-wang", "network-field", False),      # the first matching pattern wins, in order
    ("cs-agent-0042", "customer-service", False),
    ("NET-BO-liqiang", None, False),                   # patterns are case-sensitive
    ("stranger", None, False),
])
def test_the_first_matching_pattern_gives_the_role_and_only_allowed_roles_may_query(
        account: str, role: str | None, allowed: bool) -> None:
    assert ACCESS.role_of(account) == role
    assert ACCESS.allows(ACCESS.role_of(account)) is allowed


def test_without_settings_nobody_may_query() -> None:
    access = SmsLogAccess.from_options({})
    assert access.role_of("net-bo-liqiang") is None and not access.allows("network-backoffice")


def test_the_settings_file_gives_the_roles(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text('[adapters.dsmp]\nurl = "http://127.0.0.1:9/"\nsms_log_roles = ["network-backoffice"]\n'
                    'operator_roles = [{ account = "net-bo-*", role = "network-backoffice" }]\n')
    access = SmsLogAccess.from_options(load_settings(path).adapter("dsmp").options)
    assert access == SmsLogAccess(frozenset({"network-backoffice"}), (OperatorRole("net-bo-*", "network-backoffice"),))


def test_the_built_in_defaults_let_the_back_office_network_group_query() -> None:
    access = SmsLogAccess.from_options(load_settings().adapter("dsmp").options)
    assert access.allows(access.role_of("net-bo-liqiang")) and not access.allows(access.role_of("cs-agent-01"))


@pytest.mark.parametrize(("options", "message"), [
    ({"sms_log_roles": "network-backoffice"}, "sms_log_roles must be a list"),
    ({"operator_roles": [{"account": "net-*"}]}, r"operator_roles\[0\] must be"),
    ({"operator_roles": [{"account": "net-*", "role": ""}]}, r"operator_roles\[0\] must be"),
    ({"operator_roles": {"account": "net-*", "role": "x"}}, "operator_roles must be a list"),
])
def test_bad_settings_are_refused_with_the_entry_named(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SmsLogAccess.from_options(options)


def test_a_key_of_another_system_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text('[adapters.boss]\nurl = "http://127.0.0.1:9/"\nsms_log_roles = ["x"]\n')
    with pytest.raises(ConfigError, match=r"unknown keys \['sms_log_roles'\]"):
        load_settings(path)


def test_without_an_audit_key_no_dsmp_worker_can_be_wired(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import adapters.dsmp as dsmp_adapter
    from adapters.dsmp.wiring import AuditTrailUnavailable

    monkeypatch.delenv("TEST_NO_AUDIT_KEY", raising=False)
    path = tmp_path / "hub.toml"
    path.write_text('[adapters.dsmp]\nurl = "http://127.0.0.1:9/xml"\n'
                    '[audit]\npath = "audit.db"\nkey_env = "TEST_NO_AUDIT_KEY"\n')
    with pytest.raises(AuditTrailUnavailable, match=r"\[audit\]: no audit key"):  # serve stops, naming it
        dsmp_adapter.dependencies(load_settings(path), work_orders=dsmp_adapter.InMemoryWorkOrders())
    assert not (tmp_path / "audit.db").exists()


def test_without_the_work_order_store_no_dsmp_worker_can_be_wired(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Nobody would check the purpose of a query: no worker runs (the assembler gives the store, hub.system)."""
    import adapters.dsmp as dsmp_adapter

    monkeypatch.setenv("TEST_AUDIT_KEY", "a-test-audit-key-of-at-least-32-bytes")
    path = tmp_path / "hub.toml"
    path.write_text('[adapters.dsmp]\nurl = "http://127.0.0.1:9/xml"\n'
                    '[audit]\npath = "audit.db"\nkey_env = "TEST_AUDIT_KEY"\n')
    with pytest.raises(ConfigError, match="work-order store"):
        dsmp_adapter.dependencies(load_settings(path))
    assert not (tmp_path / "audit.db").exists()
