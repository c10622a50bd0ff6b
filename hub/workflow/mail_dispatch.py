"""A dispatch to an offline department as ``mail:DispatchMail``, the mail adapter's command (docs/offline-mail.md).

``dispatch_effects`` owes it (``MAIL_DISPATCH``) instead of an OA to-do when the department the work order goes to
is marked offline (``[mail.offline.<code>] mailbox``, ``EngineSettings.offline_mailboxes``): the work order's own
fields, the template's dispatch fields, the pre-processing checks the agent made (``CheckDone``, as NSP gets them),
the agent's instructions and the reply limit, for the mailbox its handler
reads. The adapter writes the e-mail (subject hook, token, answering instructions); this module only says what the
dispatch is. Sent through the outbound path like every follow-up, so an SMTP server that is down means retries and,
at last, the dead-letter queue, never a lost dispatch.
"""

from __future__ import annotations

import re
from datetime import datetime

from lxml import etree

from hub.gateways.documents import add_child, shortened
from hub.validation.namespaces import MAIL_NS
from hub.workflow.changes import FollowUp
from hub.workflow.follow_up_header import follow_up_root
from hub.workflow.network_dispatch import checks_carried, dispatch_field_items

__all__ = ["mail_dispatch"]

_MSISDN = re.compile(r"1[3-9][0-9]{9}")  # c:Msisdn
_PHONE = re.compile(r"\+?[0-9][0-9\-]{2,19}")  # c:PhoneNumber
LONG_TEXT = 4000  # c:LongText


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def mail_dispatch(follow_up: FollowUp, now: datetime) -> etree._Element:
    """The ``mail:DispatchMail`` of a dispatch to an offline department (``follow_up.details``: ``department``,
    ``mailbox``, ``dispatch``, the dispatch's ``fields`` and ``instructions``). No ``Link`` to the hub's work-order
    page: whoever reads the mail holds no credentials the page takes (the department answers by mail; the hub
    lets a system read only the work orders it pushed it an item for, ``hub.workflow.work_order_readers``)."""
    row, details = follow_up.work_order, follow_up.details
    root = follow_up_root("mail", MAIL_NS, "DispatchMail", now)
    add_child(root, "WorkOrderId", row["id"])
    add_child(root, "Dispatch", int(details["dispatch"]))
    add_child(root, "Department", details["department"])
    add_child(root, "Mailbox", details["mailbox"])
    add_child(root, "Priority", row["priority"])
    add_child(root, "CategoryCode", shortened(_text(row["category_code"]), 200))
    if phenomenon := _text(row.get("phenomenon")):
        add_child(root, "Phenomenon", shortened(phenomenon, 200))
    if _MSISDN.fullmatch(msisdn := _text(row.get("msisdn"))):
        add_child(root, "Msisdn", msisdn)
    if _PHONE.fullmatch(contact := _text(row.get("contact_number"))):
        add_child(root, "ContactNumber", contact)
    if description := _text(row.get("description")):
        add_child(root, "Description", shortened(description, LONG_TEXT))
    for name, value in dispatch_field_items(details["fields"], details.get("template_fields") or (),
                                            added=details.get("added_fields") or ()):
        field = add_child(root, "Field", None)
        add_child(field, "Name", name)
        add_child(field, "Value", value)
    for check in checks_carried(details):
        add_child(root, "CheckDone", check)
    if instructions := _text(details.get("instructions")):
        add_child(root, "Instructions", shortened(instructions, LONG_TEXT))
    if isinstance(due := row.get("reply_due"), datetime):
        add_child(root, "ReplyDue", due)
    return root
