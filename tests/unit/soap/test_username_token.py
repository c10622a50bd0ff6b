"""WS-Security UsernameToken (PasswordDigest) verification of the SOAP library."""

import base64
import os
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from hub.config.settings import CallerConfig
from hub.security import CallerDirectory
from hub.soap.namespaces import ACTOR_NEXT
from hub.soap.wsse import (
    NonceCache,
    NonceCacheFull,
    SecurityTokenRefused,
    TokenReplayed,
    UsernameTokenVerifier,
    WsUser,
    WsUsers,
)
from tests.support.soap import SOAP_NS, security_header

pytestmark = pytest.mark.unit

CS = CallerConfig(system="CS", username="cs", ws_password="ws-s3cret", commands=("workorder.*",))


def soap_header(xml: str) -> etree._Element:
    return etree.fromstring(f'<soap:Header xmlns:soap="{SOAP_NS}">{xml}</soap:Header>')


def with_actor(header: str, actor: str) -> str:
    return header.replace("<wsse:Security ", f'<wsse:Security xmlns:soap="{SOAP_NS}" soap:actor="{actor}" ', 1)


class TestUsernameToken:
    def verifier(self) -> UsernameTokenVerifier[CallerConfig]:  # the hub's caller directory as the lookup
        return UsernameTokenVerifier(CallerDirectory((CS,)), window_seconds=300, nonce_cache_size=100)

    def test_valid_digest_is_accepted(self):
        assert self.verifier().verify(soap_header(security_header("cs", "ws-s3cret"))) is CS

    def test_wrong_password_and_unknown_user_are_refused(self):
        verifier = self.verifier()
        for header in (security_header("cs", "nope"), security_header("ghost", "ws-s3cret")):
            with pytest.raises(SecurityTokenRefused) as failed:
                verifier.verify(soap_header(header))
            assert failed.value.code == "FailedAuthentication"

    @pytest.mark.parametrize("minutes", [-6, 6])
    def test_created_outside_the_window_is_refused(self, minutes):
        created = datetime.now(UTC) + timedelta(minutes=minutes)
        with pytest.raises(SecurityTokenRefused) as failed:
            self.verifier().verify(soap_header(security_header("cs", "ws-s3cret", created=created)))
        assert failed.value.code == "MessageExpired"

    def test_created_inside_the_window_is_accepted(self):
        created = datetime.now(UTC) - timedelta(minutes=4)
        assert self.verifier().verify(soap_header(security_header("cs", "ws-s3cret", created=created))) is CS

    def test_replayed_nonce_is_refused(self):
        verifier = self.verifier()
        nonce = os.urandom(16)
        created = datetime.now(UTC)
        header = security_header("cs", "ws-s3cret", nonce=nonce, created=created)
        verifier.verify(soap_header(header))
        with pytest.raises(SecurityTokenRefused, match="replay"):
            verifier.verify(soap_header(header))

    def test_a_replay_is_told_apart_from_a_wrong_password(self):
        """The replay's digest was right: it is refused as FailedAuthentication, but as a `TokenReplayed` so that a
        sign-in throttle does not count it (a wrong password is a plain `SecurityTokenRefused`)."""
        verifier = self.verifier()
        header = security_header("cs", "ws-s3cret", nonce=os.urandom(16), created=datetime.now(UTC))
        verifier.verify(soap_header(header))
        with pytest.raises(TokenReplayed) as replayed:
            verifier.verify(soap_header(header))
        assert (replayed.value.code, replayed.value.username) == ("FailedAuthentication", "cs")
        with pytest.raises(SecurityTokenRefused) as wrong:
            verifier.verify(soap_header(security_header("cs", "nope")))
        assert not isinstance(wrong.value, TokenReplayed)

    def test_nonce_cache_is_bounded(self):
        verifier = self.verifier()
        for _ in range(100):
            verifier.verify(soap_header(security_header("cs", "ws-s3cret")))
        with pytest.raises(NonceCacheFull):
            verifier.verify(soap_header(security_header("cs", "ws-s3cret")))
        assert len(verifier.nonces) == 100

    def test_password_text_and_missing_token_are_refused(self):
        text = security_header("cs", "ws-s3cret").replace("#PasswordDigest", "#PasswordText")
        with pytest.raises(SecurityTokenRefused, match="PasswordDigest is required"):
            self.verifier().verify(soap_header(text))
        with pytest.raises(SecurityTokenRefused, match="UsernameToken is required"):
            self.verifier().verify(soap_header(""))
        with pytest.raises(SecurityTokenRefused):
            self.verifier().verify(None)

    def test_malformed_nonce_is_refused(self):
        header = security_header("cs", "ws-s3cret")
        nonce = header.split("<wsse:Nonce>")[1].split("<")[0]
        assert base64.b64decode(nonce)
        with pytest.raises(SecurityTokenRefused, match="malformed"):
            self.verifier().verify(soap_header(header.replace(nonce, "***")))

    def test_the_security_header_for_us_is_read_and_one_for_another_actor_is_not(self):
        verifier = self.verifier()
        other = with_actor(security_header("cs", "nope"), "http://example.com/gateway")
        assert verifier.verify(soap_header(other + security_header("cs", "ws-s3cret"))) is CS
        next_only = with_actor(security_header("cs", "ws-s3cret"), ACTOR_NEXT)
        assert verifier.verify(soap_header(next_only)) is CS
        with pytest.raises(SecurityTokenRefused, match="UsernameToken is required"):
            verifier.verify(soap_header(with_actor(security_header("cs", "ws-s3cret"), "http://example.com/gateway")))

    def test_a_refusal_names_the_username_it_was_for(self):
        with pytest.raises(SecurityTokenRefused) as failed:
            self.verifier().verify(soap_header(security_header("cs", "nope")))
        assert failed.value.username == "cs"


