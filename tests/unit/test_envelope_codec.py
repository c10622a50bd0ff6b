from datetime import UTC, datetime, timedelta, timezone

import pika
import pika.spec
import pytest

from hub.envelope import Envelope, now_in_whole_seconds
from hub.routing.codec import envelope_from_message, message_from_envelope
from hub.transport.amqp.properties import from_pika, to_properties
from hub.transport.message import Message

pytestmark = pytest.mark.unit


def test_round_trip_is_lossless():
    envelope = Envelope("cs-000000000001", "boss.QueryCustomerTier", "CS", b"<x/>", correlation_id="corr-00000001",
                        headers={"ingress": "xml", "caller": "cs-frontend"})
    message = message_from_envelope(envelope, "boss.boss.QueryCustomerTier")
    assert (message.message_id, message.type, message.routing_key) == (
        "cs-000000000001", "boss.QueryCustomerTier", "boss.boss.QueryCustomerTier")
    assert envelope_from_message(message) == envelope


def test_a_message_without_command_type_is_not_an_envelope():
    with pytest.raises(ValueError, match="no command type"):
        envelope_from_message(Message(b"x"))


def _ingress_envelope(**overrides: object) -> Envelope:
    fields: dict[str, object] = {
        "message_id": "cs-000000000002", "command_type": "workorder.CreateWorkOrder", "source_system": "CS",
        "payload": b"<x/>", "received_at": datetime(2026, 11, 23, 8, 30, 5, tzinfo=UTC),
        "headers": {"ingress": "xml", "caller": "cs-frontend"},
    }
    fields.update(overrides)
    return Envelope(**fields)  # type: ignore[arg-type]


def test_source_system_and_receipt_time_travel_in_amqp_properties():
    message = message_from_envelope(_ingress_envelope(), "workflow.workorder.CreateWorkOrder")
    assert message.app_id == "CS"
    assert message.timestamp == int(datetime(2026, 11, 23, 8, 30, 5, tzinfo=UTC).timestamp())
    # the headers table holds only the envelope's own metadata
    assert dict(message.headers) == {"onepoint-h-ingress": "xml", "onepoint-h-caller": "cs-frontend"}
    assert envelope_from_message(message) == _ingress_envelope()


def test_an_envelope_without_metadata_needs_no_headers_table():
    message = message_from_envelope(_ingress_envelope(headers={}), "workflow.workorder.CreateWorkOrder")
    assert dict(message.headers) == {}
    assert to_properties(message).headers is None


@pytest.mark.parametrize("received_at", [
    datetime(2026, 11, 23, 8, 30, 5, 123456, tzinfo=UTC),  # finer than the property's seconds
    datetime(2026, 11, 23, 16, 30, 5, tzinfo=timezone(timedelta(hours=8))),  # another zone
    datetime(2026, 11, 23, 8, 30, 5),  # naive
])
def test_a_receipt_time_the_timestamp_cannot_hold_travels_whole(received_at: datetime):
    envelope = _ingress_envelope(received_at=received_at)
    message = message_from_envelope(envelope, "k")
    assert message.headers["onepoint-received-at"] == received_at.isoformat()
    decoded = envelope_from_message(message)
    assert decoded == envelope
    assert decoded.received_at.tzinfo == received_at.tzinfo


def test_the_round_trip_survives_pika_properties():
    message = message_from_envelope(_ingress_envelope(), "workflow.workorder.CreateWorkOrder")
    props = to_properties(message)
    wire = pika.BasicProperties()
    wire.decode(b"".join(props.encode()))  # what the consumer gets back from the broker
    method = pika.spec.Basic.Deliver(routing_key=message.routing_key, exchange="onepoint.commands")
    assert envelope_from_message(from_pika(method, wire, message.body)) == _ingress_envelope()


def test_messages_from_earlier_versions_still_decode():
    """Before the AMQP properties were used, the source system and receipt time travelled in headers."""
    legacy = Message(b"<x/>", message_id="cs-000000000003", type="workorder.CreateWorkOrder", headers={
        "onepoint-source-system": b"CS", "onepoint-received-at": b"2026-11-23T08:30:05+00:00",
        "onepoint-h-caller": "cs-frontend",
    })
    envelope = envelope_from_message(legacy)
    assert (envelope.source_system, envelope.received_at, envelope.headers) == (
        "CS", datetime(2026, 11, 23, 8, 30, 5, tzinfo=UTC), {"caller": "cs-frontend"})


def test_a_message_without_receipt_time_is_refused():
    with pytest.raises(ValueError, match="no receipt time"):
        envelope_from_message(Message(b"x", message_id="m-1", type="workorder.CreateWorkOrder"))


def test_now_in_whole_seconds_is_the_current_utc_second() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    now = now_in_whole_seconds()
    after = datetime.now(UTC)
    assert now.tzinfo is UTC and now.microsecond == 0
    assert before <= now <= after
    assert now_in_whole_seconds() in (now, now + timedelta(seconds=1), now + timedelta(seconds=2))


def test_routing_facts_serve_the_routing_decision_and_stay_off_the_wire():
    envelope = _ingress_envelope(facts={"tier": ("VIP_GOLD",), "area": ("0755",)})
    message = message_from_envelope(envelope, "crm.crm.NotifyAccountManager")
    assert not any("VIP_GOLD" in str(value) for value in message.headers.values())
    assert envelope_from_message(message).facts == {}
