"""The work order's own numbers among a dispatch's fields: ``msisdn`` and ``contact_number``, which the hub fills in
from the work order when the agent gives none (``taxonomy.dispatch_limits.HUB_ADDED_FIELDS``).

**The subscriber's number.** Every template of the seed names ``msisdn`` the number the complaint is about (label
``Phone number`` / ``手机号码``, type ``msisdn``), the one NSP also gets as ``nsp:Msisdn``: the field is no second
number of another meaning. One the agent gives that is another number (read as ``normal_number`` writes it: its
separators, China's country code and full-width digits aside), typically the number the customer calls from, would
send NSP two subscriber numbers and its engineer might check the wrong line: refused ``msisdn-mismatch``, naming
both. ``8613800138000`` (as BOSS and HLR screens write an MSISDN) is the subscriber's ``13800138000``; a value that
is no mobile number at all is no other subscriber: the template's check of the field judges it (kept at intake, a
Dispatch refused ``dispatch-incomplete`` when templates are enforced). A CreateWorkOrder carrying another is
refused before anything is written, whether its fields would dispatch it at once or be kept for a Dispatch
(``refuse_other_subscriber``, as an unknown check is); a Dispatch giving one is refused as one missing a field is,
its DISPATCH_REFUSED entry kept and counted (``other_subscriber``, ``hub.workflow.dispatch_effects``), whether or
not the templates are enforced. One kept from intake by a hub before this check (the agent cannot take it back) is
set aside instead: the Dispatch sends the work order's number, with a field entry ``intake.msisdn``
(``INTAKE_FIELD_SET_ASIDE``: the kept value and the one dispatched; ``kept_subscriber_set_aside``).

**The call-back number.** A ``contact_number`` a dispatch carries (its own, else one given at intake) that is not
the work order's (compared likewise) is a new number to call the customer back on: NSP gets it, and so does the
work order (``call_back_change``: the column, in the dispatch's transaction, with a field entry ``contact_number``,
the old and the new number, logged to their last four digits). It is kept as dispatched (``13912345678``,
``075583765432-801``), a ``c:PhoneNumber`` QueryWorkOrder answers; a value that is no telephone number (a dispatch
the templates' enforcement let through) changes nothing. The dispatch's status change event announces the change,
as it does the new owner (a TMF621 ticket carries no contact number: no attribute change event is written).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hub.observability.masking import mask_msisdn_tail
from hub.workflow.commands import ActionRequest, WorkOrderRefused
from hub.workflow.store import HistoryEntry
from hub.workflow.taxonomy import FIELD_TYPES
from hub.workflow.taxonomy.fields import half_width, normal_number

__all__ = ["CALL_BACK_FIELD", "MISMATCH", "SET_ASIDE", "call_back_change", "kept_subscriber_set_aside",
           "other_subscriber", "refuse_other_subscriber"]

log = logging.getLogger("onepoint.workflow")

MISMATCH = "msisdn-mismatch"  # the c:Error code of a dispatch naming another subscriber number
CALL_BACK_FIELD = "contact_number"  # the dispatch field, the work order's column and its history entry's field
_PHONE_NUMBER = re.compile(r"\+?[0-9][0-9\-]{2,19}")  # c:PhoneNumber: what wo:ContactNumber answers
_IS_PHONE = FIELD_TYPES["phone"]
_IS_MOBILE = FIELD_TYPES["msisdn"]
SET_ASIDE = "INTAKE_FIELD_SET_ASIDE"  # the history action of a kept msisdn a Dispatch left out


def _number(value: str) -> str:
    """A number as it is checked and dispatched (``FieldSpec.normal`` of a ``msisdn`` or ``phone`` field)."""
    return normal_number(half_width(value.strip()))


def other_subscriber(msisdn: str, fields: Mapping[str, str], refused: str) -> str | None:
    """The refusal of ``fields`` (a dispatch's) whose ``msisdn`` is another mobile number than the work order's
    ``msisdn``, starting with ``refused``; None when it is the same number however spelt (``8613800138000`` too),
    none is given, or it is no mobile number at all (the template's check of the field names what is wrong)."""
    given = (fields.get("msisdn") or "").strip()
    number = _number(given)
    if not given or number == _number(msisdn) or _IS_MOBILE(number) is not None:
        return None
    return (f"{refused}: field msisdn {number} is not the work order's subscriber number {msisdn}, "
            "and NSP would be sent both; leave the field out (the hub dispatches the work order's number) or give "
            "that number, and put a number the customer is to be called back on in contact_number")


def kept_subscriber_set_aside(row: Mapping[str, Any], kept: Mapping[str, str], request: ActionRequest,
                              at: datetime) -> HistoryEntry | None:
    """The field entry saying a Dispatch left out the ``msisdn`` kept from intake (``kept``) because it is another
    number than the work order's subscriber (kept by a hub before ``msisdn-mismatch``: no CreateWorkOrder carrying
    one is accepted now), the work order's number dispatched instead; None when the Dispatch gives its own
    ``msisdn`` (checked as given), none was kept, or the kept one is the subscriber's."""
    if "msisdn" in request.dispatch_fields or other_subscriber(row["msisdn"], kept, "") is None:
        return None
    return HistoryEntry(at=at, kind="field", actor="hub", system="HUB", action=SET_ASIDE, field="intake.msisdn",
                        old_value=kept["msisdn"], new_value=row["msisdn"], message_id=request.message_id,
                        note="the msisdn given at intake is not the work order's subscriber number: left out, the "
                             "work order's number dispatched (a number to call back on goes in contact_number)")


def refuse_other_subscriber(msisdn: str, fields: Mapping[str, str]) -> None:
    """A CreateWorkOrder whose fields name another subscriber number than its ``Msisdn`` refused, nothing written."""
    refusal = other_subscriber(msisdn, fields, "CreateWorkOrder refused")
    if refusal is not None:
        raise WorkOrderRefused(refusal, code=MISMATCH)


def call_back_change(row: Mapping[str, Any], fields: Mapping[str, str], request: ActionRequest, at: datetime, *,
                     from_intake: bool) -> HistoryEntry | None:
    """The field entry taking the ``contact_number`` of ``fields`` (a dispatch's, as asked) onto the work order
    ``row`` when it is a telephone number other than the work order's (its ``new_value`` the column's new value);
    None when it is the same number however spelt, no number, or not given."""
    given = (fields.get(CALL_BACK_FIELD) or "").strip()
    new = _number(given)
    if not given or _IS_PHONE(new) is not None or not _PHONE_NUMBER.fullmatch(new):
        return None
    old = str(row[CALL_BACK_FIELD] or "")
    if old and _number(old) == new:
        return None
    log.info("work order contact number taken from the dispatch", extra={
        "work_order_id": row["id"], "old_contact_number": mask_msisdn_tail(old) if old else None,
        "contact_number": mask_msisdn_tail(new)})
    return HistoryEntry(at=at, kind="field", actor=request.operator, system=request.system, field=CALL_BACK_FIELD,
                        old_value=old or None, new_value=new, message_id=request.message_id,
                        note="the call-back number given at intake, dispatched" if from_intake
                        else "the call-back number given with the dispatch")
