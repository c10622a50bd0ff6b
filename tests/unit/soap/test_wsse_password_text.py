"""WS-Security UsernameToken with PasswordText (what WCF's TransportWithMessageCredential sends): refused unless
``[security] password_text_over_tls`` is on and the request came over TLS; then compared with the caller's secret,
its Nonce and Created optional (a Nonce remembered, a Created inside the window)."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from hub.config import ConfigError, load_settings
from hub.config.security import parse_security
from hub.config.settings import CallerConfig
from hub.security import CallerDirectory
from hub.soap.namespaces import TEXT_TYPE, WSSE_NS, WSU_NS
from hub.soap.wsse import SecurityTokenRefused, TokenReplayed, UsernameTokenVerifier
from tests.support.soap import SOAP_NS

pytestmark = pytest.mark.unit

CS = CallerConfig(system="CS", username="cs", ws_password="ws-s3cret é", commands=("workorder.*",))
NO_SECRET = CallerConfig(system="CRM", username="crm", ws_password="", commands=("crm.*",))
_NO_TYPE = object()


def text_token(username: str, password: str, *, kind: object = TEXT_TYPE, nonce: bytes | None = None,
               created: datetime | None = None) -> etree._Element:
    """A soap:Header whose UsernameToken carries ``password`` itself (``kind``: its Type, `_NO_TYPE` for none)."""
    type_attribute = "" if kind is _NO_TYPE else f' Type="{kind}"'
    extra = "" if nonce is None else f"<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce>"
    if created is not None:
        extra += f"<wsu:Created>{created.strftime('%Y-%m-%dT%H:%M:%SZ')}</wsu:Created>"
    return etree.fromstring(
        f'<soap:Header xmlns:soap="{SOAP_NS}"><wsse:Security xmlns:wsse="{WSSE_NS}" xmlns:wsu="{WSU_NS}">'
        f"<wsse:UsernameToken><wsse:Username>{username}</wsse:Username>"
        f"<wsse:Password{type_attribute}>{password}</wsse:Password>{extra}</wsse:UsernameToken>"
        "</wsse:Security></soap:Header>"
    )


def verifier(*, allowed: bool = True) -> UsernameTokenVerifier[CallerConfig]:
    return UsernameTokenVerifier(CallerDirectory((CS, NO_SECRET)), window_seconds=300, nonce_cache_size=100,
                                 password_text_over_tls=allowed)


def refusal(check: UsernameTokenVerifier[CallerConfig], header: etree._Element, *,
            over_tls: bool = True) -> SecurityTokenRefused:
    with pytest.raises(SecurityTokenRefused) as refused:
        check.verify(header, over_tls=over_tls)
    return refused.value


class TestWhenItIsAccepted:
    def test_over_tls_with_the_setting_on_it_signs_in(self) -> None:
        accepted = verifier().check(text_token("cs", "ws-s3cret é"), over_tls=True)
        assert accepted.account is CS and accepted.nonce is None

    def test_a_password_without_a_type_is_password_text(self) -> None:
        assert verifier().verify(text_token("cs", "ws-s3cret é", kind=_NO_TYPE), over_tls=True) is CS
        refused = refusal(verifier(), text_token("cs", "ws-s3cret é", kind=_NO_TYPE), over_tls=False)
        assert refused.code == "UnsupportedSecurityToken"

    def test_over_plain_http_it_is_refused_saying_https(self) -> None:
        refused = refusal(verifier(), text_token("cs", "ws-s3cret é"), over_tls=False)
        assert (refused.code, refused.username) == ("UnsupportedSecurityToken", "cs")
        assert "only over HTTPS" in refused.reason

    def test_with_the_setting_off_it_is_refused_saying_password_digest(self) -> None:
        refused = refusal(verifier(allowed=False), text_token("cs", "ws-s3cret é"), over_tls=True)
        assert refused.code == "UnsupportedSecurityToken"
        assert "PasswordDigest is required" in refused.reason
        assert "send the password as a PasswordDigest" in refused.reason

    def test_the_default_verifier_refuses_it_over_tls_too(self) -> None:
        plain = UsernameTokenVerifier(CallerDirectory((CS,)))
        with pytest.raises(SecurityTokenRefused, match="PasswordDigest is required"):
            plain.verify(text_token("cs", "ws-s3cret é"), over_tls=True)

    def test_another_password_type_is_still_unsupported(self) -> None:
        refused = refusal(verifier(), text_token("cs", "ws-s3cret é", kind="urn:example:hash"))
        assert refused.code == "UnsupportedSecurityToken"


class TestThePassword:
    @pytest.mark.parametrize("password", ["ws-s3cret", "ws-s3cret é ", "WS-S3CRET É", ""])
    def test_a_wrong_one_is_a_failed_authentication(self, password: str) -> None:
        refused = refusal(verifier(), text_token("cs", password))
        assert (refused.code, refused.username) == ("FailedAuthentication", "cs")
        assert not isinstance(refused, TokenReplayed)

    def test_an_unknown_user_or_an_account_without_a_secret_signs_nobody_in(self) -> None:
        for header in (text_token("ghost", "ws-s3cret é"), text_token("crm", "")):
            assert refusal(verifier(), header).code == "FailedAuthentication"


class TestNonceAndCreated:
    def test_a_nonce_is_remembered_and_its_replay_refused(self) -> None:
        check = verifier()
        header = text_token("cs", "ws-s3cret é", nonce=os.urandom(16), created=datetime.now(UTC))
        assert check.verify(header, over_tls=True) is CS
        assert isinstance(refusal(check, header), TokenReplayed)

    def test_without_a_nonce_nothing_is_remembered_and_the_token_is_taken_again(self) -> None:
        check = verifier()
        header = text_token("cs", "ws-s3cret é", created=datetime.now(UTC))
        assert check.verify(header, over_tls=True) is CS
        assert check.verify(header, over_tls=True) is CS
        assert len(check.nonces) == 0  # type: ignore[arg-type]

    @pytest.mark.parametrize("minutes", [-6, 6])
    def test_a_created_outside_the_window_is_refused(self, minutes: int) -> None:
        created = datetime.now(UTC) + timedelta(minutes=minutes)
        refused = refusal(verifier(), text_token("cs", "ws-s3cret é", created=created))
        assert refused.code == "MessageExpired"

    def test_a_nonce_without_a_created_is_refused(self) -> None:
        """Remembered for the window after its Created only: without one, the same token would be taken again once
        the window from its first use had passed."""
        refused = refusal(verifier(), text_token("cs", "ws-s3cret é", nonce=os.urandom(16)))
        assert (refused.code, refused.reason) == ("InvalidSecurityToken", "a Nonce needs a wsu:Created (send both, "
                                                                          "or neither)")

    def test_a_malformed_nonce_is_refused(self) -> None:
        header = text_token("cs", "ws-s3cret é", nonce=b"x", created=datetime.now(UTC))
        header.find(f".//{{{WSSE_NS}}}Nonce").text = "***"  # type: ignore[union-attr]
        assert refusal(verifier(), header).code == "InvalidSecurityToken"


class TestTheSetting:
    def test_it_is_off_by_default_and_read_from_security(self, tmp_path: Path) -> None:
        assert parse_security({}, "hub.toml").password_text_over_tls is False
        assert load_settings().security.password_text_over_tls is False
        path = tmp_path / "hub.toml"
        path.write_text("[security]\npassword_text_over_tls = true\n")
        assert load_settings(path).security.password_text_over_tls is True

    @pytest.mark.parametrize("value", ['"true"', "1", "[]"])
    def test_a_value_other_than_true_or_false_is_refused_naming_the_key(self, tmp_path: Path, value: str) -> None:
        path = tmp_path / "hub.toml"
        path.write_text(f"[security]\npassword_text_over_tls = {value}\n")
        with pytest.raises(ConfigError, match=r"security\.password_text_over_tls must be true or false"):
            load_settings(path)
