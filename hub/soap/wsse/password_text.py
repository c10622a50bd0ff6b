"""WS-Security UsernameToken with PasswordText: the password itself in the message, taken only over TLS, on request.

WCF's (.NET) built-in UsernameToken (``TransportWithMessageCredential``) sends nothing else. PasswordDigest stays
the hub's default; with ``[security] password_text_over_tls`` on, a token whose ``wsse:Password`` is PasswordText
(the profile's ``#PasswordText`` Type, or no Type attribute at all, which the profile defines as PasswordText) is
taken when the request came over TLS (HTTPS: the hub's listener or a trusted proxy's ``X-Forwarded-Proto``), and
refused with ``wsse:UnsupportedSecurityToken`` otherwise, the reason saying what to send instead.

The password is compared in constant time on its UTF-8 bytes, exactly as sent (no whitespace stripped); an account
without a secret, or with an empty one, signs nobody in. Its Nonce and ``wsu:Created`` are optional (WCF sends
neither): TLS is then what keeps a token from being replayed, and the hub remembers nothing.
"""

from __future__ import annotations

import hmac

from lxml import etree

from hub.soap.namespaces import DIGEST_TYPE, TEXT_TYPE
from hub.soap.wsse.nonces import SecurityTokenRefused

__all__ = ["admit_password_type", "password_text_matches"]


def admit_password_type(password: etree._Element | None, username: str, *, allowed: bool, over_tls: bool) -> bool:
    """True when ``password`` is a PasswordText this request may carry, False when it is a PasswordDigest;
    `SecurityTokenRefused` (``UnsupportedSecurityToken``) for any other, and for a PasswordText the hub does not
    take (``allowed``: ``[security] password_text_over_tls``; ``over_tls``: the request came over HTTPS)."""
    kind = None if password is None else password.get("Type")
    if password is not None and kind == DIGEST_TYPE:
        return False
    if password is None or kind not in (None, TEXT_TYPE):
        raise SecurityTokenRefused("PasswordDigest is required (a wsse:Password of Type "
                                   f"{DIGEST_TYPE!r})", "UnsupportedSecurityToken", username=username)
    if not allowed:
        raise SecurityTokenRefused("PasswordDigest is required (PasswordText is refused): send the password as a "
                                   "PasswordDigest, with a Nonce and a wsu:Created", "UnsupportedSecurityToken",
                                   username=username)
    if not over_tls:
        raise SecurityTokenRefused("PasswordText is accepted only over HTTPS: send this request over TLS (https://), "
                                   "or send a PasswordDigest", "UnsupportedSecurityToken", username=username)
    return True


def password_text_matches(secret: str | None, given: str) -> bool:
    """Whether ``given`` is ``secret``, compared in constant time on UTF-8 bytes; never with no or an empty
    secret (an unfilled setting: nobody signs in as that account, not even with "")."""
    if not secret:
        return False
    return hmac.compare_digest(secret.encode("utf-8"), given.encode("utf-8"))
