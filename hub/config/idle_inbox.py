"""A ``[mail.inbox]`` with no department offline: said once at start (``onepoint serve``).

The inbox takes the answers to dispatches the hub e-mailed, and it e-mails a dispatch only to a department named
under ``[mail.offline]``. With none named, no dispatch is e-mailed, so every fetched mail but an answer to one
mailed before (the department since back online) is refused and flagged: likely a settings file whose
``[mail.offline.<department>]`` tables were left out."""

from __future__ import annotations

import logging

from hub.config.settings import HubSettings

__all__ = ["IDLE_INBOX", "warn_idle_inbox"]

IDLE_INBOX = ("[mail.inbox] fetches answers, but no department is offline ([mail.offline.<department>]): no "
              "dispatch is e-mailed, so no mail in the inbox answers one but those mailed before; name the offline "
              "departments, or drop [mail.inbox]")


def warn_idle_inbox(settings: HubSettings, log: logging.Logger) -> None:
    """One WARNING when ``[mail.inbox]`` is set and ``[mail.offline]`` names no department."""
    inbox = settings.mail.inbox
    if inbox is not None and not settings.mail.offline:
        log.warning(IDLE_INBOX, extra={"imap_host": inbox.imap_host, "folder": inbox.folder})