def test_a_plain_table_of_users_is_a_lookup_too():
    verifier = UsernameTokenVerifier(WsUsers({"hub": "hub-secret"}))
    assert verifier.verify(soap_header(security_header("hub", "hub-secret"))) == WsUser("hub", "hub-secret")
    with pytest.raises(SecurityTokenRefused, match="unknown user or wrong password"):
        verifier.verify(soap_header(security_header("hub", "other")))


def test_an_account_without_a_ws_password_cannot_sign_in():
    directory = CallerDirectory((CallerConfig(system="NSP", username="nsp"),))
    with pytest.raises(SecurityTokenRefused, match="unknown user or wrong password"):
        UsernameTokenVerifier(directory).verify(soap_header(security_header("nsp", "")))


@pytest.mark.parametrize("lookup", [
    CallerDirectory((CallerConfig(system="NSP", username="nsp", ws_password=""),)),
    WsUsers({"nsp": ""}),
], ids=["caller-directory", "emulator-table"])
def test_an_account_whose_secret_is_empty_cannot_sign_in_with_the_empty_password(lookup):
    """Defence in depth behind the settings' refusal of an empty ws_password_env: an empty secret is no secret."""
    with pytest.raises(SecurityTokenRefused, match="unknown user or wrong password") as refused:
        UsernameTokenVerifier(lookup).verify(soap_header(security_header("nsp", "")))
    assert refused.value.code == "FailedAuthentication"


NSP = CallerConfig(system="NSP", username="nsp", ws_password="nsp-s3cret", commands=("nsp.*",))
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def token(username: str, password: str, at: datetime, nonce: bytes | None = None) -> etree._Element:
    return soap_header(security_header(username, password, created=at, nonce=nonce))


