"""The namespaces and URIs of SOAP 1.1, WSDL 1.1 and WS-Security that the hub and the emulators read or write.

The command sets' common namespace is `hub.validation.namespaces.COMMON_NS` (not SOAP-specific).
"""

from __future__ import annotations

__all__ = [
    "ACTOR_NEXT",
    "DIGEST_TYPE",
    "SOAP12_NS",
    "SOAP_NS",
    "TEXT_TYPE",
    "WSDL_NS",
    "WSSE_NS",
    "WSU_NS",
    "XSD_NS",
]

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"  # SOAP 1.1 envelope
SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"  # SOAP 1.2 envelope (refused: VersionMismatch)
ACTOR_NEXT = "http://schemas.xmlsoap.org/soap/actor/next"  # SOAP 1.1 §4.2.2: the next SOAP node, i.e. us
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DIGEST_TYPE = (  # UsernameToken Profile: wsse:Password Type of a PasswordDigest
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
)
TEXT_TYPE = (  # UsernameToken Profile: wsse:Password Type of a PasswordText (also what no Type attribute means)
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"
)
