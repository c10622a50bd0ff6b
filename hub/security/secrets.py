"""Stored forms of callers' secrets: scrypt password hashes and SHA-256 token digests.

Passwords for HTTP Basic are stored as scrypt hashes (``scrypt$n$r$p$salt$hash``, base64 parts). Bearer tokens
are high-entropy, so a SHA-256 digest of each is stored. WS-Security PasswordDigest is the one scheme that needs
the shared secret itself (the digest is computed from it), so that secret comes from config or the environment.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

__all__ = ["hash_password", "hash_token", "verify_password", "verify_token"]

_N, _R, _P = 2**14, 8, 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def hash_token(token: str) -> str:
    return "sha256$" + hashlib.sha256(token.encode("utf-8")).hexdigest()


def verify_token(token: str, stored: str) -> bool:
    return hmac.compare_digest(hash_token(token), stored)
