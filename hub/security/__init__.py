"""Security: caller authentication (HTTP Basic, bearer tokens, WS-Security) and authorization."""

from hub.security.callers import AuthenticationFailed, CallerDirectory, NotAuthorized
from hub.security.secrets import hash_password, hash_token, verify_password, verify_token
from hub.security.wssecurity import NonceCache, UsernameTokenVerifier, password_digest

__all__ = [
    "AuthenticationFailed",
    "CallerDirectory",
    "NonceCache",
    "NotAuthorized",
    "UsernameTokenVerifier",
    "hash_password",
    "hash_token",
    "password_digest",
    "verify_password",
    "verify_token",
]
