import pytest

from hub.config.settings import CallerConfig, ConfigError, load_settings
from hub.security import (
    AuthenticationFailed,
    CallerDirectory,
    NotAuthorized,
    hash_password,
    hash_token,
    verify_password,
    verify_token,
)
from hub.security.nonces import SqlNonceStore, nonce_store_url, open_nonce_store
from hub.soap.wsse import NonceCache

pytestmark = pytest.mark.unit

CS = CallerConfig(
    system="CS",
    username="cs",
    password_hash=hash_password("s3cret"),
    token_hashes=(hash_token("tok-1"),),
    ws_password="ws-s3cret",
    commands=("workorder.*", "boss.QueryCustomerTier"),
)


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


def test_an_unknown_user_costs_a_password_check_like_a_known_one(monkeypatch):
    import hub.security.callers

    checked: list[str] = []

    def verify(password: str, stored: str) -> bool:
        checked.append(password)
        return verify_password(password, stored)

    monkeypatch.setattr(hub.security.callers, "verify_password", verify)
    directory = CallerDirectory((CS, CallerConfig(system="OA", username="oa", commands=("oa.*",))))
    for username in ("nobody", "oa"):  # unknown, and known without a password
        with pytest.raises(AuthenticationFailed, match="unknown user or wrong password"):
            directory.authenticate_basic(username, "s3cret")
    assert checked == ["s3cret", "s3cret"]


def test_bearer_authentication():
    directory = CallerDirectory((CS,))
    assert directory.authenticate_token("tok-1") is CS
    with pytest.raises(AuthenticationFailed):
        directory.authenticate_token("tok-2")


def test_authorization_table_and_source_system():
    CallerDirectory.authorize_command(CS, "workorder.WorkOrderAction")
    CallerDirectory.authorize_command(CS, "boss.QueryCustomerTier")
    CallerDirectory.authorize_source(CS, "CS")
    with pytest.raises(NotAuthorized, match=r"may not send boss\.SyncHLR"):
        CallerDirectory.authorize_command(CS, "boss.SyncHLR")
    with pytest.raises(NotAuthorized, match="may not send as NSP"):
        CallerDirectory.authorize_source(CS, "NSP")


class TestNonceStoreSetting:
    """``[security] nonce_store``: this process's memory by default, else a database the hub processes share."""

    def load(self, tmp_path, text: str):
        path = tmp_path / "hub.toml"
        path.write_text(text, encoding="utf-8")
        return load_settings(path)

    def test_memory_by_default(self, tmp_path):
        settings = self.load(tmp_path, "")
        assert settings.security.nonce_store == "memory" and nonce_store_url(settings) is None
        assert isinstance(open_nonce_store(settings), NonceCache)

    def test_the_workflow_database_or_a_url(self, tmp_path):
        shared = self.load(tmp_path, '[security]\nnonce_store = "workflow"\n[workflow]\ndatabase = "work.db"\n')
        assert nonce_store_url(shared) == f"sqlite:///{tmp_path / 'work.db'}"
        store = open_nonce_store(shared)
        try:
            assert isinstance(store, SqlNonceStore) and store.check_and_add("cs", b"n", 1.0, 2.0)
        finally:
            store.close()
        url = f"sqlite:///{tmp_path / 'nonces.db'}"
        assert nonce_store_url(self.load(tmp_path, f'[security]\nnonce_store = "{url}"\n')) == url

    @pytest.mark.parametrize("value", ['"redis://cache"', '"disk"', "1"])
    def test_anything_else_is_refused_naming_the_setting(self, tmp_path, value):
        with pytest.raises(ConfigError, match=r"security\.nonce_store"):
            self.load(tmp_path, f"[security]\nnonce_store = {value}\n")
