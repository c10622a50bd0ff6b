"""The IMAP inbox poller (``[mail.inbox]``, docs/offline-mail.md): the handlers' answers fetched from a mailbox.

Each pass logs in, SELECTs the folder and takes every unseen mail (``UID SEARCH UNSEEN``; ``UID FETCH
(BODY.PEEK[])``, which does not mark it read) through the pipeline of ``POST /mail/inbound``
(``hub.ingress.mail.fetched``): a taken mail (or one taken before) is marked ``\\Seen``, one refused for good
``\\Seen \\Flagged``, one that met a passing failure is left unseen for the next pass. One mail's failure never
stops the pass; a mailbox that cannot be reached or logged in to is `InboxUnreachable` (the poller logs it and
tries again at its next pass). `InboxPoller` runs passes every ``poll_seconds`` in a thread of the hub process;
``onepoint mail fetch`` runs one.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hub.config.mail_inbox import MailInboxSettings
from hub.ingress.mail.fetched import Verdict
from hub.ingress.mail.inbox_health import InboxHealth
from hub.observability.quiet import short_reason

__all__ = ["InboxPoller", "InboxUnreachable", "PassCount", "connect", "poll_once"]

log = logging.getLogger("onepoint.ingress.mail.inbox")
Take = Callable[[bytes], Verdict]
_FLAGS = {"taken": r"(\Seen)", "refused": r"(\Seen \Flagged)"}
_UID = re.compile(rb"^\d+$")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
_MESSAGE_ID = re.compile(rb"(?im)^message-id:[ \t]*(<[^>\r\n]{1,250}>)")
_HEADERS = 65536  # where the Message-ID is looked for


class InboxUnreachable(Exception):
    """The mailbox could not be reached, logged in to or its folder selected."""


@dataclass(slots=True)
class PassCount:
    taken: int = 0
    refused: int = 0
    left: int = 0


def connect(settings: MailInboxSettings) -> Any:
    """An IMAP connection to the inbox's server, logged in: over TLS unless ``tls = false``, the server's
    certificate and host name checked (the system's CAs, or ``ca_file``'s; imaplib alone checks neither)."""
    connection: imaplib.IMAP4
    if settings.tls:
        context = ssl.create_default_context(cafile=settings.ca_file)
        connection = imaplib.IMAP4_SSL(settings.imap_host, settings.imap_port, ssl_context=context,
                                       timeout=settings.connect_timeout)
    else:
        connection = imaplib.IMAP4(settings.imap_host, settings.imap_port, timeout=settings.connect_timeout)
    try:
        connection.login(settings.username, settings.password)
    except BaseException:
        connection.shutdown()
        raise
    return connection


def _raw(data: list[Any]) -> bytes | None:
    """The message of a ``UID FETCH (BODY.PEEK[])`` answer."""
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def _too_large(connection: Any, uid: bytes, max_bytes: int) -> int | None:
    """The mail's size when the server says it is over ``max_bytes`` (asked before the mail is fetched, so a huge
    one is never downloaded); None when it is not, or the server does not say."""
    status, data = connection.uid("FETCH", uid.decode(), "(RFC822.SIZE)")
    said = b" ".join(item for item in data if isinstance(item, bytes)) if status == "OK" else b""
    found = _SIZE.search(said)
    return int(found.group(1)) if found and int(found.group(1)) > max_bytes else None


def _one(connection: Any, uid: bytes, take: Take, count: PassCount, max_bytes: int | None, folder: str) -> None:
    if max_bytes is not None and (size := _too_large(connection, uid, max_bytes)) is not None:
        log.warning("answer mail refused", extra={"code": "too-large", "status": 413, "uid": uid.decode(),
                                                  "bytes": size, "max_bytes": max_bytes})
        count.refused += 1
        _store(connection, uid, _FLAGS["refused"])
        return
    status, data = connection.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
    raw = _raw(data) if status == "OK" else None
    if raw is None:
        log.warning("inbox mail could not be fetched", extra={"uid": uid.decode(), "status": status})
        count.left += 1
        return
    verdict = take(raw)
    setattr(count, verdict, getattr(count, verdict) + 1)
    if verdict == "refused":  # the mail to look at in the mailbox: its uid (the refusal's own line names the code)
        found = _MESSAGE_ID.search(raw[:_HEADERS])
        log.warning("inbox mail flagged", extra={"uid": uid.decode(), "folder": folder,
                                                 "mail_message_id": found.group(1).decode("ascii", "replace")
                                                 if found else None})
    if verdict in _FLAGS:
        _store(connection, uid, _FLAGS[verdict])


def _store(connection: Any, uid: bytes, flags: str) -> None:
    status, _ = connection.uid("STORE", uid.decode(), "+FLAGS", flags)
    if status != "OK":  # a read-only folder: the mail comes back each pass (taken once: a DUPLICATE then)
        log.warning("inbox mail could not be flagged", extra={"uid": uid.decode(), "flags": flags, "status": status})


def _quoted(folder: str) -> str:
    """The folder as an IMAP quoted string (imaplib sends it as given: ``Offline answers`` would be two words)."""
    return folder if folder.isalnum() else '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _logout(connection: Any) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        connection.logout()


def poll_once(settings: MailInboxSettings, take: Take, connect: Callable[[MailInboxSettings], Any] = connect,
              stopping: threading.Event | None = None, max_bytes: int | None = None) -> PassCount:
    """One pass over the inbox's unseen mails (see the module; ``stopping`` set: the mails not taken yet are left
    for the next pass; ``max_bytes``: a mail the server says is larger is refused unread, ``too-large``);
    `InboxUnreachable` if it cannot be read."""
    try:
        connection = connect(settings)
    except ssl.SSLCertVerificationError as exc:
        raise InboxUnreachable(f"{settings.imap_host}:{settings.imap_port}: the server's certificate is not trusted "
                               f"({exc.verify_message}): give [mail.inbox] ca_file the CA that issued it") from exc
    except (OSError, imaplib.IMAP4.error, UnicodeError) as exc:
        raise InboxUnreachable(f"{settings.imap_host}:{settings.imap_port}: {type(exc).__name__}: {exc}") from exc
    try:
        status, _ = connection.select(_quoted(settings.folder))
        if status != "OK":
            raise InboxUnreachable(f"folder {settings.folder!r} cannot be selected ({status})")
        status, found = connection.uid("SEARCH", "UNSEEN")
        if status != "OK":
            raise InboxUnreachable(f"UID SEARCH UNSEEN failed ({status})")
    except (OSError, imaplib.IMAP4.error) as exc:
        _logout(connection)
        raise InboxUnreachable(f"{settings.imap_host}:{settings.imap_port}: {type(exc).__name__}: {exc}") from exc
    except InboxUnreachable:
        _logout(connection)
        raise
    count = PassCount()
    try:
        for uid in b" ".join(part for part in found if part).split():
            if stopping is not None and stopping.is_set():
                break
            if not _UID.match(uid):
                continue
            try:
                _one(connection, uid, take, count, max_bytes, settings.folder)
            except Exception:  # this mail only: the next one is still taken
                log.exception("inbox mail left for the next pass", extra={"uid": uid.decode()})
                count.left += 1
    finally:
        _logout(connection)
    log.info("inbox pass", extra={"taken": count.taken, "refused": count.refused, "left": count.left})
    return count


class InboxPoller:
    """Passes every ``poll_seconds`` in a daemon thread until `stop` (which waits for a pass in progress); each
    pass's outcome kept in ``health`` (``hub.ingress.mail.inbox_health``: ``/readyz``, ``/metrics``)."""

    def __init__(self, settings: MailInboxSettings, take: Take,
                 connect: Callable[[MailInboxSettings], Any] = connect, max_bytes: int | None = None,
                 health: InboxHealth | None = None) -> None:
        self.settings, self.take, self.connect, self.max_bytes = settings, take, connect, max_bytes
        self.health = health if health is not None else InboxHealth()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mail-inbox", daemon=True)

    def start(self) -> InboxPoller:
        self._thread.start()
        log.info("inbox poller running", extra={"host": self.settings.imap_host, "folder": self.settings.folder,
                                                 "poll_seconds": self.settings.poll_seconds})
        return self

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                count = poll_once(self.settings, self.take, self.connect, self._stopping, self.max_bytes)
            except InboxUnreachable as exc:
                log.warning("inbox unreachable, tried again next pass", extra={"reason": str(exc)})
                self.health.failed(str(exc))
            except Exception as exc:
                log.exception("inbox pass failed, tried again next pass")
                self.health.failed(short_reason(exc))
            else:
                self.health.passed(taken=count.taken, refused=count.refused, left=count.left)
            self._stopping.wait(self.settings.poll_seconds)

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.settings.connect_timeout * 4 + 60)
