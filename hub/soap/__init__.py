"""SOAP 1.1 for the hub's ingress and the SOAP emulators: one library, laid out like the protocol.

- `hub.soap.namespaces`: the SOAP, WSDL and WS-Security namespaces;
- `hub.soap.envelope`: unwrapping an incoming envelope (SOAP 1.1 §4); `hub.soap.header`: header blocks (§4.2);
- `hub.soap.fault`: `SoapFault`, a refusal and its Fault envelope;
- `hub.soap.wsse`: WS-Security UsernameToken (PasswordDigest) verification;
- `hub.soap.service`: spyne services from the command-set XSDs; `hub.soap.wsdl`: the contract WSDL;
- `hub.soap.wsgi`: calling a spyne WSGI application in-process.

It depends on lxml, spyne and `hub.validation` only (never on the ingress, config, routing or transport).
"""

from hub.soap.envelope import SoapMessage, unwrap_soap_envelope
from hub.soap.fault import SoapFault, refusal_fault
from hub.soap.header import UNDERSTOOD, check_header

__all__ = ["UNDERSTOOD", "SoapFault", "SoapMessage", "check_header", "refusal_fault", "unwrap_soap_envelope"]
