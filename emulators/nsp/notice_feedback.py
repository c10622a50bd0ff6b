"""How the NSP emulator takes customer service's NoticeFeedback: feedback on one of its network notices (the
information notice's "feedback from customer service"), sent by the customer-service system through the hub.

The feedback is recorded with the notice (``feedback``: the MessageId, the revision it is about, the text, who gave
it and when, when NSP received it; shown in ``GET /nsp/outages``) and becomes the notice's
``customer_service_feedback``, so the notice's next revision or its clearance carries it back
(``CustomerServiceFeedback``), with the sender's answer when the tester gives one (``sender_answer``). The answer is
the Ack: ACCEPTED, a repeated MessageId DUPLICATE; a notice the emulator does not hold is refused (404
``unknown-notice``), as is feedback on a cleared notice (409 ``notice-cleared``: no next revision will carry it back)
or a withdrawn one (409 ``notice-withdrawn``)
and on a revision above the notice's current one (409 ``unknown-revision``: the agents were never shown it); the
hub dead-letters each with NSP's reason. At most ``FEEDBACK_KEPT`` per notice (the newest).
"""

from __future__ import annotations

from dataclasses import replace

from lxml import etree

from emulators.nsp.notices import NSP_NS
from emulators.nsp.state import NspState
from emulators.toolkit.xmlcommand import CommandError, iso, response_root, text_of
from hub.validation import ValidatedCommand

__all__ = ["FEEDBACK_KEPT", "take_feedback"]

FEEDBACK_KEPT = 50


def take_feedback(state: NspState, command: ValidatedCommand, now: float) -> etree._Element:
    """Record the feedback ``command`` on its notice (see the module); its answer. Holds the state's lock."""
    el = command.element
    notice_id = text_of(el, "NoticeId", NSP_NS) or ""
    with state.lock:
        notice = state.notices.get(notice_id)
        if notice is None:
            raise CommandError(404, "unknown-notice", f"NSP holds no notice {notice_id}")
        if any(given["message_id"] == command.message_id for given in notice.feedback):
            return response_root(command, "DUPLICATE", now)
        revision = text_of(el, "Revision", NSP_NS)
        if notice.status == "CLEARED":
            raise CommandError(409, "notice-cleared", f"notice {notice_id} is cleared: no revision will carry the "
                                                      "feedback back")
        if notice.status == "WITHDRAWN":
            raise CommandError(409, "notice-withdrawn", f"notice {notice_id} is withdrawn (there was no outage): no "
                                                        "revision will carry the feedback back")
        if revision and int(revision) > notice.revision:
            raise CommandError(409, "unknown-revision", f"notice {notice_id} has no revision {revision} (its "
                                                        f"current one is {notice.revision})")
        text = text_of(el, "Feedback", NSP_NS) or ""
        notice.feedback.append({"message_id": command.message_id, "revision": int(revision) if revision else None,
                                "feedback": text, "given_by": text_of(el, "GivenBy", NSP_NS),
                                "given_at": text_of(el, "GivenAt", NSP_NS), "received_at": iso(now)})
        del notice.feedback[:-FEEDBACK_KEPT]
        notice.report = replace(notice.report, customer_service_feedback=text)
    return response_root(command, "ACCEPTED", now)
