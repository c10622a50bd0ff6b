"""``[audit]``: where the SMS-log audit trail lives and where its HMAC key comes from (never beside it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.config.values import relative_path

__all__ = ["AuditSettings", "parse_audit"]

_KEYS = frozenset({"path", "key_env", "key_file", "development_key"})


@dataclass(frozen=True, slots=True)
class AuditSettings:
    """The SMS-log audit trail (hub.audit): where the log lives and where its key comes from (never beside it)."""

    path: Path = Path("onepoint-audit.db")
    key_env: str | None = "ONEPOINT_AUDIT_KEY"
    key_file: Path | None = None
    development_key: bool = False  # the built-in defaults only: a public key, for development


def parse_audit(section: Any, source: str) -> AuditSettings:
    """``[audit]``: path (relative to the settings file), key_env or key_file, development_key."""
    if not isinstance(section, dict):
        raise ValueError(f"{source}: [audit] must be a table")
    if unknown := set(section) - _KEYS:
        raise ValueError(f"{source}: unknown keys in [audit]: {sorted(unknown)}")
    for key in ("path", "key_env", "key_file"):
        if key in section and (not isinstance(section[key], str) or not section[key].strip()):
            raise ValueError(f"{source}: audit.{key} must be a non-empty string")
    development_key = section.get("development_key", False)
    if not isinstance(development_key, bool):
        raise ValueError(f"{source}: audit.development_key must be true or false")
    return AuditSettings(
        path=relative_path(section.get("path", "onepoint-audit.db"), source) or Path("onepoint-audit.db"),
        key_env=section.get("key_env", "ONEPOINT_AUDIT_KEY"),
        key_file=relative_path(section.get("key_file"), source),
        development_key=development_key,
    )
