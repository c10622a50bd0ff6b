"""The NSP emulator's outage notices: raised, revised, cleared and withdrawn through ``/nsp/outages`` or a script,
each revision sent to the hub as an OutageNotice (the call-backs) and kept in the emulator's state.

- A notice is a revision of an earlier one only when the caller names it (``notice_id``); an auto-numbered notice
  never takes an id in use.
- A revision keeps the feedback customer service gave on the notice (:mod:`emulators.nsp.notice_feedback`), in
  its report too unless the revision gives one; a clearance takes the report fields
  :mod:`emulators.nsp.notice_report` allows it. A cleared notice is neither revised nor cleared again (409
  ``notice-cleared``).
- A withdrawal (the notice was issued in error: there was no outage) is sent as the next revision with status
  WITHDRAWN, ClearedAt the moment and the tester's ``reason`` as WithdrawalReason; an active or a cleared notice may
  be withdrawn (NSP may find the fault was a false alarm after clearing it), a withdrawn one is NSP's last word:
  neither revised, cleared nor withdrawn again (409 ``notice-withdrawn``).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from lxml import etree

from emulators.callbacks import CallbackClient
from emulators.nsp.notice_report import CLEAR_REPORT_KEYS, ReportSpecError, cleared_report
from emulators.nsp.notices import Notice, NoticeSpecError, notice_document, parse_notice_spec
from emulators.nsp.script import ScriptEvent
from emulators.nsp.state import NspState
from emulators.toolkit import Clock
from emulators.toolkit.jsonkeys import unknown_keys_problem
from emulators.toolkit.logs import log_event
from emulators.toolkit.xmlcommand import CommandError, MessageIds, validate_own
from hub.validation import DocumentRefused

__all__ = ["OutageNotices"]


class OutageNotices:
    """The notices of one ``NspService``: kept in its state, numbered with its message ids, sent by its call-backs."""

    def __init__(self, *, state: NspState, clock: Clock, callbacks: CallbackClient, ids: MessageIds,
                 log: logging.Logger) -> None:
        self.state, self.clock, self.callbacks, self.ids, self.log = state, clock, callbacks, ids, log
        self._lock = state.lock

    def raise_notice(self, spec: Any) -> dict[str, Any]:
        """Raise a notice, or revise the active one the caller names with ``notice_id``."""
        now = self.clock.now()
        with self._lock:
            notice = parse_notice_spec(spec, now=now, notice_id="")
            named = bool(notice.notice_id)
            if not named:
                notice.notice_id = self.state.next_notice_id(notice.kind, now)
            previous = self.state.notices.get(notice.notice_id) if named else None
            if previous is not None:
                _still_active(previous)
                notice.revision, notice.history = previous.revision + 1, previous.history
                notice.feedback = previous.feedback  # customer service's, carried back until the tester says else
                if notice.report.customer_service_feedback is None:
                    notice.report = replace(notice.report,
                                            customer_service_feedback=previous.report.customer_service_feedback)
            return self._send_notice(notice, now)

    def clear_notice(self, notice_id: str, spec: Any) -> dict[str, Any]:
        """Clear a notice; ``spec`` a JSON object with an optional ``wording`` of the CLEARED revision, and the
        report fields a clearance carries (``emulators.nsp.notice_report.CLEAR_REPORT_KEYS``)."""
        if not isinstance(spec, dict):
            raise NoticeSpecError("the clear body is a JSON object, e.g. {\"wording\": \"...\"}")
        problem = unknown_keys_problem(spec, ("wording", *sorted(CLEAR_REPORT_KEYS)))
        if problem:
            raise NoticeSpecError(problem)
        if spec.get("wording") is not None and not isinstance(spec["wording"], str):
            raise NoticeSpecError("'wording' must be a string")
        now = self.clock.now()
        with self._lock:
            notice = self.state.notices[notice_id]
            _still_active(notice)
            wording = spec.get("wording") or notice.wording
            try:
                report = cleared_report(notice.report, spec, kind=notice.kind, wording=wording,
                                        contact=notice.contact, now=now)
            except ReportSpecError as exc:
                raise NoticeSpecError(str(exc)) from None
            cleared = replace(notice, status="CLEARED", cleared_at=now, revision=notice.revision + 1,
                              wording=wording, report=report)
            return self._send_notice(cleared, now)

    def withdraw_notice(self, notice_id: str, spec: Any) -> dict[str, Any]:
        """Withdraw a notice issued in error; ``spec`` a JSON object with an optional ``reason`` (WithdrawalReason)
        and ``wording`` of the WITHDRAWN revision."""
        if not isinstance(spec, dict):
            raise NoticeSpecError("the withdraw body is a JSON object, e.g. {\"reason\": \"...\"}")
        problem = unknown_keys_problem(spec, ("reason", "wording"))
        if problem:
            raise NoticeSpecError(problem)
        for key in ("reason", "wording"):
            if spec.get(key) is not None and not (isinstance(spec[key], str) and spec[key].strip()):
                raise NoticeSpecError(f"'{key}' must be a non-empty string")
        now = self.clock.now()
        with self._lock:
            notice = self.state.notices[notice_id]
            if notice.status == "WITHDRAWN":
                raise CommandError(409, "notice-withdrawn", f"notice {notice_id} is already withdrawn")
            withdrawn = replace(notice, status="WITHDRAWN", cleared_at=now, revision=notice.revision + 1,
                                wording=spec.get("wording") or notice.wording, withdrawal_reason=spec.get("reason"))
            return self._send_notice(withdrawn, now)

    def _send_notice(self, notice: Notice, now: float) -> dict[str, Any]:
        message_id = self.ids.next()
        root = notice_document(notice, message_id=message_id, sent_at=now)
        try:
            validate_own(root)
        except DocumentRefused as exc:
            raise NoticeSpecError("the notice is not a valid OutageNotice", [str(v) for v in exc.violations]) from exc
        notice.history.append({"revision": notice.revision, "status": notice.status, "message_id": message_id})
        self.state.notices[notice.notice_id] = notice
        self.callbacks.submit("nsp", "OutageNotice", etree.tostring(root, xml_declaration=True, encoding="UTF-8"),
                              message_id=message_id, ref=notice.notice_id)
        log_event(self.log, logging.INFO, "nsp.notice", notice_id=notice.notice_id, revision=notice.revision,
                  status=notice.status)
        return {**notice.to_json(), "message_id": message_id}

    def script_event(self, event: ScriptEvent) -> None:
        """A scripted notice raised; cleared when the script's notice of that name is still active, withdrawn when
        it is not withdrawn yet."""
        if event.action == "raise":
            self.state.script_names[event.name] = self.raise_notice(event.spec)["notice_id"]
            return
        notice_id = self.state.script_names.get(event.name)
        status = None if notice_id is None else self.state.notices[notice_id].status
        if notice_id is not None and event.action == "clear" and status == "ACTIVE":
            self.clear_notice(notice_id, event.spec)
        elif notice_id is not None and event.action == "withdraw" and status != "WITHDRAWN":
            self.withdraw_notice(notice_id, event.spec)


def _still_active(notice: Notice) -> None:
    """Refuse to revise or clear a notice that is over (409 ``notice-cleared`` / ``notice-withdrawn``)."""
    if notice.status == "WITHDRAWN":
        raise CommandError(409, "notice-withdrawn", f"notice {notice.notice_id} is withdrawn")
    if notice.status != "ACTIVE":
        raise CommandError(409, "notice-cleared", f"notice {notice.notice_id} is already cleared")
