"""``[mail]``: offline departments, reached by e-mail (docs/offline-mail.md).

::

    [mail]
    smtp_host = "127.0.0.1"          # the SMTP server the mail adapter hands the dispatches to
    smtp_port = 8025
    smtp_timeout = 10                # seconds to connect and for each SMTP answer
    breaker_fail_max = 5             # consecutive failures that open the SMTP server's circuit (as [adapters.*])
    breaker_reset_seconds = 30       # how long that circuit stays open before a trial mail
    sender = "onepoint-hub@example.com"   # the From of every dispatch mail; handlers answer to it
    smtputf8 = false                 # the server offers SMTPUTF8: only then may a mailbox's local part be non-ASCII
    token_key_env = "ONEPOINT_MAIL_KEY"   # the key of the dispatch tokens (16+ bytes), or instead:
    # token_key = "..."              # DEVELOPMENT ONLY: in the file
    # previous_token_key_env = "ONEPOINT_MAIL_KEY_PREVIOUS"   # after a key change: the old key, answers only
    max_answer_bytes = 1048576       # an answer mail larger than this is refused (413); default [limits]

    [mail.offline.BILLING]           # a dispatch target (fields.toml) whose people have no system of their own
    mailbox = "billing-desk@example.com"

A department named under ``[mail.offline]`` gets its dispatches as e-mails (the ``mail`` queue's adapter) instead of
OA to-dos; its handler's answer, sent to ``POST /mail/inbound`` by the operator's mail server (an MTA delivering to
a pipe or webhook), becomes the department's Reply. Without ``[mail.offline]`` nothing is e-mailed. After the
token key is changed, ``previous_token_key_env`` names the old key: new dispatches are mailed under the new key,
answers are checked under both (docs/offline-mail.md, "Changing the token key"). A mailbox (or the sender) whose
local part is not ASCII (``张伟@example.com``) can only be sent to through a server offering SMTPUTF8 (RFC 6531;
smtplib refuses before sending otherwise, and every dispatch to that department would be dead-lettered): it is
refused at start unless ``smtputf8 = true`` says the server offers it. ``[mail.inbox]`` (``hub.config.mail_inbox``):
an IMAP mailbox the hub fetches the answers from instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import getaddresses
from types import MappingProxyType
from typing import Any

from hub.config.mail_inbox import MailInboxSettings, parse_inbox
from hub.config.values import BUILT_IN, LONGEST_WAIT_SECONDS, is_number

__all__ = ["DEVELOPMENT_MAIL_KEY", "MailSettings", "parse_mail"]

DEVELOPMENT_MAIL_KEY = "onepoint-development-mail-token-key"  # defaults.toml's; a deployment sets its own
_KEYS = frozenset({"smtp_host", "smtp_port", "smtp_timeout", "breaker_fail_max", "breaker_reset_seconds", "sender",
                   "token_key", "token_key_env", "previous_token_key_env", "max_answer_bytes", "offline",
                   "smtputf8", "inbox"})
_MAILBOX = re.compile(r"[^@\s<>(),;:\"\[\]\\]{1,64}@[A-Za-z0-9.\-]{1,253}")  # mail.xsd's Mailbox: one addr-spec
_DEPARTMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,31}")  # c:PartyId: a dispatch target's code
MIN_KEY_BYTES = 16


@dataclass(frozen=True, slots=True)
class MailSettings:
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_timeout: float = 10.0
    breaker_fail_max: int = 5  # the SMTP server's circuit (``adapters.mail.client``), as an adapter's
    breaker_reset_seconds: float = 30.0
    sender: str = "onepoint-hub@example.com"
    token_key: bytes = DEVELOPMENT_MAIL_KEY.encode()
    previous_token_key: bytes | None = None  # the key before a change: answers to older dispatches still checked
    max_answer_bytes: int | None = None  # None: [limits] max_body_bytes
    offline: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # department → mailbox
    smtputf8: bool = False  # the SMTP server offers SMTPUTF8: a mailbox may have a non-ASCII local part
    inbox: MailInboxSettings | None = None  # [mail.inbox]: the IMAP mailbox answers are fetched from

    @property
    def development_key(self) -> bool:
        """Whether the token key is the published development one (defaults.toml, the README)."""
        return self.token_key == DEVELOPMENT_MAIL_KEY.encode()

    @property
    def answer_keys(self) -> tuple[bytes, ...]:
        """The keys an answer's token is checked under: the token key, then the previous one if set."""
        return (self.token_key,) if self.previous_token_key is None else (self.token_key, self.previous_token_key)

    def department_of(self, mailbox: str) -> list[str]:
        """The offline departments whose mailbox is ``mailbox`` (compared without case)."""
        return [code for code, box in self.offline.items() if box.lower() == mailbox.lower()]


def _mailbox(value: Any, where: str) -> str:
    """``value`` if it is exactly one addr-spec: no display name, no list, no comment, no white space."""
    if not isinstance(value, str) or not _MAILBOX.fullmatch(value) or getaddresses([value]) != [("", value)]:
        raise ValueError(f"{where} must be one e-mail address such as \"billing-desk@example.com\" (no , ; \" ( ) "
                         f"< > or white space), not {value!r}")
    return value


def _deliverable(mailbox: str, where: str, smtputf8: bool) -> str:
    """``mailbox`` if the SMTP server can take mail for it: an ASCII one, any with ``smtputf8``."""
    if not smtputf8 and not mailbox.isascii():
        raise ValueError(f"{where} {mailbox!r} has a non-ASCII local part, which only an SMTP server offering "
                         "SMTPUTF8 takes (every mail to it would be refused): give an ASCII address, or set "
                         "smtputf8 = true in [mail] if the server offers SMTPUTF8")
    return mailbox


