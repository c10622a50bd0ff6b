import base64
import os
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from hub.config.settings import CallerConfig
from hub.security import (
    AuthenticationFailed,
    CallerDirectory,
    NotAuthorized,
    hash_password,
    hash_token,
    verify_password,
    verify_token,
)
from hub.soap.wsse import SecurityTokenRefused, UsernameTokenVerifier
from tests.support.soap import SOAP_NS, security_header

pytestmark = pytest.mark.unit

CS = CallerConfig(
    system="CS",
    username="cs",
    password_hash=hash_password("s3cret"),
    token_hashes=(hash_token("tok-1"),),
    ws_password="ws-s3cret",
    commands=("workorder.*", "boss.QueryCustomerTier"),
)


def soap_header(xml: str) -> etree._Element:
    return etree.fromstring(f'<soap:Header xmlns:soap="{SOAP_NS}">{xml}</soap:Header>')


def test_password_hashes_verify_and_differ_by_salt():
    first, second = hash_password("pw"), hash_password("pw")
    assert first != second
    assert verify_password("pw", first)
    assert not verify_password("pw2", first)
    assert not verify_password("pw", "garbage")


def test_tokens_are_stored_as_digests():
    assert verify_token("abc", hash_token("abc"))
    assert not verify_token("abd", hash_token("abc"))
    assert "abc" not in hash_token("abc")


def test_basic_authentication_and_its_cache():
    directory = CallerDirectory((CS,))
    assert directory.cached_basic("cs", "s3cret") is None
    assert directory.authenticate_basic("cs", "s3cret") is CS
    assert directory.cached_basic("cs", "s3cret") is CS
    with pytest.raises(AuthenticationFailed):
        directory.authenticate_basic("cs", "wrong")
    with pytest.raises(AuthenticationFailed):
        directory.authenticate_basic("nobody", "s3cret")


def test_bearer_authentication():
    directory = CallerDirectory((CS,))
    assert directory.authenticate_token("tok-1") is CS
    with pytest.raises(AuthenticationFailed):
        directory.authenticate_token("tok-2")


def test_authorization_table_and_source_system():
    CallerDirectory.authorize(CS, "workorder.WorkOrderAction", "CS")
    CallerDirectory.authorize(CS, "boss.QueryCustomerTier", "CS")
    with pytest.raises(NotAuthorized, match=r"may not send boss\.SyncHLR"):
        CallerDirectory.authorize(CS, "boss.SyncHLR", "CS")
    with pytest.raises(NotAuthorized, match="may not send as NSP"):
        CallerDirectory.authorize(CS, "workorder.CreateWorkOrder", "NSP")


class TestUsernameToken:
    def verifier(self) -> UsernameTokenVerifier[CallerConfig]:
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

    def test_nonce_cache_is_bounded(self):
        verifier = self.verifier()
        for _ in range(250):
            verifier.verify(soap_header(security_header("cs", "ws-s3cret")))
        assert len(verifier.nonces._seen) <= 100

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
