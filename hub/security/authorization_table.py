"""The authorization table checked against the installed schemas when the hub's app is built: a caller nobody could
ever authorize is refused at start, not found out from its every request refused 403.

A ``[[callers]]`` entry's ``system`` must be a ``SystemCode`` of schemas/common.xsd (the ``Header/SourceSystem``
its documents carry must equal it: ``"Cs"`` for ``"CS"`` would refuse them all), and each of its ``commands`` globs
must match an installed command type (``"workorders.*"`` for ``"workorder.*"`` allows nothing), checked in the
routing table's words (``hub.validation.command_patterns``). ``[bulletin] readers`` and ``notice_readers`` name
caller systems too. Every problem is named, with the settings file, the caller and the value, in one
``ConfigError``.
"""

from __future__ import annotations

from collections.abc import Iterable

from hub.config.settings import ConfigError, HubSettings
from hub.validation.command_patterns import unmatched
from hub.validation.command_sets import CommandSetRegistry

__all__ = ["check_authorization_table"]


def check_authorization_table(settings: HubSettings, registry: CommandSetRegistry) -> None:
    """``ConfigError`` naming every caller entry and bulletin reader of ``settings`` that can never be authorized."""
    systems = registry.system_codes()
    command_types = registry.command_types()
    problems: list[str] = []
    for index, caller in enumerate(settings.callers):
        where = f"callers[{index}] ({caller.username})"
        problems += _unknown_systems(f"{where}.system", (caller.system,), systems)
        problems += [f"{where}.commands: {problem}: it allows nothing"
                     for problem in unmatched(caller.commands, command_types)]
    problems += _unknown_systems("bulletin.readers", settings.bulletin.readers, systems)
    problems += _unknown_systems("bulletin.notice_readers", settings.bulletin.notice_readers, systems)
    if problems:
        raise ConfigError(f"{settings.source}: " + "; ".join(problems))


def _unknown_systems(key: str, named: Iterable[str], systems: frozenset[str]) -> list[str]:
    """Each of ``named`` that is no system a document's SourceSystem can name (nothing known: none)."""
    if not systems:
        return []
    return [f"{key}: {system!r} is no source system ({', '.join(sorted(systems))}: SystemCode of common.xsd), "
            "so no request could ever be authorized for it" for system in named if system not in systems]
