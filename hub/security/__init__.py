"""Security: caller authentication (HTTP Basic, bearer tokens) and authorization, secret hashing.

WS-Security UsernameToken verification is part of the SOAP library: `hub.soap.wsse`.
"""

from hub.security.callers import AuthenticationFailed, CallerDirectory, NotAuthorized
from hub.security.secrets import hash_password, hash_token, verify_password, verify_token

__all__ = [
    "AuthenticationFailed",
    "CallerDirectory",
    "NotAuthorized",
    "hash_password",
    "hash_token",
    "verify_password",
    "verify_token",
]
