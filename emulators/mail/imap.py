"""The mail emulator's IMAP server: the hub's inbox (``[mail.inbox]``), from which its poller fetches the answers
a tester had delivered there (``POST /mail/messages/{id}/answer`` with ``"deliver": "imap"``).

A minimal IMAP4rev1 server (asyncio, plain TCP, on 127.0.0.1 and a free port by default) that speaks what
``imaplib`` asks: CAPABILITY, LOGIN, SELECT (``INBOX`` only), UID SEARCH UNSEEN (also ALL), UID FETCH <uid>
(RFC822.SIZE) and (BODY.PEEK[]) (a literal, the mail not marked read), UID STORE <uid> +FLAGS / -FLAGS / FLAGS
(...), NOOP, LOGOUT.
One mailbox per login (``logins``: user → password; by default ``onepoint-hub`` / ``mail-dev-imap``), UIDs from 1.
Anything else is ``BAD``; no TLS, no IDLE, no message sequence numbers but the UID's own.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DEFAULT_IMAP_LOGIN", "ImapMessage", "ImapServer", "ImapStore"]

DEFAULT_IMAP_LOGIN = ("onepoint-hub", "mail-dev-imap")
_FLAGS = re.compile(r"\\[A-Za-z]+|[A-Za-z$][A-Za-z0-9$_\-]*")
_ARGUMENT = re.compile(r'"((?:[^"\\]|\\.)*)"|(\S+)')  # a quoted string (imaplib quotes a password) or an atom


def _arguments(text: str) -> list[str]:
    """A command's arguments: quoted strings unquoted (``\\"``, ``\\\\``), atoms and flags as they are."""
    return [re.sub(r"\\(.)", r"\1", quoted) if atom == "" else atom
            for quoted, atom in _ARGUMENT.findall(text)]


@dataclass(slots=True)
class ImapMessage:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


