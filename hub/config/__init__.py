"""Configuration: settings files and the built-in development defaults."""

from hub.config.runtime import tune_garbage_collector
from hub.config.settings import (
    AuditSettings,
    CallerConfig,
    ConfigError,
    HubSettings,
    SecuritySettings,
    load_settings,
)

__all__ = [
    "AuditSettings",
    "CallerConfig",
    "ConfigError",
    "HubSettings",
    "SecuritySettings",
    "load_settings",
    "tune_garbage_collector",
]
