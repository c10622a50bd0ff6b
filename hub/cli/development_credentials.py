"""The warning of ``onepoint serve`` and ``onepoint worker`` when they run on the published development
credentials: without ``--config`` (the built-in defaults), or with a settings file whose ``[[callers]]`` carry any of
them (``hub.config.development``), naming those callers and which of their credentials, never a secret; and when
offline departments' answers are checked under the development mail token key (a settings file cannot do that:
``hub.config.mail`` refuses it, so only built-in or test settings given ``[mail.offline]`` get this warning)."""

from __future__ import annotations

import logging

from hub.config.development import development_callers_warning
from hub.config.settings import HubSettings

__all__ = ["BUILT_IN_WARNING", "MAIL_KEY_WARNING", "warn_development_credentials"]

BUILT_IN_WARNING = "no --config given: running with the built-in DEVELOPMENT credentials (see README)"
MAIL_KEY_WARNING = ("[mail.offline] departments are answered under the published DEVELOPMENT mail token key: anyone "
                    "can forge their answers ([mail] token_key_env, docs/offline-mail.md)")


def warn_development_credentials(settings: HubSettings, log: logging.Logger) -> None:
    """Log one WARNING on ``log`` if ``settings`` accept a published development credential, and one if offline
    departments' answers are checked under the development mail token key; nothing otherwise."""
    if settings.built_in:
        log.warning(BUILT_IN_WARNING)
    elif callers := settings.development_callers:
        log.warning(development_callers_warning(settings.source, callers),
                    extra={"callers": [f"{caller.system} ({caller.username})" for caller in callers],
                           "credentials": {caller.username: list(caller.credentials) for caller in callers}})
    if settings.mail.offline and settings.mail.development_key:
        log.warning(MAIL_KEY_WARNING, extra={"departments": sorted(settings.mail.offline)})
