"""``onepoint taxonomy``: check a complaint taxonomy's data, and show its tree or one category's template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hub.workflow.taxonomy import Category, DispatchTemplate, Taxonomy, TaxonomyError, load_taxonomy

__all__ = ["taxonomy"]

_PATH = click.Path(exists=True, path_type=Path)


@click.group("taxonomy")
def taxonomy() -> None:
    """The complaint taxonomy and its dispatch templates: check the data, show the tree or a template."""


def _load(path: Path | None) -> Taxonomy:
    try:
        return load_taxonomy(path)
    except TaxonomyError as exc:
        raise click.ClickException(str(exc)) from None


@taxonomy.command("check")
@click.argument("path", required=False, type=_PATH)
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Hub settings (TOML): check as the hub's start does, with its calendars and outage services "
                   "(PATH, when given, instead of the settings' taxonomy).")
def check_command(path: Path | None, config_path: Path | None) -> None:
    """Check a taxonomy (a TOML file or a directory of them; the packaged one without PATH); exit 1 on any error.

    Every problem is printed as FILE: CODE-OR-KEY: WHAT. With --config, the settings' data files are checked as
    the hub's start checks them: every dispatch target must have a calendar, the outage services' codes must be
    in the taxonomy, the SLA table must be readable; without it, the taxonomy alone.
    """
    if config_path is None:
        loaded = _load(path)
        click.echo("note: the taxonomy alone; give --config (the hub's settings) to check it with the calendars "
                   "and outage services as the hub's start does", err=True)
        _report(loaded, "ok")
        return
    from hub.cli.workorder_database import settings_of
    from hub.workflow.start_checks import DataFilesRefused, check_data_files

    try:
        settings = settings_of(config_path)
        checked = check_data_files(settings.workflow, path, settings.mail.offline)
    except DataFilesRefused as exc:
        raise click.ClickException(f"the hub would not start with {config_path}:\n{exc}") from None
    _report(checked.taxonomy, f"ok, checked with {' and '.join(checked.checked_with) or 'nothing else'}")


def _report(loaded: Taxonomy, verdict: str) -> None:
    for template_id in loaded.unused_templates():
        click.echo(f"warning: template {template_id} is used by no category", err=True)
    for name in loaded.unused_fields():
        click.echo(f"warning: field {name} is required by no template", err=True)
    counts = ", ".join(f"{count} {what}" for what, count in loaded.counts().items())
    click.echo(f"{loaded.source}: {counts}: {verdict}")


@taxonomy.command("show")
@click.argument("code", required=False)
@click.option("--file", "path", type=_PATH, help="A taxonomy file or directory instead of the packaged one.")
def show_command(code: str | None, path: Path | None) -> None:
    """Show the tree (below CODE when given), or a phenomenon's path and dispatch template."""
    from rich.console import Console

    loaded = _load(path)
    if code is not None and code not in loaded:
        raise click.ClickException(f"no category {code!r} in {loaded.source}")
    console = Console()
    if not console.is_terminal:  # piped or captured: no terminal width to fit, keep lines whole
        console = Console(width=200)
    if code is not None and loaded.category(code).template is not None:
        console.print(" → ".join(f"{c} {n}" for c, n in zip(_codes(code), loaded.path(code), strict=True)))
        if loaded.category(code).inherited:
            console.print(f"(the template of {loaded.category(code).parent})")
        console.print(_template_table(loaded.phenomenon(code)))
    else:
        console.print(_tree(loaded, code))


def _codes(code: str) -> list[str]:
    parts = code.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _label(category: Category) -> str:
    from rich.markup import escape

    text = f"[bold]{category.code}[/bold] {escape(category.name)}"
    if category.name_zh:
        text += f" ({escape(category.name_zh)})"
    if category.template is not None:
        inherited = " (inherited)" if category.inherited else ""
        text += f"  [dim]{category.template.id}{inherited} → {_target(category.template)}[/dim]"
    return text


def _target(template: DispatchTemplate) -> str:
    target = template.target
    return target.code if target.is_system else f"{target.code} via {target.system}"


def _tree(loaded: Taxonomy, code: str | None) -> Any:
    from rich.tree import Tree

    title = _label(loaded.category(code)) if code is not None else f"complaint taxonomy ({loaded.source})"
    root = Tree(title)
    branches: dict[str | None, Any] = {code: root}
    for category in loaded:
        if category.code == code or category.parent not in branches:
            continue
        branches[category.code] = branches[category.parent].add(_label(category))
    return root


def _template_table(template: DispatchTemplate) -> Any:
    from rich.markup import escape
    from rich.table import Table

    target = template.target
    via = "" if target.is_system else f", through {target.system}"
    table = Table(title=f"template {template.id}: {escape(template.name)}", show_header=False,
                  caption=f"dispatch to {escape(target.name)} ({target.code}{via})")
    table.add_column("part", style="bold", no_wrap=True)
    table.add_column("content")
    for index, question in enumerate(template.questions, 1):
        table.add_row("ask" if index == 1 else "", f"{index}. {escape(question)}")
    for index, check in enumerate(template.checks, 1):
        last = index == len(template.checks)
        table.add_row("check" if index == 1 else "", f"{index}. {escape(check)}", end_section=last)
    for index, spec in enumerate(template.fields):
        kind = spec.type + (f" {spec.pattern.pattern}" if spec.pattern else "")
        kind += f" {'|'.join(spec.choices)}" if spec.choices else ""
        table.add_row("fields" if index == 0 else "", f"{spec.name}: {escape(spec.label)} [dim]({escape(kind)})[/dim]")
    return table
