"""adapters.boss.mapping: commands → call arguments, BOSS answers → CustomerTier / HlrSync (no network)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from adapters.boss import mapping
from hub.customer_tiers import answer_target, priority_of
from hub.gateways import with_ack
from tests.unit.adapters.soap_kit import C, command, example, registry

pytestmark = pytest.mark.unit
SENT = datetime(2026, 11, 23, 1, 15, tzinfo=UTC)
BOSS = "urn:onepoint:boss:1"


def test_tier_query_is_forwarded_under_the_callers_ids_from_the_hub() -> None:
    envelope = command("boss/QueryCustomerTier.valid.xml", message_id="cs-q-00000042", correlation_id="cs-c-1")
    assert mapping.tier_arguments(envelope, SENT) == {
        "Header": {"MessageId": "cs-q-00000042", "CorrelationId": "cs-c-1", "SourceSystem": "HUB", "SentAt": SENT},
        "Msisdn": "13800138000",
    }
    assert "CorrelationId" not in mapping.tier_arguments(command("boss/QueryCustomerTier.valid.xml",
                                                                 correlation_id=None))["Header"]


def test_sync_hlr_arguments_keep_every_field_the_caller_gave() -> None:
    full = mapping.sync_arguments(command("boss/SyncHLR.valid.xml"), SENT)
    assert {k: v for k, v in full.items() if k != "Header"} == {
        "Msisdn": "13800138000", "WorkOrderId": "WO20261123A7K2M9Q1",
        "Reason": "Cannot originate since reconnection this morning", "Operator": "agent-1024"}
    minimal = mapping.sync_arguments(command("boss/SyncHLR.valid-minimal.xml"), SENT)
    assert set(minimal) == {"Header", "Msisdn", "Reason"}


def test_tier_answer_reads_tier_brand_vip_level_groups_and_account_manager() -> None:
    document = etree.fromstring(example("boss/responses/QueryCustomerTierResponse.xml"))
    tier = mapping.customer_tier(document)
    assert (tier.msisdn, tier.brand, tier.effective_tier, tier.priority) == ("13800138000", "QQT", "VIP_GOLD", 1)
    assert [i.tier for i in tier.identities] == ["VIP_GOLD", "GROUP_KEY_PERSON", "CONTRACT"]
    assert tier.vip_level == "GOLD"
    assert [(g.group_id, g.group_role) for g in tier.groups] == [("4403001288", "DECISION_MAKER")]
    assert tier.account_manager == mapping.AccountManager("am-0755-0042", "李娜")


def test_the_highest_identity_is_the_effective_tier() -> None:
    assert mapping.tier_order()[:3] == ("VIP_DIAMOND", "VIP_GOLD", "VIP_SILVER")
    assert mapping.highest_tier(["CONTRACT", "GROUP_KEY_PERSON", "VIP_SILVER"]) == "VIP_SILVER"
    assert mapping.highest_tier(["PREPAID", "GROUP_MEMBER"]) == "GROUP_MEMBER"


def test_hlr_answer_lists_the_repaired_fields() -> None:
    synced = mapping.hlr_sync(etree.fromstring(example("boss/responses/SyncHLRResponse.xml")))
    assert synced.changed is True
    assert [(c.field, c.hlr_value, c.boss_value) for c in synced.changes] == [
        ("BARRING_ALL_OUTGOING", "ON", "OFF"), ("SUBSCRIBER_STATUS", "ONE_WAY_SUSPENDED", "ACTIVE")]


@pytest.mark.parametrize("correlation_id", ["cs-corr-0009", None])
def test_the_answer_names_the_callers_ids_and_stays_valid(correlation_id: str | None) -> None:
    answer = etree.fromstring(example("boss/responses/QueryCustomerTierResponse.xml"))
    envelope = command("boss/QueryCustomerTier.valid.xml", message_id="cs-q-00000077", correlation_id=correlation_id)
    document = with_ack(answer, envelope, SENT)
    assert document.findtext(f".//{{{C}}}MessageId") == "cs-q-00000077"
    assert document.findtext(f".//{{{C}}}CorrelationId") == correlation_id
    assert document.findtext(f".//{{{C}}}ReceivedAt") == "2026-11-23T01:15:00.000+00:00"
    assert registry().get("boss").lxml_schema.validate(document)
    assert answer.findtext(f".//{{{C}}}MessageId") == "hub-7f3a9c2e41d84b5a"  # the cached original is untouched


def test_an_answer_of_the_handlers_own_is_stamped_in_place() -> None:
    answer = etree.fromstring(example("boss/responses/QueryCustomerTierResponse.xml"))
    envelope = command("boss/QueryCustomerTier.valid.xml", message_id="cs-q-00000078", correlation_id=None)
    document = with_ack(answer, envelope, SENT, in_place=True)
    assert document is answer  # no copy of a large answer
    assert document.findtext(f".//{{{C}}}MessageId") == "cs-q-00000078"
    assert registry().get("boss").lxml_schema.validate(document)


@pytest.mark.parametrize("effective", ["CONTRACT", "VIP_DIAMOND"])
def test_an_overridden_tier_carries_its_own_published_answer_target(effective: str) -> None:
    answer = etree.fromstring(example("boss/responses/QueryCustomerTierResponse.xml"))  # VIP_GOLD, 95/20/30
    overridden = mapping.with_effective_tier(mapping.customer_tier(answer), effective)
    document = overridden.document
    target = answer_target(effective)
    assert (overridden.effective_tier, overridden.priority) == (effective, priority_of(effective))
    figures = [document.findtext(f"{{{BOSS}}}AnswerTarget/{{{BOSS}}}{name}")
               for name in ("ShareAnsweredPercent", "AnswerWithinSeconds", "WindowMinutes")]
    assert figures == [str(target.share_percent), str(target.within_seconds), str(target.window_minutes)]
    assert len(document.findall(f"{{{BOSS}}}AnswerTarget")) == 1
    assert registry().get("boss").lxml_schema.validate(with_ack(document, command("boss/QueryCustomerTier.valid.xml"),
                                                                SENT))
