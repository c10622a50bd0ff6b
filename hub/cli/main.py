"""The ``onepoint`` command line."""

from __future__ import annotations

import contextlib
import faulthandler
import io
import sys
from pathlib import Path

import click

from hub.cli.audit import audit
from hub.cli.backup import backup
from hub.cli.bulletin import bulletin
from hub.cli.demo import demo
from hub.cli.dlq import dlq
from hub.cli.emulate import emulate, emulator
from hub.cli.file_modes import owner_only_files
from hub.cli.listeners import listeners
from hub.cli.mail import mail
from hub.cli.oa import oa
from hub.cli.processed import processed
from hub.cli.routes import routes
from hub.cli.serve import serve
from hub.cli.simulate import simulate
from hub.cli.stats import stats
from hub.cli.taxonomy import taxonomy
from hub.cli.worker import worker
from hub.cli.workorders import workorders
from hub.cli.workorders_copy import copy_command as workorders_copy
from hub.security.secrets import hash_password, hash_token
from hub.validation.command_sets import CommandSetRegistry
from hub.validation.documents import DocumentSetValidator
from hub.validation.parser import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, ParserLimits
from hub.validation.violations import DocumentRefused

__all__ = ["MAX_BYTES_RANGE", "MAX_DEPTH_RANGE", "main"]

# What ParserLimits takes (hub/validation/document_limits.py): a positive size, a depth of 2-256 (libxml2's own
# cap without huge_tree); outside, a usage error naming the option and the range, not ParserLimits' ValueError.
MAX_BYTES_RANGE = click.IntRange(min=1)
MAX_DEPTH_RANGE = click.IntRange(2, 256)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="onepoint-hub")
def main() -> None:
    """OnePoint Hub: one point of complaint, whole-network interaction."""
    if not faulthandler.is_enabled() and sys.stderr is not None:  # a crash in C code leaves each thread's stack
        with contextlib.suppress(AttributeError, ValueError, RuntimeError, io.UnsupportedOperation):  # no file there
            faulthandler.enable()
    owner_only_files()  # before any command opens a store: its files are this account's only


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--max-bytes", type=MAX_BYTES_RANGE, default=DEFAULT_MAX_BYTES, show_default=True,
              help="Size cap per document (at least 1).")
@click.option("--max-depth", type=MAX_DEPTH_RANGE, default=DEFAULT_MAX_DEPTH, show_default=True,
              help="Nesting cap per document (2-256).")
def validate(files: tuple[Path, ...], max_bytes: int, max_depth: int) -> None:
    """Validate documents against their command set's XSD: commands, responses, c:Ack and c:Error.

    Prints FILE:LINE: PATH: REASON for every violation; exits 1 when any file is invalid.
    """
    validator = DocumentSetValidator(CommandSetRegistry.installed(), ParserLimits(max_bytes, max_depth))
    failed = 0
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            click.echo(f"{path}:0: /: cannot read: {exc.strerror}", err=True)
            failed += 1
            continue
        try:
            document = validator.validate_bytes(data)
        except DocumentRefused as exc:
            failed += 1
            for violation in exc.violations:
                click.echo(f"{path}:{violation.line or 0}: {violation.path}: {violation.reason}")
            continue
        click.echo(f"{path}: valid {document.document_type}", err=True)
    if failed:
        click.echo(f"{failed} of {len(files)} file(s) invalid", err=True)
        sys.exit(1)


@main.command()
def schemas() -> None:
    """List the command sets, their namespaces and commands."""
    for command_set in CommandSetRegistry.installed(detailed=False):
        click.echo(f"{command_set.name:<10} {command_set.namespace:<28} {', '.join(sorted(command_set.commands))}")


@main.command("hash-password")
@click.password_option(confirmation_prompt=True)
def hash_password_command(password: str) -> None:
    """Print the scrypt hash of a caller's HTTP Basic password, for a config file's password_hash."""
    click.echo(hash_password(password))


@main.command("hash-token")
@click.argument("token", envvar="ONEPOINT_TOKEN")
def hash_token_command(token: str) -> None:
    """Print the SHA-256 digest of a bearer token, for a config file's token_hashes."""
    click.echo(hash_token(token))


main.add_command(serve)
main.add_command(routes)
main.add_command(dlq)
main.add_command(audit)
main.add_command(backup)
main.add_command(bulletin)
main.add_command(emulate)
main.add_command(emulator)
main.add_command(worker)
main.add_command(demo)
main.add_command(taxonomy)
main.add_command(workorders)
workorders.add_command(workorders_copy)
main.add_command(listeners)
main.add_command(mail)
main.add_command(oa)
main.add_command(processed)
main.add_command(simulate)
main.add_command(stats)


if __name__ == "__main__":  # pragma: no cover
    main()
