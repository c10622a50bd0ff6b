"""A command set's contract for an emulator: spyne models read from the XSD, the validator, the spyne app.

Shared by the BOSS and CRM emulators. The models come from the SOAP library's :func:`hub.soap.service.spyne_models`
(spyne's XSD reader on the same files the hub validates against); the installed command sets are compiled once
per process.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

from emulators.toolkit.clock import Clock
from emulators.toolkit.soapgate import NONCE_CACHE_SIZE, VALIDATED_ENVIRON_KEY, SoapGate
from hub.soap.service import PreParsedSoap11, spyne_models
from hub.validation import CommandSet, CommandSetRegistry, DocumentValidator, ValidatedCommand

with warnings.catch_warnings():  # spyne 2.14 bundles an old six and imports cgi
    warnings.simplefilter("ignore")
    from spyne import Application, ServiceBase, rpc
    from spyne.model.fault import Fault
    from spyne.protocol.soap import Soap11
    from spyne.server.wsgi import WsgiApplication
    from spyne.util.appreg import unregister_application

__all__ = ["CHINA_TIME", "Contract", "DomainFault", "contract", "local_now"]

CHINA_TIME = timezone(timedelta(hours=8), "CST")
Handler = Callable[[ValidatedCommand, Any], Any]


def local_now(clock: Clock | None = None) -> datetime:
    """Now on ``clock`` (default: the system clock) in China Standard Time, to the millisecond (the Timestamp
    type needs an explicit offset)."""
    now = datetime.fromtimestamp(clock.now(), CHINA_TIME) if clock is not None else datetime.now(CHINA_TIME)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class _EmulatedFault(Fault):  # type: ignore[misc]
    """A fault the emulated system answers on purpose; spyne's traceback log of it is dropped."""


class _DropEmulatedFaults(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], _EmulatedFault))


logging.getLogger("spyne.application.client").addFilter(_DropEmulatedFaults())


class DomainFault(Exception):
    """A refusal by the emulated system itself (e.g. unknown subscriber): answered as a SOAP Fault."""

    def __init__(self, faultcode: str, message: str) -> None:
        super().__init__(message)
        self.faultcode = faultcode
        self.message = message


@cache
def _registry() -> CommandSetRegistry:
    return CommandSetRegistry.installed()


@dataclass(frozen=True)
class Contract:
    """One command set: its spyne models by type name, the Ack model and the hub's validator."""

    command_set: CommandSet
    models: Mapping[str, Any]
    ack_model: Any
    validator: DocumentValidator

    def ack(self, validated: ValidatedCommand, clock: Clock | None = None) -> Any:
        """``Ack``: MessageId and CorrelationId of the request, Status COMPLETED, ReceivedAt now on ``clock``."""
        return self.ack_model(MessageId=validated.message_id, CorrelationId=validated.correlation_id,
                              Status="COMPLETED", ReceivedAt=local_now(clock))

    def _operation(self, command: str, handler: Handler) -> Any:
        def method(ctx: Any, request: Any) -> Any:
            try:
                return handler(ctx.transport.req_env[VALIDATED_ENVIRON_KEY], request)
            except DomainFault as exc:
                raise _EmulatedFault(faultcode=exc.faultcode, faultstring=exc.message) from None

        method.__name__ = command
        return rpc(self.models[command], _returns=self.models[f"{command}Response"], _body_style="bare",
                   _in_message_name=command, _out_message_name=f"{command}Response", _operation_name=command)(method)

    def soap_app(self, handlers: Mapping[str, Handler], *, ws_users: Mapping[str, str] | None = None,
                 nonce_cache_size: int = NONCE_CACHE_SIZE) -> SoapGate:
        """The gate (hub checks) in front of a spyne service with one bare operation per command; with
        ``ws_users``, signed calls only, their nonces remembered in a cache of ``nonce_cache_size``."""
        missing = set(self.command_set.commands) - set(handlers)
        if missing:
            raise ValueError(f"no handler for {sorted(missing)}")
        methods = {command: self._operation(command, handlers[command]) for command in sorted(handlers)}
        name = self.command_set.name.capitalize()
        service = type(f"{name}EmulatorService", (ServiceBase,), methods)
        application = Application([service], tns=self.command_set.namespace, name=f"{name}Emulator",
                                  in_protocol=PreParsedSoap11(validator=None), out_protocol=Soap11())
        # spyne keeps every Application in a process-wide registry: each emulator instance (and its state) would
        # stay alive there, and a second instance logs "Overwriting application". Emulators never need it.
        unregister_application(application)
        return SoapGate(WsgiApplication(application), self.command_set, self.validator, ws_users=ws_users,
                        nonce_cache_size=nonce_cache_size)


@cache
def contract(name: str) -> Contract:
    """The contract of the installed command set ``name`` (``boss``, ``crm``), built once per process."""
    registry = _registry()
    command_set = registry.get(name)
    models, ack_model = spyne_models(command_set)
    return Contract(command_set, models, ack_model, DocumentValidator(registry))
