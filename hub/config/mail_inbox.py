"""``[mail.inbox]``: the mailbox the hub fetches handlers' answers from over IMAP (docs/offline-mail.md).

::

    [mail.inbox]                     # optional: absent, nothing is fetched (answers come by POST /mail/inbound)
    imap_host = "imap.example.com"
    imap_port = 993
    username = "onepoint-hub"
    password_env = "ONEPOINT_MAIL_IMAP_PASSWORD"   # the password, from the environment (never in the file)
    folder = "INBOX"                 # ASCII (a name with spaces is quoted)
    poll_seconds = 30                # 1 to 3600
    tls = true                       # IMAP over TLS; false only for 127.0.0.1 / localhost (the mail emulator)
    ca_file = "/etc/onepoint/imap-ca.pem"   # optional: the CA the server's certificate is checked against
    connect_timeout = 10             # seconds to connect and for each IMAP answer
    max_mail_bytes = 26214400        # a larger mail is refused unread (25 MiB; its text part: [mail] max_answer_bytes)

An empty or unset ``password_env`` variable is refused at start, as is plain IMAP (``tls = false``) to any host but
this machine: the password would cross the network in the clear. Over TLS the server's certificate and host name
are checked (the system's CAs, or ``ca_file``'s). A folder name that is not ASCII is refused (IMAP would want it in
modified UTF-7: name the folder's ASCII alias, or rename it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from hub.config.values import is_number

__all__ = ["DEFAULT_MAX_MAIL_BYTES", "LOCAL_HOSTS", "MailInboxSettings", "parse_inbox"]

DEFAULT_MAX_MAIL_BYTES = 25 * 1024 * 1024  # an answer with the attachments a mail client allows

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_KEYS = frozenset({"imap_host", "imap_port", "username", "password_env", "folder", "poll_seconds", "tls",
                   "connect_timeout", "ca_file", "max_mail_bytes"})


@dataclass(frozen=True, slots=True)
class MailInboxSettings:
    imap_host: str
    username: str
    password: str = field(repr=False)
    imap_port: int = 993
    folder: str = "INBOX"
    poll_seconds: float = 30.0
    tls: bool = True
    connect_timeout: float = 10.0
    ca_file: str | None = None  # the CA file the server's certificate is checked against (None: the system's)
    max_mail_bytes: int = DEFAULT_MAX_MAIL_BYTES  # a fetched mail's whole size (attachments included)


def _text(section: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = section.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: {key} must be a non-empty string")
    return value


def parse_inbox(section: Any, where: str, *, secrets: bool = True) -> MailInboxSettings | None:
    """The ``[mail.inbox]`` table (absent: None, no polling); ``ValueError`` names a bad entry. ``secrets=False``:
    the password is not read (empty: a command that never fetches)."""
    if section is None:
        return None
    if not isinstance(section, dict):
        raise ValueError(f"{where} must be a table")
    if unknown := sorted(set(section) - _KEYS):
        raise ValueError(f"{where}: unknown keys {unknown}")
    host, username = _text(section, "imap_host", where), _text(section, "username", where)
    env, folder = _text(section, "password_env", where), _text(section, "folder", where, "INBOX")
    if not folder.isascii() or any(ch in folder for ch in '"\\\r\n'):
        raise ValueError(f"{where}: folder must be an ASCII name without quotes, backslashes or line breaks, not "
                         f"{folder!r} (IMAP names other folders in modified UTF-7: use the folder's ASCII name)")
    ca_file = section.get("ca_file")
    if ca_file is not None and (not isinstance(ca_file, str) or not os.path.isfile(ca_file)):
        raise ValueError(f"{where}: ca_file must name a readable CA file, not {ca_file!r}")
    tls = section.get("tls", True)
    if not isinstance(tls, bool):
        raise ValueError(f"{where}: tls must be true or false")
    if not tls and host.strip().lower() not in LOCAL_HOSTS:
        raise ValueError(f"{where}: tls = false (plain IMAP) is only allowed to 127.0.0.1 or localhost, not to "
                         f"{host!r}: the password would cross the network in the clear")
    port = section.get("imap_port", 993 if tls else 143)
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        raise ValueError(f"{where}: imap_port must be a port number of 1 to 65535, not {port!r}")
    poll, timeout = section.get("poll_seconds", 30), section.get("connect_timeout", 10)
    if not is_number(poll) or not 1 <= poll <= 3600:
        raise ValueError(f"{where}: poll_seconds must be a number of 1 to 3600, not {poll!r}")
    if not is_number(timeout) or not 0 < timeout <= 300:
        raise ValueError(f"{where}: connect_timeout must be a number of seconds above 0 and at most 300")
    max_mail_bytes = section.get("max_mail_bytes", DEFAULT_MAX_MAIL_BYTES)
    if not isinstance(max_mail_bytes, int) or isinstance(max_mail_bytes, bool) or not 1 <= max_mail_bytes <= 2 ** 31:
        raise ValueError(f"{where}: max_mail_bytes must be a number of bytes of 1 to 2147483648, not "
                         f"{max_mail_bytes!r}")
    password = (os.environ.get(env) or "") if secrets else ""
    if secrets and not password:
        raise ValueError(f"{where}: environment variable {env} (password_env) is not set or empty")
    return MailInboxSettings(imap_host=host, username=username, password=password, imap_port=port, folder=folder,
                             poll_seconds=float(poll), tls=tls, connect_timeout=float(timeout), ca_file=ca_file,
                             max_mail_bytes=max_mail_bytes)