class ImapStore:
    """The mailboxes, one per login; thread-safe (the HTTP handlers deliver, the IMAP server's thread reads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._boxes: dict[str, list[ImapMessage]] = {}

    def deliver(self, user: str, raw: bytes) -> int:
        with self._lock:
            box = self._boxes.setdefault(user, [])
            uid = box[-1].uid + 1 if box else 1
            box.append(ImapMessage(uid, raw))
            return uid

    def messages(self, user: str) -> list[ImapMessage]:
        with self._lock:
            return list(self._boxes.get(user, []))

    def reset(self) -> None:
        with self._lock:
            self._boxes.clear()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {user: [{"uid": m.uid, "flags": sorted(m.flags)} for m in box] for user, box in self._boxes.items()}


class _Session:
    """One IMAP connection's state and answers."""

    def __init__(self, store: ImapStore, logins: Mapping[str, str], writer: asyncio.StreamWriter) -> None:
        self.store, self.logins, self.writer = store, logins, writer
        self.user: str | None = None
        self.selected = False

    def send(self, line: str | bytes) -> None:
        self.writer.write(line if isinstance(line, bytes) else line.encode("utf-8") + b"\r\n")

    def handle(self, tag: str, command: str, args: list[str]) -> bool:
        """Answer one command; False when the connection is to close (LOGOUT)."""
        if command == "CAPABILITY":
            self.send("* CAPABILITY IMAP4rev1")
        elif command == "NOOP":
            pass
        elif command == "LOGOUT":
            self.send("* BYE the emulator says goodbye")
            self.send(f"{tag} OK LOGOUT completed")
            return False
        elif command == "LOGIN":
            if len(args) != 2 or self.logins.get(args[0]) != args[1]:
                self.send(f"{tag} NO [AUTHENTICATIONFAILED] invalid credentials")
                return True
            self.user = args[0]
        elif self.user is None:
            self.send(f"{tag} NO log in first")
            return True
        elif command == "SELECT":
            if len(args) != 1 or args[0].upper() != "INBOX":
                self.send(f"{tag} NO [NONEXISTENT] only INBOX exists")
                return True
            self._select()
        elif command == "UID" and self.selected and args:
            return self._uid(tag, args[0].upper(), args[1:])
        else:
            self.send(f"{tag} BAD {command} is not understood here")
            return True
        self.send(f"{tag} OK {command} completed")
        return True

    def _select(self) -> None:
        box = self.store.messages(self.user or "")
        self.send("* FLAGS (\\Seen \\Flagged \\Answered \\Deleted \\Draft)")
        self.send(f"* {len(box)} EXISTS")
        self.send("* 0 RECENT")
        self.send("* OK [UIDVALIDITY 1] UIDs valid")
        self.send(f"* OK [UIDNEXT {box[-1].uid + 1 if box else 1}] next UID")
        self.selected = True

    def _found(self, uid: str) -> ImapMessage | None:
        return next((m for m in self.store.messages(self.user or "") if str(m.uid) == uid), None)

    def _uid(self, tag: str, verb: str, args: list[str]) -> bool:
        if verb == "SEARCH" and [a.upper() for a in args] in (["UNSEEN"], ["ALL"]):
            box = self.store.messages(self.user or "")
            uids = [m.uid for m in box if args[0].upper() == "ALL" or "\\Seen" not in m.flags]
            self.send("* SEARCH" + "".join(f" {uid}" for uid in uids))
        elif verb == "FETCH" and len(args) == 2 and args[1].upper() in ("(RFC822.SIZE)", "RFC822.SIZE"):
            if (message := self._found(args[0])) is not None:
                self.send(f"* {message.uid} FETCH (UID {message.uid} RFC822.SIZE {len(message.raw)})")
        elif verb == "FETCH" and len(args) == 2 and args[1].upper() in ("(BODY.PEEK[])", "BODY.PEEK[]"):
            if (message := self._found(args[0])) is not None:
                self.send(f"* {message.uid} FETCH (UID {message.uid} BODY[] {{{len(message.raw)}}}".encode() +
                          b"\r\n" + message.raw + b")\r\n")
        elif verb == "STORE" and len(args) >= 3 and args[1].upper() in ("+FLAGS", "-FLAGS", "FLAGS"):
            flags = set(_FLAGS.findall(" ".join(args[2:])))
            if (message := self._found(args[0])) is not None:
                if args[1].startswith("+"):
                    message.flags |= flags
                elif args[1].startswith("-"):
                    message.flags -= flags
                else:
                    message.flags = flags
                self.send(f"* {message.uid} FETCH (UID {message.uid} FLAGS ({' '.join(sorted(message.flags))}))")
        else:
            self.send(f"{tag} BAD UID {verb} is not understood here")
            return True
        self.send(f"{tag} OK UID {verb} completed")
        return True


class ImapServer:
    """The IMAP server over ``store`` on ``host``:``port`` (0: a free port, in ``port`` once started)."""

    def __init__(self, store: ImapStore, logins: Mapping[str, str], host: str = "127.0.0.1", port: int = 0) -> None:
        self.store, self.logins, self.host, self.port = store, dict(logins), host, port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = _Session(self.store, self.logins, writer)
        session.send("* OK [CAPABILITY IMAP4rev1] the mail emulator's IMAP server is ready")
        try:
            while True:
                try:
                    line = await reader.readline()
                except ValueError:  # a line over the reader's limit (64 KiB): answered, then the connection closed
                    session.send("* BYE the command line is too long")
                    break
                if not line:
                    break
                tag, _, rest = line.decode("utf-8", "replace").strip().partition(" ")
                command, _, arguments = rest.partition(" ")
                args = _arguments(arguments)
                if not session.handle(tag, command.upper(), args):
                    break
                await writer.drain()
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    def start(self) -> None:
        if self._thread is not None:
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()  # its port taken: the socket not left to the garbage collector
            raise
        self.port = sock.getsockname()[1]
        loop = self._loop = asyncio.new_event_loop()
        server = loop.run_until_complete(asyncio.start_server(self._serve, sock=sock))
        self._thread = threading.Thread(target=loop.run_forever, name="mail-imap", daemon=True)
        self._thread.start()
        self._server = server

    def stop(self) -> None:
        loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(self._server.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
