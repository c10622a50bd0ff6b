"""The operator a QuerySmsLog names (``OperatorAccount``, written by the caller) against the caller the hub
authenticated (header ``caller``): both in every row; an account whose ``operator_roles`` entry names ``callers``
may be named only by those callers, any other query refused (``operator-caller-mismatch``) before DSMP is asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.dsmp import CALLER_MISMATCH, OperatorRole, SmsLogAccess, handlers
from hub.config.settings import ConfigError, load_settings
from hub.workers import WorkerTestClient
from tests.unit.adapters.dsmp.kit import ANSWER, Dsmp, error_code, query

pytestmark = pytest.mark.unit

BOUND = SmsLogAccess(frozenset({"network-backoffice"}), (
    OperatorRole("net-bo-*", "network-backoffice", frozenset({"cs-frontend"})),
    OperatorRole("net-ops-*", "network-backoffice"),  # no callers: any authenticated caller may name these
    OperatorRole("cs-*", "customer-service")))


def bound(dsmp: Dsmp) -> WorkerTestClient:
    dsmp.route.respond(200, content=ANSWER)
    return WorkerTestClient(handlers, consumer="dsmp", dependencies={**dsmp.dependencies, "sms_log_access": BOUND})


@pytest.mark.parametrize("headers", [{"caller": "nsp", "peer": "192.0.2.9"}, {}])
def test_a_back_office_account_named_by_another_caller_is_refused_and_audited(
        dsmp: Dsmp, headers: dict[str, str]) -> None:
    result = bound(dsmp).request(query(headers=headers))
    assert error_code(result.reply) == CALLER_MISMATCH and not result.dead
    assert dsmp.route.call_count == 0
    (row,) = dsmp.rows()
    assert (row["outcome"], row["operator"], row["role"], row["caller"]) == (
        "denied", "net-bo-liqiang", "network-backoffice", headers.get("caller", "unknown"))
    reason = str(row["reason"])
    assert reason.startswith(f"{CALLER_MISMATCH}: operator net-bo-liqiang may be named only by caller(s) cs-frontend")
    assert ("sent by nsp" in reason) if headers else ("a caller the message does not name" in reason)


def test_the_caller_the_account_is_bound_to_is_answered_and_both_are_audited(dsmp: Dsmp) -> None:
    result = bound(dsmp).request(query(headers={"caller": "cs-frontend", "peer": "192.0.2.44"}))
    assert result.processed
    _pending, row = dsmp.rows()
    assert (row["outcome"], row["operator"], row["caller"], row["peer"]) == (
        "allowed", "net-bo-liqiang", "cs-frontend", "192.0.2.44")


def test_an_account_whose_entry_names_no_callers_may_be_named_by_any_caller(dsmp: Dsmp) -> None:
    result = bound(dsmp).request(query("net-ops-zhao", headers={"caller": "nsp"}))
    assert result.processed and [r["caller"] for r in dsmp.results()] == ["nsp"]


def test_an_account_without_an_allowed_role_is_refused_for_its_role_whoever_sends_it(dsmp: Dsmp) -> None:
    result = bound(dsmp).request(query("cs-agent-0042", headers={"caller": "cs-frontend"}))
    assert error_code(result.reply) == "role-not-allowed"


def test_the_settings_bind_accounts_to_callers(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text('[adapters.dsmp]\nurl = "http://127.0.0.1:9/"\nsms_log_roles = ["network-backoffice"]\n'
                    'operator_roles = [{ account = "net-bo-*", role = "network-backoffice", '
                    'callers = ["cs-frontend", "cs-web"] }]\n')
    access = SmsLogAccess.from_options(load_settings(path).adapter("dsmp").options)
    entry = access.entry_of("net-bo-liqiang")
    assert entry == OperatorRole("net-bo-*", "network-backoffice", frozenset({"cs-frontend", "cs-web"}))
    assert entry.named_by("cs-web") and not entry.named_by("nsp") and not entry.named_by(None)


@pytest.mark.parametrize("callers", [[], "cs-frontend", [""], [1]])
def test_bad_callers_are_refused_naming_the_entry(callers: object) -> None:
    with pytest.raises(ValueError, match=r"operator_roles\[0\]: callers must be a non-empty list of caller names"):
        SmsLogAccess.from_options({"operator_roles": [{"account": "net-*", "role": "x", "callers": callers}]})


def test_an_entry_with_another_key_is_still_refused() -> None:
    with pytest.raises(ValueError, match=r"operator_roles\[0\] must be"):
        SmsLogAccess.from_options({"operator_roles": [{"account": "net-*", "role": "x", "caller": "cs"}]})


def test_a_caller_the_settings_do_not_have_is_refused_at_start(tmp_path: Path) -> None:
    """A misspelt caller in ``operator_roles`` refused every back-office query while the hub looked healthy
    (audit): the settings name it at start when they have ``[[callers]]``."""
    path = tmp_path / "hub.toml"
    path.write_text("\n".join([
        "[[callers]]", 'system = "CS"', 'username = "front"', f'token_hashes = ["sha256${"0" * 64}"]',
        'commands = ["*"]', "", "[adapters.dsmp]", 'url = "http://127.0.0.1:8104/xml"',
        'sms_log_roles = ["network-backoffice"]',
        'operator_roles = [{ account = "net-bo-*", role = "network-backoffice", callers = ["front", "cs-front-end"] }]',
    ]))
    with pytest.raises(ConfigError, match=r"operator_roles\[0\] names callers that are not in \[\[callers\]\]: "
                                          r"cs-front-end \(known: front\)"):
        load_settings(path)
    path.write_text(path.read_text().replace(', "cs-front-end"', ""))
    assert load_settings(path).adapter("dsmp").options["operator_roles"][0]["callers"] == ["front"]
