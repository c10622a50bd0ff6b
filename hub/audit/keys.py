"""The chain's key, taken by reference from config and never kept with the log.

Order: ``[audit] key_file`` (a file outside the directory of the file the log really lives in: ``path``, or the
file of a ``sqlite:///`` URL, or that of ``database = "workflow"`` on a SQLite work-order database; a log kept in
PostgreSQL has no directory to keep the key out of, so there is nothing to refuse), else the environment variable
named by ``key_env``, else, only when ``development_key = true`` (the built-in defaults), a fixed key that is
printed in this source file and therefore protects nothing: development only.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from hub.audit.chain import ChainKey
from hub.config.settings import AuditSettings

__all__ = ["DEVELOPMENT_KEY", "AuditKeyError", "development_key_in_effect", "load_chain_key", "log_file",
           "refuse_key_beside_log"]

log = logging.getLogger("onepoint.audit")

DEVELOPMENT_KEY = b"onepoint-hub DEVELOPMENT audit key: public, protects nothing"


class AuditKeyError(ValueError):
    """No usable key: the message says which setting to give and why."""


def refuse_key_beside_log(key_file: Path, log_path: Path) -> None:
    """Refuse a key file in the log's directory (or below it): whoever copies or edits the log gets the key too."""
    key_dir, log_dir = key_file.resolve().parent, log_path.resolve().parent
    if key_dir == log_dir or key_dir.is_relative_to(log_dir):
        raise AuditKeyError(
            f"audit.key_file {key_file} lies in the audit log's directory {log_dir}: whoever can read, copy or "
            "back up the log would have the key and could re-seal altered rows, so the chain would prove nothing."
            " Keep the key elsewhere, readable by the hub only (e.g. /etc/onepoint/audit.key), or use key_env.")


def log_file(settings: AuditSettings) -> Path | None:
    """The file the log really lives in, as ``hub.audit.log.open_storage`` opens it: ``path`` without a
    ``database``, else the file of a ``sqlite:///`` URL (relative: to the working folder, as SQLite opens it);
    None when the log is no file (PostgreSQL, or a URL the storage refuses anyway)."""
    url = settings.url
    if url is None:
        return settings.path
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def load_chain_key(settings: AuditSettings, environ: Mapping[str, str] | None = None) -> ChainKey:
    """The key named by ``settings``; :class:`AuditKeyError` when none is usable."""
    environ = os.environ if environ is None else environ
    if settings.key_file is not None:
        if (log_path := log_file(settings)) is not None:
            refuse_key_beside_log(settings.key_file, log_path)
        try:
            data = settings.key_file.read_bytes().rstrip(b"\r\n")
            if settings.key_file.stat().st_mode & 0o077:
                log.warning("audit.key_file %s can be read by other accounts: make it readable by the hub's only"
                            " (chmod 600)", settings.key_file)
        except OSError as exc:
            raise AuditKeyError(f"audit.key_file {settings.key_file}: {exc.strerror}") from None
        return _key(data, f"key file {settings.key_file}")
    if settings.key_env and (value := environ.get(settings.key_env)):
        return _key(value.encode("utf-8"), f"${settings.key_env}")
    if settings.development_key:
        log.warning("audit log sealed with the built-in DEVELOPMENT key: anyone can forge it; set $%s or"
                    " audit.key_file in production", settings.key_env or "ONEPOINT_AUDIT_KEY")
        return ChainKey(DEVELOPMENT_KEY, "the built-in DEVELOPMENT key")
    where = f"set ${settings.key_env} or " if settings.key_env else ""
    raise AuditKeyError(f"no audit key: {where}give [audit] key_file (a file outside the log's directory)")


def development_key_in_effect(settings: AuditSettings, environ: Mapping[str, str] | None = None) -> bool:
    """Whether `load_chain_key` would seal with the public `DEVELOPMENT_KEY`: ``development_key = true`` and neither
    ``key_file`` nor a set ``key_env`` variable."""
    environ = os.environ if environ is None else environ
    own = settings.key_file is not None or bool(settings.key_env and environ.get(settings.key_env))
    return settings.development_key and not own


def _key(data: bytes, origin: str) -> ChainKey:
    try:
        return ChainKey(data, origin)
    except ValueError as exc:
        raise AuditKeyError(str(exc)) from None