class TestNonceCache:
    """A nonce is remembered until its token expires, never forgotten earlier; full: refuse, not forget."""

    def verifier(self, size: int, per_user: int | None = None) -> UsernameTokenVerifier[CallerConfig]:
        return UsernameTokenVerifier(CallerDirectory((CS, NSP)), window_seconds=300, nonce_cache_size=size,
                                     nonces_per_user=per_user)

    def test_a_full_cache_refuses_new_tokens_and_still_knows_the_replay(self):
        verifier, now = self.verifier(3), T0.timestamp()
        victim = token("nsp", "nsp-s3cret", T0)
        assert verifier.verify(victim, now=now) is NSP
        for second in (1, 2):
            verifier.verify(token("cs", "ws-s3cret", T0 + timedelta(seconds=second)), now=now + second)
        with pytest.raises(NonceCacheFull) as full:  # a valid token: the hub is busy, it is not forgotten
            verifier.verify(token("cs", "ws-s3cret", T0 + timedelta(seconds=3)), now=now + 3)
        assert (full.value.scope, full.value.caller, full.value.retry_after) == ("cache", "cs", 297)
        assert full.value.username is None  # not a failed sign-in of anyone
        with pytest.raises(SecurityTokenRefused, match="replay"):
            verifier.verify(victim, now=now + 4)

    def test_expired_nonces_make_room_first(self):
        verifier, now = self.verifier(2), T0.timestamp()
        verifier.verify(token("cs", "ws-s3cret", T0), now=now)
        verifier.verify(token("cs", "ws-s3cret", T0 + timedelta(seconds=200)), now=now + 200)
        later = T0 + timedelta(seconds=301)  # the first token has expired: its nonce can go
        assert verifier.verify(token("cs", "ws-s3cret", later), now=later.timestamp()) is CS
        assert len(verifier.nonces) == 2

    def test_a_nonce_is_remembered_while_its_token_is_valid(self):
        verifier, nonce = self.verifier(10), os.urandom(16)
        ahead = T0 + timedelta(seconds=250)  # a client clock ahead of ours: valid until T0 + 550 s
        verifier.verify(token("cs", "ws-s3cret", ahead, nonce), now=T0.timestamp())
        with pytest.raises(SecurityTokenRefused, match="replay"):
            verifier.verify(token("cs", "ws-s3cret", ahead, nonce), now=T0.timestamp() + 540)

    def test_each_username_has_its_own_share(self):
        verifier, now = self.verifier(4, per_user=2), T0.timestamp()
        for second in (0, 1):
            verifier.verify(token("cs", "ws-s3cret", T0 + timedelta(seconds=second)), now=now + second)
        with pytest.raises(NonceCacheFull) as full:
            verifier.verify(token("cs", "ws-s3cret", T0 + timedelta(seconds=2)), now=now + 2)
        assert (full.value.scope, full.value.retry_after) == ("caller", 298)
        assert verifier.verify(token("nsp", "nsp-s3cret", T0 + timedelta(seconds=3)), now=now + 3) is NSP
        assert (verifier.nonces.held_by("cs"), verifier.nonces.held_by("nsp")) == (2, 1)

    def test_a_refused_token_is_not_remembered(self):
        verifier, now = self.verifier(1), T0.timestamp()
        verifier.verify(token("cs", "ws-s3cret", T0), now=now)
        nonce = os.urandom(16)
        with pytest.raises(NonceCacheFull):
            verifier.verify(token("cs", "ws-s3cret", T0, nonce), now=now + 1)
        later = T0 + timedelta(seconds=301)  # sent again once there is room: accepted, then a replay
        assert verifier.verify(token("cs", "ws-s3cret", later, nonce), now=later.timestamp()) is CS
        with pytest.raises(SecurityTokenRefused, match="replay"):
            verifier.verify(token("cs", "ws-s3cret", later, nonce), now=later.timestamp() + 1)

    def test_sizes_must_be_positive(self):
        with pytest.raises(ValueError, match="positive"):
            NonceCache(300, 0)
        with pytest.raises(ValueError, match="positive"):
            NonceCache(300, 10, 0)
