"""Configuration: settings files and the built-in development defaults."""

from hub.config.settings import CallerConfig, ConfigError, HubSettings, SecuritySettings, load_settings

__all__ = ["CallerConfig", "ConfigError", "HubSettings", "SecuritySettings", "load_settings"]
