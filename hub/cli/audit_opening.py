"""What the ``onepoint audit`` commands share: ``--config``, the log opened only to read, a head as written, and the
exit code 2 of a log that cannot be checked (no log, its database unreachable, no key, bad config)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from hub.audit import AuditDatabaseUnavailable, AuditKeyError, AuditLog, Head
from hub.audit.chain import MAC_BYTES
from hub.audit.sqlite_files import EmptyDatabaseFile
from hub.audit.storage import CHAIN_BYTES
from hub.config.settings import AuditSettings, ConfigError, load_settings

__all__ = ["HEAD_FORM", "CannotCheck", "EmptyFile", "audit_settings", "config_option", "head_text", "open_log",
           "parse_head"]

HEAD_FORM = "expected SEQ:MAC:CHAIN (or SEQ:MAC, as heads were printed before) as `onepoint audit head` prints it"


class CannotCheck(click.ClickException):
    exit_code = 2


class EmptyFile(CannotCheck):
    """The SQLite file holds no table at all: no log (``verify --head`` makes it a finding: rows gone)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} holds no table at all (an empty file): no audit log")
        self.path = path


def config_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
                        help="Settings file whose [audit] section names the log and its key.")(func)


def audit_settings(config_path: Path | None) -> AuditSettings:
    try:
        return load_settings(config_path, secrets=()).audit  # the chain's key only ([audit])
    except ConfigError as exc:
        raise CannotCheck(str(exc)) from None


def open_log(config_path: Path | None) -> AuditLog:
    """The log of ``--config``, opened only to read; ``CannotCheck`` (exit 2) when it cannot be."""
    settings = audit_settings(config_path)
    try:
        return AuditLog.open(settings, create=False)
    except EmptyDatabaseFile as exc:
        raise EmptyFile(exc.path) from None
    except (ConfigError, AuditKeyError, AuditDatabaseUnavailable, FileNotFoundError) as exc:
        raise CannotCheck(str(exc)) from None  # a log sealed with the development key was warned about


def parse_head(text: str | None) -> Head | None:
    """``SEQ:MAC:CHAIN``; ``SEQ:MAC`` (a head recorded before heads named their chain) is checked without it."""
    if text is None:
        return None
    parts = text.strip().split(":")
    try:
        if len(parts) not in (2, 3):
            raise ValueError(text)
        chain = bytes.fromhex(parts[2]) if len(parts) == 3 else None
        head = Head(int(parts[0]), bytes.fromhex(parts[1]), chain)
    except ValueError:
        raise click.BadParameter(HEAD_FORM, param_hint="--head") from None
    if chain is not None and len(chain) != CHAIN_BYTES:
        raise click.BadParameter(HEAD_FORM, param_hint="--head")
    if head == Head.of_empty_log():  # what `audit head` prints before the first row: a log that was empty
        return head
    if head.seq < 1 or len(head.mac) != MAC_BYTES:
        raise click.BadParameter(HEAD_FORM, param_hint="--head")
    return head


def head_text(head: Head) -> str:
    """A head as ``onepoint audit head`` prints it (``SEQ:MAC:CHAIN``)."""
    return f"{head.seq}:{head.mac.hex()}" + (f":{head.chain.hex()}" if head.chain is not None else "")
