"""The co-occurrence rules of the installed command sets (the XSD comments say each one; XSD 1.0 cannot).

* ``nsp.OutageNotice``: a PLANNED_WORK notice names its AdjustmentKind, a FAULT notice has none (schemas/nsp.xsd);
  its times lie within the years a ``datetime`` holds in UTC; ExpectedEnd is not before Start; ClearedAt only on
  a CLEARED or WITHDRAWN notice (a planned work called off may be cleared before its Start; a withdrawal's
  ClearedAt is when NSP withdrew it); WithdrawalReason only on a WITHDRAWN notice.
  Refused at the ingress, so no consumer of the broadcast (bulletin, workflow, OA, CRM) ever gets an inconsistent
  notice.
"""

from __future__ import annotations

from hub.validation.instant_rules import held_instants, not_before, only_on
from hub.validation.rules import RuleBook, only_when

__all__ = ["INSTALLED_RULES"]

INSTALLED_RULES = RuleBook().add(
    "nsp.OutageNotice", only_when("AdjustmentKind", field="Kind", equals="PLANNED_WORK"),
    held_instants("Start", "ExpectedEnd", "ClearedAt"), not_before("ExpectedEnd", "Start"),
    only_on("ClearedAt", field="Status", equals=("CLEARED", "WITHDRAWN")),
    only_on("WithdrawalReason", field="Status", equals="WITHDRAWN"),
)
