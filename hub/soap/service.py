"""spyne services built from the command-set XSDs (contract first).

spyne's own XSD reader (`spyne.util.xml.parse_schema_file`) turns each command set's XSD into spyne models
(`spyne_models`, which the SOAP emulators build their services from too). `build_soap_application` is the hub's
service: one document/literal *bare* operation per command, taking the command element and returning
``<Command>Response``. The hub has authenticated, validated and routed the command before spyne sees it
(`hub.ingress.soap.endpoint`); the operation only turns the routing outcome, passed in the WSGI environ under
`ACK_ENVIRON_KEY`, into the response document.

Both read the request through `PreParsedSoap11`: spyne gets the envelope the gate already parsed (or, for the hub,
just the operation element), so a request is parsed once, in the encoding its bytes declare, never again by
spyne in the charset of the HTTP header.
"""

from __future__ import annotations

import warnings
from typing import Any

from lxml import etree

from hub.soap.namespaces import SOAP_NS
from hub.validation.command_sets import CommandSet
from hub.validation.namespaces import COMMON_NS

with warnings.catch_warnings():  # spyne 2.14 bundles an old six and imports cgi
    warnings.simplefilter("ignore")
    import spyne.const
    from spyne import Application, ServiceBase, rpc
    from spyne.protocol.soap import Soap11
    from spyne.server.wsgi import WsgiApplication
    from spyne.util.xml import parse_schema_file

__all__ = [
    "ACK_ENVIRON_KEY",
    "PARSED_ENVIRON_KEY",
    "PreParsedSoap11",
    "build_soap_application",
    "operation_envelope",
    "spyne_models",
]

# spyne runs a full gc.collect() after a request, at most once a second, to close request files promptly. Our
# services hold no files, and in a process with a large heap (the seeded population, compiled schemas) a full
# collection stalls every thread: 63 % of the BOSS emulator's CPU under bench/flows.py. Python's own collector
# is enough.
spyne.const.MIN_GC_INTERVAL = float("inf")

ACK_ENVIRON_KEY = "onepoint.ack"  # the hub's routing outcome (Ack fields) for its operation to answer with
PARSED_ENVIRON_KEY = "onepoint.envelope"  # the checked soap:Envelope element, for spyne not to parse the body


class PreParsedSoap11(Soap11):  # type: ignore[misc]
    """Soap11 reading the envelope under `PARSED_ENVIRON_KEY` of the WSGI environ instead of parsing the body."""

    def create_in_document(self, ctx: Any, charset: str | None = None) -> None:
        root = ctx.transport.req_env.get(PARSED_ENVIRON_KEY)
        if root is None:
            super().create_in_document(ctx, charset)
        else:
            ctx.in_document = (root, {})


def operation_envelope(namespace: str, command: str) -> etree._Element:
    """``soap:Envelope/soap:Body/<command/>``: all the hub's operation needs to know of a checked request."""
    envelope = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soap": SOAP_NS})
    etree.SubElement(etree.SubElement(envelope, f"{{{SOAP_NS}}}Body"), f"{{{namespace}}}{command}")
    return envelope


def spyne_models(command_set: CommandSet) -> tuple[dict[str, Any], Any]:
    """The set's spyne models by type name (read from its XSD with spyne's reader), and the common Ack model.

    Public so that the emulators build their spyne services from the same contract as the hub."""
    common = command_set.path.with_name("common.xsd")
    with warnings.catch_warnings():  # spyne's reader leaves the XSD files it reads to the garbage collector
        warnings.simplefilter("ignore", ResourceWarning)
        parsed = parse_schema_file(str(command_set.path), files={COMMON_NS: str(common)})
    return dict(parsed[command_set.namespace].types), parsed[COMMON_NS].types["Ack"]


def _operation(command: str, request_model: Any, response_model: Any, ack_model: Any) -> Any:
    def handler(ctx: Any, request: Any) -> Any:
        ack = ctx.transport.req_env[ACK_ENVIRON_KEY]
        return response_model(Ack=ack_model(**ack))

    handler.__name__ = command
    return rpc(
        request_model,
        _returns=response_model,
        _body_style="bare",
        _in_message_name=command,
        _out_message_name=f"{command}Response",
        _operation_name=command,
    )(handler)


def build_soap_application(command_set: CommandSet) -> WsgiApplication:
    """A spyne WSGI application with one operation per command of ``command_set``, answering with the Ack under
    `ACK_ENVIRON_KEY`; the request is read from `PARSED_ENVIRON_KEY` (see `operation_envelope`)."""
    models, ack_model = spyne_models(command_set)
    methods = {
        command: _operation(command, models[command], models[f"{command}Response"], ack_model)
        for command in sorted(command_set.commands)
    }
    service = type(f"{command_set.name.capitalize()}Service", (ServiceBase,), methods)
    application = Application(
        [service],
        tns=command_set.namespace,
        name=f"OnePoint{command_set.name.capitalize()}",
        in_protocol=PreParsedSoap11(validator=None),
        out_protocol=Soap11(),
    )
    return WsgiApplication(application)

