"""``onepoint serve`` bound where other machines reach it (any address but a loopback one).

Refused, before the port is bound, while a published development secret is in effect (`refuse_development_secrets`):
the built-in defaults (no ``--config``: every caller's development password and token, the development audit key),
a settings file whose ``[[callers]]`` carry them (``hub.config.development``) or an audit log sealed with the
development key (``hub.audit.keys``). On 127.0.0.1 they stay a warning (``hub.cli.development_credentials``): a
developer's machine.

Warned, one line, without ``[server] trusted_proxies`` (`warn_shared_throttle_key`): the sign-in throttle keys a
failed sign-in by (username, client address), and every caller behind one load balancer, reverse proxy or NAT
arrives from one address, so a stranger there can have a caller's sign-ins throttled by guessing its password.

Warned, one line, when ``[security] password_text_over_tls`` is on without ``[server] trusted_proxies``
(`warn_password_text_unreachable`): the hub serves no TLS of its own, so only a trusted proxy's
``X-Forwarded-Proto: https`` makes a request HTTPS; without one every PasswordText token is refused and the setting
does nothing.
"""

from __future__ import annotations

import logging

import click

from hub.audit.keys import development_key_in_effect
from hub.config.server import binds_loopback_only
from hub.config.settings import HubSettings

__all__ = ["HTTPS_UNREACHABLE", "SHARED_THROTTLE_KEY", "refuse_development_secrets",
           "warn_password_text_unreachable", "warn_shared_throttle_key"]

SHARED_THROTTLE_KEY = ("all callers behind one proxy or NAT share one sign-in throttle key: a stranger there who "
                       "guesses a caller's password has that caller's sign-ins throttled too; behind a load balancer "
                       "or reverse proxy, list it in [server] trusted_proxies so that the client's own address is "
                       "used")
HTTPS_UNREACHABLE = ("[security] password_text_over_tls is on, but no request can come over HTTPS: the hub serves "
                     "plain HTTP and [server] trusted_proxies is empty, so no proxy's X-Forwarded-Proto is believed "
                     "and every PasswordText token is refused; list the TLS-terminating proxy in [server] "
                     "trusted_proxies (or turn the setting off)")


def _development_secrets(settings: HubSettings) -> list[str]:
    """What of ``settings`` is a published development secret in effect, named without its value."""
    found = []
    if settings.built_in:
        found.append("the built-in defaults (no --config) give every caller a published DEVELOPMENT password and "
                     "token")
    elif callers := settings.development_callers:
        found.append(f"{settings.source} gives callers published DEVELOPMENT credentials: "
                     + "; ".join(str(caller) for caller in callers))
    if development_key_in_effect(settings.audit):
        found.append("the audit log would be sealed with the public DEVELOPMENT key ([audit] development_key, "
                     f"no key_file and ${settings.audit.key_env or 'ONEPOINT_AUDIT_KEY'} unset)")
    return found


def refuse_development_secrets(settings: HubSettings, host: str, option: str) -> None:
    """A usage error (exit 2) when ``host`` is no loopback address and a development secret is in effect; ``option``
    names where the host came from (``--host`` or ``<file>: [server] host``)."""
    found = _development_secrets(settings)
    if not found or binds_loopback_only(host):
        return
    raise click.UsageError(
        f"{option} {host} is reached from other machines, and the hub would accept what is published for "
        f"development only: {'; '.join(found)}. Give --config with a settings file of your own: [[callers]] with "
        "your own password_hash / token_hashes / ws_password (onepoint hash-password, onepoint hash-token) and an "
        "audit key ([audit] key_file, or key_env naming a set variable); or bind --host 127.0.0.1")


def warn_shared_throttle_key(settings: HubSettings, host: str, log: logging.Logger) -> None:
    """One WARNING when ``host`` is no loopback address and ``[server] trusted_proxies`` is not set."""
    if not settings.trusted_proxies and not binds_loopback_only(host):
        log.warning(SHARED_THROTTLE_KEY, extra={"host": host})


def warn_password_text_unreachable(settings: HubSettings, log: logging.Logger) -> None:
    """One WARNING when ``[security] password_text_over_tls`` is on and ``[server] trusted_proxies`` is empty: the
    hub serves no TLS of its own, so no request can be HTTPS and the setting does nothing."""
    if settings.security.password_text_over_tls and not settings.trusted_proxies:
        log.warning(HTTPS_UNREACHABLE)
