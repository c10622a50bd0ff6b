"""``onepoint mail fetch``: one pass over the hub's IMAP inbox (``[mail.inbox]``, docs/offline-mail.md).

::

    onepoint mail fetch [--config hub.toml]

Takes every unseen answer mail through the pipeline of ``POST /mail/inbound`` as ``onepoint serve``'s poller does
(``hub.ingress.mail.inbox``), prints ``taken N, refused N, left N`` and exits 0; a mailbox that cannot be reached or
logged in to is one line naming it, exit 1, as is a broker that cannot be reached (nothing fetched, the mails stay
unseen). On ``amqp://`` the answers go to the hub's broker (its workflow
workers take them); on ``memory://`` the broker lives in this process, so the hub's workers run here for the pass.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from functools import partial
from pathlib import Path
from typing import Any

import anyio.from_thread
import anyio.to_thread
import click

from hub.cli.workorder_database import CONFIG_OPTION, settings_of
from hub.config.mail_inbox import MailInboxSettings
from hub.config.settings import SECRETS, ConfigError
from hub.ingress.mail.fetched import Verdict
from hub.ingress.mail.inbox import InboxUnreachable, PassCount, poll_once
from hub.system.assembly import HubSystem
from hub.transport.errors import TransportError
from hub.transport.urls import scheme

__all__ = ["mail"]


@click.group()
def mail() -> None:
    """Offline departments' mail: the hub's IMAP inbox."""


async def _one_pass(system: HubSystem, inbox: MailInboxSettings) -> PassCount:
    app = system.start()
    app.poll_inbox = False  # this pass only, no poller beside it
    take: Callable[[bytes], Coroutine[Any, Any, Verdict]] | None = app.take_fetched
    assert take is not None
    async with app.asgi.router.lifespan_context(app.asgi):
        def in_thread(raw: bytes) -> Verdict:
            assert take is not None
            return anyio.from_thread.run(take, raw)

        return await anyio.to_thread.run_sync(partial(poll_once, inbox, in_thread, max_bytes=inbox.max_mail_bytes))


@mail.command("fetch")
@CONFIG_OPTION
def fetch(config_path: Path | None) -> None:
    """Take the unseen answer mails of [mail.inbox] once; print how many were taken, refused and left."""
    settings = settings_of(config_path, secrets=SECRETS)
    inbox = settings.mail.inbox
    if inbox is None:
        raise click.ClickException("no [mail.inbox] in the settings: there is no mailbox to fetch from")
    system = HubSystem(settings, workers=scheme(settings.broker_url) == "memory")
    try:
        count = asyncio.run(_one_pass(system, inbox))
    except InboxUnreachable as exc:
        raise click.ClickException(f"the inbox cannot be read: {exc}") from None
    except ConfigError as exc:  # e.g. no [[callers]] entry of system MAIL to take the answers as
        raise click.ClickException(str(exc)) from None
    except TransportError as exc:  # before the first mail is fetched: nothing is marked
        raise click.ClickException(f"the broker cannot be reached: nothing was fetched, the mails stay unseen "
                                   f"({exc})") from None
    finally:
        system.stop()
    click.echo(f"taken {count.taken}, refused {count.refused}, left {count.left}")
