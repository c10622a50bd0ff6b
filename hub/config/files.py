"""Reading a settings file: TOML in UTF-8, every problem a ``ConfigError`` naming the file.

Shared by ``load_settings`` (the whole hub) and the loaders of one section (``hub.config.broker``), so that a
tool reading only its section reports a bad file exactly as the hub does.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

__all__ = ["ConfigError", "read_settings_file"]


class ConfigError(ValueError):
    """The configuration cannot be used; the message names the file and the bad entry."""


def read_settings_file(path: Path) -> dict[str, Any]:
    """The file's TOML tables; ``ConfigError`` when it cannot be read, is not UTF-8 or not TOML."""
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:  # TOML is UTF-8
        raise ConfigError(f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); "
                          "save the settings file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
