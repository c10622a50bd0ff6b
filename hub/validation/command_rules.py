"""The co-occurrence rules of the installed command sets (the XSD comments say each one; XSD 1.0 cannot).

* ``nsp.OutageNotice``: a PLANNED_WORK notice names its AdjustmentKind, a FAULT notice has none (schemas/nsp.xsd).
  Refused at the ingress, so no consumer of the broadcast (bulletin, OA, CRM) ever gets an inconsistent notice.
"""

from __future__ import annotations

from hub.validation.rules import RuleBook, only_when

__all__ = ["INSTALLED_RULES"]

INSTALLED_RULES = RuleBook().add(
    "nsp.OutageNotice", only_when("AdjustmentKind", field="Kind", equals="PLANNED_WORK"),
)
