"""How the mail adapter is assembled from the settings (``[mail]``): its SMTP client and its settings.

::

    deps = dependencies(settings, breakers=breakers, metrics=metrics)
    with Worker(broker, CONSUMER, handlers, store=store, dependencies=deps, metrics=metrics):
        ...
    close(deps)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.mail.client import MailClient
from adapters.mail.handlers import CONSUMER
from hub.config.settings import HubSettings
from hub.gateways import CircuitBreakers
from hub.observability.metrics import Metrics
from hub.validation import CommandSetRegistry

__all__ = ["CONSUMER", "close", "dependencies"]


def dependencies(settings: HubSettings, *, breakers: CircuitBreakers | None = None, metrics: Metrics | None = None,
                 registry: CommandSetRegistry | None = None) -> dict[str, Any]:
    """``mail`` (a ``MailClient`` on ``[mail]``'s SMTP server, through its circuit ``mail`` on ``breakers``, its
    calls observed on ``metrics``) and ``mail_settings`` (``[mail]``)."""
    return {"mail": MailClient(settings.mail, breakers=breakers, metrics=metrics), "mail_settings": settings.mail}


def close(built: Mapping[str, Any]) -> None:
    """Close what ``dependencies`` opened (nothing stays open between mails)."""
    client = built.get("mail")
    if isinstance(client, MailClient):
        client.close()
