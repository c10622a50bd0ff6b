"""The BOSS operations: QueryCustomerTier, QuerySubscriber and SyncHLR, answered from :class:`BossState`.

SyncHLR is idempotent on its MessageId: a repeat is answered with the first sync's diff (``BossState.sync_once``).
An MSISDN BOSS does not know is refused the way a BOSS interface refuses it: a SOAP Fault with faultcode
``Client.SubscriberNotFound`` (HTTP 500), faultstring "subscriber not found" with the masked number.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from emulators.boss.state import BossState, SubscriberNotFound
from emulators.population import Subscriber
from emulators.toolkit.clock import Clock
from emulators.toolkit.logs import emulator_logger, log_event
from emulators.toolkit.soapcontract import Contract, DomainFault, local_now
from hub.observability.logging import mask_msisdn
from hub.validation import ValidatedCommand

__all__ = ["SUBSCRIBER_NOT_FOUND", "boss_handlers"]

SUBSCRIBER_NOT_FOUND = "Client.SubscriberNotFound"
log = emulator_logger("boss")


def _subscriber(state: BossState, msisdn: str) -> Subscriber:
    try:
        return state.subscriber(msisdn)
    except SubscriberNotFound:
        log_event(log, logging.INFO, "boss.subscriber_not_found", msisdn=mask_msisdn(msisdn))
        raise DomainFault(SUBSCRIBER_NOT_FOUND, f"subscriber not found: {mask_msisdn(msisdn)}") from None


def boss_handlers(state: BossState, contract: Contract,
                  clock: Clock | None = None) -> dict[str, Callable[[ValidatedCommand, Any], Any]]:
    """The three operations; Ack ReceivedAt and SyncedAt come from ``clock`` (default: the system clock)."""
    m = contract.models
    area_type = m["Subscriber"]._type_info["HomeArea"]
    area_model = getattr(area_type, "__orig__", None) or area_type  # the customized (minOccurs) class warns

    # The BOSS record is read-only: each subscriber's answer parts are built once (spyne models are costly to
    # create) and only the Ack is new per request.
    tier_parts: dict[str, dict[str, Any]] = {}
    records: dict[str, Any] = {}

    def tier_answer(sub: Subscriber) -> dict[str, Any]:
        manager = state.population.manager(sub.account_manager_id) if sub.account_manager_id else None
        target = sub.answer_target
        return {
            "Msisdn": sub.msisdn, "Brand": sub.brand,
            "Identity": [m["Identity"](Tier=i.tier, VipLevel=i.vip_level, GroupId=i.group_id, GroupName=i.group_name,
                                       GroupRole=i.group_role, HomeArea=i.home_area, ValidUntil=i.valid_until)
                         for i in sub.identities],
            "EffectiveTier": sub.effective_tier, "AccountManagerId": sub.account_manager_id,
            "AccountManagerName": manager.name if manager else None, "Priority": sub.priority,
            "AnswerTarget": m["AnswerTarget"](ShareAnsweredPercent=target.share_percent,
                                              AnswerWithinSeconds=target.within_seconds,
                                              WindowMinutes=target.window_minutes),
        }

    def subscriber_record(sub: Subscriber) -> Any:
        return m["Subscriber"](
            Msisdn=sub.msisdn, Brand=sub.brand, PaymentType=sub.payment_type, Status=sub.status,
            StatusReason=sub.status_reason, StatusChangedAt=sub.status_changed_at,
            HomeArea=area_model(AreaCode=sub.area_code, District=sub.district), OpenedAt=sub.opened_at,
            Imsi=sub.imsi, Iccid=sub.iccid, Balance=sub.balance,
            Service=[m["Service"](Code=s.code, Enabled=s.enabled, Since=s.since) for s in sub.services],
        )

    def query_customer_tier(validated: ValidatedCommand, request: Any) -> Any:
        sub = _subscriber(state, request.Msisdn)
        parts = tier_parts.get(sub.msisdn)
        if parts is None:
            parts = tier_parts.setdefault(sub.msisdn, tier_answer(sub))
        return m["QueryCustomerTierResponse"](Ack=contract.ack(validated, clock), **parts)

    def query_subscriber(validated: ValidatedCommand, request: Any) -> Any:
        sub = _subscriber(state, request.Msisdn)
        record = records.get(sub.msisdn)
        if record is None:
            record = records.setdefault(sub.msisdn, subscriber_record(sub))
        return m["QuerySubscriberResponse"](Ack=contract.ack(validated, clock), Subscriber=record)

    def sync_hlr(validated: ValidatedCommand, request: Any) -> Any:
        _subscriber(state, request.Msisdn)  # a repeated MessageId is answered with its first sync (BossState)
        synced = state.sync_once(validated.message_id, request.Msisdn, local_now(clock).replace(microsecond=0))
        changes = synced.changes
        return m["SyncHLRResponse"](
            Ack=contract.ack(validated, clock), Changed=bool(changes), SyncedAt=synced.synced_at,
            Change=[m["FieldChange"](Field=c.field, HlrValue=c.hlr_value, BossValue=c.boss_value) for c in changes],
        )

    return {"QueryCustomerTier": query_customer_tier, "QuerySubscriber": query_subscriber, "SyncHLR": sync_hlr}
