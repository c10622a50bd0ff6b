import pytest

from hub.envelope import Envelope
from hub.routing.codec import envelope_from_message, message_from_envelope

pytestmark = pytest.mark.unit


def test_round_trip_is_lossless():
    envelope = Envelope("cs-000000000001", "boss.QueryCustomerTier", "CS", b"<x/>", correlation_id="corr-00000001",
                        headers={"ingress": "xml", "caller": "cs-frontend"})
    message = message_from_envelope(envelope, "boss.boss.QueryCustomerTier")
    assert (message.message_id, message.type, message.routing_key) == (
        "cs-000000000001", "boss.QueryCustomerTier", "boss.boss.QueryCustomerTier")
    assert envelope_from_message(message) == envelope


def test_a_message_without_command_type_is_not_an_envelope():
    from hub.transport.message import Message

    with pytest.raises(ValueError, match="no command type"):
        envelope_from_message(Message(b"x"))
