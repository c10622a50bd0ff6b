"""Dispatch targets and templates: what an agent asks and checks for a phenomenon, and what a dispatch carries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hub.workflow.taxonomy.fields import FieldSpec

__all__ = ["SYSTEM_CODES", "DispatchTemplate", "Target"]

SYSTEM_CODES = ("BOSS", "CRM", "NSP", "DSMP", "OA")  # schemas/common.xsd SystemCode that receive dispatches


@dataclass(frozen=True, slots=True)
class Target:
    """Where a dispatch goes: a system, or a department reached through one (the NMC through NSP)."""

    code: str
    name: str
    system: str
    name_zh: str = ""

    @property
    def is_system(self) -> bool:
        return self.code == self.system


@dataclass(frozen=True, slots=True)
class DispatchTemplate:
    """One phenomenon's template: intake questions, pre-processing checks, required fields and the target.

    ``function``: the nsp:FunctionAffected a dispatch to NSP names when the agent's ``calling_functions_affected``
    names none (``hub.workflow.network_dispatch.functions_affected``); None: the phenomenon's domain decides.
    """

    id: str
    name: str
    target: Target
    questions: tuple[str, ...]
    checks: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    function: str | None = None

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields)

    def normalised(self, fields: Mapping[str, str]) -> dict[str, str]:
        """``fields`` with the template's numbers, times, months and amounts as they are checked and dispatched
        (``FieldSpec.normal``: full-width digits in ASCII, a number without separators)."""
        normal = dict(fields)
        for spec in self.fields:
            if fields.get(spec.name):
                normal[spec.name] = spec.normal(fields[spec.name])
        return normal

    def missing_fields(self, fields: Mapping[str, str]) -> list[str]:
        """Every required field missing or blank, and every value failing its type, each named; [] when complete.
        A number is checked as ``FieldSpec.normal`` writes it (``139-8765-4321`` as ``13987654321``).

        The workflow refuses a dispatch whose list is not empty and shows the list to the agent.
        """
        missing: list[str] = []
        for spec in self.fields:
            value = (fields.get(spec.name) or "").strip()
            if not value:
                missing.append(f"{spec.name} ({spec.label}): missing")
                continue
            wrong = spec.problem(spec.normal(value), typed=value)
            if wrong is not None:
                missing.append(f"{spec.name} ({spec.label}): {wrong}")
        return missing