def _offline(section: Any, where: str) -> Mapping[str, str]:
    if section is None:
        return MappingProxyType({})
    if not isinstance(section, dict):
        raise ValueError(f"{where} must be a table of [mail.offline.<department>] tables")
    found: dict[str, str] = {}
    for code, entry in section.items():
        here = f"{where[:-1]}.{code}]"
        if not _DEPARTMENT.fullmatch(code):
            raise ValueError(f"{here}: {code!r} is no department code (a dispatch target such as BILLING)")
        if not isinstance(entry, dict) or set(entry) != {"mailbox"}:
            raise ValueError(f"{here} must hold exactly mailbox = \"...\"")
        found[code] = _mailbox(entry["mailbox"], f"{here} mailbox")
    return MappingProxyType(found)


def _key(section: dict[str, Any], where: str, secrets: bool) -> bytes:
    if (env := section.get("token_key_env")) and not secrets:
        return b""  # not read: a command that never writes nor checks a dispatch token (load_settings' secrets)
    if env:
        value = os.environ.get(str(env))
        if not value:
            raise ValueError(f"{where}: environment variable {env} (token_key_env) is not set or empty")
    else:
        value = str(section.get("token_key", DEVELOPMENT_MAIL_KEY))
    if len(value.encode()) < MIN_KEY_BYTES:
        raise ValueError(f"{where}: the token key must have at least {MIN_KEY_BYTES} bytes")
    return value.encode()


def _previous_key(section: dict[str, Any], where: str, secrets: bool) -> bytes | None:
    if not (env := section.get("previous_token_key_env")) or not secrets:
        return None
    value = os.environ.get(str(env))
    if not value:
        raise ValueError(f"{where}: environment variable {env} (previous_token_key_env) is not set or empty")
    if len(value.encode()) < MIN_KEY_BYTES:
        raise ValueError(f"{where}: the previous token key must have at least {MIN_KEY_BYTES} bytes")
    return value.encode()


def parse_mail(section: Any, source: str, *, secrets: bool = True) -> MailSettings:
    """The ``[mail]`` table (absent: the defaults, no department offline); ``ValueError`` names a bad entry.
    ``secrets=False``: the token keys and the inbox's password are not read from the environment (a command that
    never mails nor takes an answer: ``token_key`` empty, ``previous_token_key`` None, the inbox's password
    empty)."""
    where = f"{source}: [mail]"
    if section is None:
        return MailSettings()
    if not isinstance(section, dict):
        raise ValueError(f"{where} must be a table")
    if unknown := sorted(set(section) - _KEYS):
        raise ValueError(f"{where}: unknown keys {unknown}")
    port, timeout = section.get("smtp_port", 8025), section.get("smtp_timeout", 10)
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        raise ValueError(f"{where}: smtp_port must be a port number of 1 to 65535, not {port!r}")
    if not is_number(timeout) or not 0 < timeout <= 300:
        raise ValueError(f"{where}: smtp_timeout must be a number of seconds above 0 and at most 300")
    fail_max, reset = section.get("breaker_fail_max", 5), section.get("breaker_reset_seconds", 30)
    if not isinstance(fail_max, int) or isinstance(fail_max, bool) or not 1 <= fail_max <= 1_000_000:
        raise ValueError(f"{where}: breaker_fail_max must be a whole number of 1 to 1000000, not {fail_max!r}")
    if not is_number(reset) or not 0 <= reset <= LONGEST_WAIT_SECONDS:
        raise ValueError(f"{where}: breaker_reset_seconds must be a number of 0 to {LONGEST_WAIT_SECONDS:g}, "
                         f"not {reset!r}")
    largest = section.get("max_answer_bytes")
    if largest is not None and (not isinstance(largest, int) or isinstance(largest, bool) or largest < 1024):
        raise ValueError(f"{where}: max_answer_bytes must be a whole number of at least 1024")
    smtputf8 = section.get("smtputf8", False)
    if not isinstance(smtputf8, bool):
        raise ValueError(f"{where}: smtputf8 must be true or false (whether the SMTP server offers SMTPUTF8)")
    host = section.get("smtp_host", "127.0.0.1")
    if not isinstance(host, str) or not host.strip():
        raise ValueError(f"{where}: smtp_host must be a host name or address")
    settings = MailSettings(smtp_host=host, smtp_port=port, smtp_timeout=float(timeout),
                            breaker_fail_max=fail_max, breaker_reset_seconds=float(reset),
                            sender=_deliverable(_mailbox(section.get("sender", "onepoint-hub@example.com"),
                                                         f"{where} sender"), f"{where} sender", smtputf8),
                            token_key=_key(section, where, secrets),
                            previous_token_key=_previous_key(section, where, secrets),
                            max_answer_bytes=largest,
                            offline=_offline(section.get("offline"), "[mail.offline]"), smtputf8=smtputf8,
                            inbox=parse_inbox(section.get("inbox"), f"{source}: [mail.inbox]", secrets=secrets))
    for code, mailbox in settings.offline.items():
        _deliverable(mailbox, f"[mail.offline.{code}] mailbox", smtputf8)
    if source != BUILT_IN and settings.offline and settings.development_key:
        raise ValueError(f"{where}: [mail.offline] is set but the token key is the published development key: set "
                         "token_key_env to an environment variable holding the deployment's own key (16+ bytes)")
    return settings
