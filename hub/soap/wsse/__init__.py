"""WS-Security (OASIS WSS 1.1) for SOAP 1.1: UsernameToken with PasswordDigest (PasswordText over TLS on request)."""

from hub.soap.wsse.username_token import (
    MAX_NONCE_BYTES,
    MAX_USERNAME,
    AcceptedToken,
    NonceCache,
    NonceCacheFull,
    NonceStore,
    SecurityTokenRefused,
    TokenReplayed,
    UsernameTokenVerifier,
    WsAccount,
    WsAccountLookup,
    WsUser,
    WsUsers,
    password_digest,
)

__all__ = [
    "MAX_NONCE_BYTES",
    "MAX_USERNAME",
    "AcceptedToken",
    "NonceCache",
    "NonceCacheFull",
    "NonceStore",
    "SecurityTokenRefused",
    "TokenReplayed",
    "UsernameTokenVerifier",
    "WsAccount",
    "WsAccountLookup",
    "WsUser",
    "WsUsers",
    "password_digest",
]
