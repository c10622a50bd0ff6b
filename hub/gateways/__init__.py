"""Outbound calls to the backend systems, shared by every adapter: one gateway per system.

* ``SoapGateway`` (zeep, WSDL read once, WS-Security UsernameToken) and ``XmlGateway`` (one reused httpx client)
  bound every call by the connect and read timeouts of ``[adapters.<system>]`` (``GatewaySettings``);
* ``failure_of`` classifies what went wrong: ``SystemUnavailable`` (transient: retried) or ``SystemRefused`` /
  ``InvalidAnswer`` (permanent: dead-lettered with the reason);
* ``CircuitBreakers`` holds one circuit per system, and one per group of its operations given a circuit of their
  own (``[adapters.<system>] circuits``; BOSS's SyncHLR: ``boss.hlr``): while open, calls fail at once
  (``CircuitOpenError``) and ``open_systems()`` names the circuit for ``/readyz``; ``/metrics`` shows each circuit
  and the call latency.

The adapters (``adapters/<system>``) build their typed clients on these gateways.
"""

from hub.gateways.breaker import Circuit, CircuitOpenError
from hub.gateways.circuit_board import CircuitBreakers, SystemCircuits
from hub.gateways.documents import (
    call_header,
    command_element,
    fields,
    forward_document,
    text_of,
    timestamp,
    with_ack,
)
from hub.gateways.failures import (
    InvalidAnswer,
    SystemRefused,
    SystemUnavailable,
    failure_of,
    fault_code,
    fault_failure,
    status_failure,
)
from hub.gateways.settings import GatewaySettings, http_timeout
from hub.gateways.soap import SoapGateway
from hub.gateways.soap_answers import AnswerFilter, check_answer
from hub.gateways.xml import XmlGateway

__all__ = [
    "AnswerFilter",
    "Circuit",
    "CircuitBreakers",
    "CircuitOpenError",
    "GatewaySettings",
    "InvalidAnswer",
    "SoapGateway",
    "SystemCircuits",
    "SystemRefused",
    "SystemUnavailable",
    "XmlGateway",
    "call_header",
    "check_answer",
    "command_element",
    "failure_of",
    "fault_code",
    "fault_failure",
    "fields",
    "forward_document",
    "http_timeout",
    "status_failure",
    "text_of",
    "timestamp",
    "with_ack",
]
