"""WS-Security (OASIS WSS 1.1) for SOAP 1.1: UsernameToken with PasswordDigest."""

from hub.soap.wsse.username_token import (
    NonceCache,
    NonceCacheFull,
    SecurityTokenRefused,
    UsernameTokenVerifier,
    WsAccount,
    WsAccountLookup,
    WsUser,
    WsUsers,
    password_digest,
)

__all__ = [
    "NonceCache",
    "NonceCacheFull",
    "SecurityTokenRefused",
    "UsernameTokenVerifier",
    "WsAccount",
    "WsAccountLookup",
    "WsUser",
    "WsUsers",
    "password_digest",
]
