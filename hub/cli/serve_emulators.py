"""The emulators ``onepoint serve`` runs beside the hub: on ``--emulator-base-port`` and the five ports after it
(the mail emulator's SMTP server on ``--smtp-port``: unset, 8025 at the default base port, else a free one, as
``onepoint emulate --smtp-port``; its IMAP server on ``--imap-port``, unset a free one), calling the hub back with
the development tokens unless ``--hub-token NAME=TOKEN`` gives one (a warning names the emulators whose token no
caller of the settings accepts); a port that cannot be served is one line naming the emulator, its host:port and how
to move them."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import click

from hub.cli.ports import PORT
from hub.config.settings import HubSettings

if TYPE_CHECKING:
    from hub.system import EmulatedSystems

__all__ = ["EMULATED_SYSTEMS", "check_mail_port_clashes", "check_mail_ports", "emulator_tokens", "imap_port_option",
           "smtp_port_option", "start_emulators_for"]

EMULATED_SYSTEMS = 6  # boss, crm, nsp, dsmp, oa, mail: on --emulator-base-port and the five ports after it

smtp_port_option = click.option(
    "--smtp-port", type=PORT, default=None,
    help="SMTP port of the mail emulator, where [mail] smtp_port is pointed (default 8025 at the default "
         "--emulator-base-port, else free; 0: free).")


imap_port_option = click.option(
    "--imap-port", type=PORT, default=None,
    help="IMAP port of the mail emulator, where a [mail.inbox] imap_port is pointed (default free; 0: free).")


def check_mail_ports(smtp_port: int | None, imap_port: int | None, emulators: bool) -> None:
    """``--smtp-port`` and ``--imap-port`` are the mail emulator's: a usage error (exit 2) when the emulators do not
    run."""
    if emulators:
        return
    if smtp_port is not None:
        raise click.BadParameter("it is the mail emulator's SMTP port, and the emulators do not run (--no-emulators, "
                                 "or --config without --emulators): [mail] smtp_port says where the SMTP server is",
                                 param_hint="--smtp-port")
    if imap_port is not None:
        raise click.BadParameter("it is the mail emulator's IMAP port, and the emulators do not run (--no-emulators, "
                                 "or --config without --emulators): [mail.inbox] imap_port says where the IMAP server "
                                 "is", param_hint="--imap-port")


def check_mail_port_clashes(smtp_port: int | None, imap_port: int | None, *, emulator_base_port: int,
                            hub_port: int, hub_port_option: str = "--port") -> None:
    """A usage error (exit 2), before anything starts, when ``--smtp-port`` or ``--imap-port`` is a port another
    server of ``onepoint serve`` takes: an emulator's (``--emulator-base-port`` and the five after it), the hub's
    (``hub_port``, given by ``hub_port_option``) or the other mail port; 0 (a free port) clashes with nothing. An
    unset ``--smtp-port`` is the default SMTP port at the default base port: the hub's port may not be it either."""
    from hub.system.emulated import DEFAULT_SMTP_PORT, mail_smtp_port

    if smtp_port is None and hub_port and mail_smtp_port(None, base_port=emulator_base_port) == hub_port:
        raise click.UsageError(f"{hub_port_option} {hub_port} is the mail emulator's SMTP port (unset --smtp-port at "
                               f"the default --emulator-base-port: {DEFAULT_SMTP_PORT}); give --smtp-port or "
                               f"{hub_port_option} another port (0: a free one)")
    mail_ports = (("--smtp-port", smtp_port), ("--imap-port", imap_port))
    for option, port in mail_ports:
        if not port:
            continue
        if emulator_base_port and emulator_base_port <= port < emulator_base_port + EMULATED_SYSTEMS:
            raise click.UsageError(
                f"{option} {port} is an emulator's port: --emulator-base-port {emulator_base_port} gives the emulators "
                f"{emulator_base_port}-{emulator_base_port + EMULATED_SYSTEMS - 1}; give {option} or "
                f"--emulator-base-port another port (0: a free one)")
        if port == hub_port:
            raise click.UsageError(f"{option} {port} is the hub's port ({hub_port_option}); give {option} or "
                                   f"{hub_port_option} another port (0: a free one)")
    if smtp_port and smtp_port == imap_port:
        raise click.UsageError(f"--smtp-port and --imap-port are both {smtp_port}; give one of them another port "
                               "(0: a free one)")


def emulator_tokens(items: tuple[str, ...], settings: HubSettings) -> dict[str, str]:
    """The emulators' call-back tokens: the development tokens, with or without --config, but for those of
    ``--hub-token``; a warning (one line) names the emulators whose token no caller of ``settings`` accepts."""
    from hub.system.callbacks import callback_tokens, refused_callbacks

    given: dict[str, str] = {}
    for item in items:
        name, sep, token = item.partition("=")
        if not sep or not name or not token:
            raise click.BadParameter(f"expected NAME=TOKEN, got {item!r}", param_hint="--hub-token")
        given[name.strip()] = token.strip()
    tokens = callback_tokens(given)
    refused = refused_callbacks(settings.callers, tokens)
    if refused:
        logging.getLogger("onepoint.serve").warning(
            f"the hub will refuse (401) the call-backs of the emulators {', '.join(refused)}: no [[callers]] entry "
            f"of {settings.source} for that system accepts the token they call back with (the development token "
            f"unless --hub-token NAME=TOKEN gives one)", extra={"emulators": refused})
    return tokens


def start_emulators_for(hub_url: str, settings: HubSettings, hub_tokens: tuple[str, ...], emulator_base_port: int,
                        emulator_seed: int, smtp_port: int | None = None,
                        imap_port: int | None = None) -> EmulatedSystems:
    """The six emulators on ``--emulator-base-port`` and the five ports after it (the mail emulator's SMTP server
    on ``smtp_port``, ``--smtp-port``: unset, 8025 at the default base, a free port on another; its IMAP server on
    ``imap_port``, ``--imap-port``: unset, a free port); one that cannot be served is a ``ClickException`` naming
    it and its host:port, and how to move them."""
    from hub.system import EmulatorStartError, start_emulators

    try:
        return start_emulators(hub_url, emulator_tokens(hub_tokens, settings), base_port=emulator_base_port,
                               seed=emulator_seed, smtp_port=smtp_port, imap_port=imap_port)
    except EmulatorStartError as exc:
        taken = f"{emulator_base_port}-{emulator_base_port + EMULATED_SYSTEMS - 1}"
        hint = (f" (free that port, or give --emulator-base-port another first port: the emulators take it and the "
                f"{EMULATED_SYSTEMS - 1} after it, {taken} now; 0: free ports)") if exc.port else ""
        if exc.system.endswith("(SMTP)"):  # the mail emulator's SMTP server: --smtp-port, else 8025 at the default base
            hint = (" (free that port, or give --smtp-port another one, 0: a free one; or --emulator-base-port 0: "
                    "free ports, the SMTP server's too)")
        if exc.system.endswith("(IMAP)"):  # the mail emulator's IMAP server: --imap-port
            hint = " (free that port, or give --imap-port another one, 0: a free one)"
        raise click.ClickException(f"{exc}{hint}") from None
    except OSError as exc:
        raise click.ClickException(f"cannot start the emulators: {exc} (try --emulator-base-port 0)") from None
