"""The warning of ``onepoint serve`` when its settings file has no ``[[callers]]``: such a hub refuses every request
401 (no token, password or WS-Security user is known), and a settings file's callers are never taken from the
built-in ``defaults.toml`` (a production hub must name its own), so a ``hub.toml`` written from scratch without them
started a hub that looked healthy and let nobody in. Said in the log at start and under the table of URLs.
``onepoint worker`` takes no requests: its settings need no callers and it says nothing of them."""

from __future__ import annotations

import logging

from hub.config.settings import HubSettings

__all__ = ["no_callers_warning", "warn_no_callers"]


def no_callers_warning(settings: HubSettings) -> str | None:
    """What a hub on ``settings`` without callers is told at start; None when it has callers."""
    if settings.callers:
        return None
    return (f"{settings.source} has no [[callers]]: every request is refused 401 (copy them from "
            "hub/config/defaults.toml or add your own)")


def warn_no_callers(settings: HubSettings, log: logging.Logger) -> None:
    """One WARNING on ``log`` if ``settings`` have no callers; nothing otherwise."""
    if (warning := no_callers_warning(settings)) is not None:
        log.warning(warning, extra={"config": settings.source})
