"""Tiny demo emulators for the toolkit's tests: an XML-over-HTTP WSGI app, an ASGI one and a spyne SOAP app."""

from __future__ import annotations

from typing import Any

from lxml import etree

from emulators.toolkit import EmulatorApp, EmulatorHooks, parse_xml
from emulators.toolkit.xmlutil import UnsafeXMLError, local_name

DEMO_NS = "urn:onepoint:demo:1"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SEED_TIERS = {"13800138000": "gold", "13900139000": "diamond"}


def ping(msisdn: str = "13800138000") -> bytes:
    return f'<Ping xmlns="{DEMO_NS}"><msisdn>{msisdn}</msisdn></Ping>'.encode()


def soap_request(operation: str = "QueryCustomerTier", msisdn: str = "13800138000") -> bytes:
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:d="{DEMO_NS}"><soapenv:Body>'
        f"<d:{operation}><d:msisdn>{msisdn}</d:msisdn></d:{operation}>"
        "</soapenv:Body></soapenv:Envelope>"
    ).encode()


class DemoStore:
    """The demo emulator's state: a ping counter and a customer table, reset to a seeded start."""

    def __init__(self) -> None:
        self.pings = 0
        self.tiers: dict[str, str] = {}
        self.reset()

    def reset(self) -> None:
        self.pings = 0
        self.tiers = dict(SEED_TIERS)

    def snapshot(self) -> dict[str, Any]:
        return {"pings": self.pings, "tiers": dict(self.tiers)}


def _xml(status: str, body: bytes, start_response: Any) -> list[bytes]:
    start_response(status, [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


def make_xml_wsgi_app(store: DemoStore) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        try:
            root = parse_xml(body)
        except UnsafeXMLError:
            return _xml("400 Bad Request", b"<Error>malformed</Error>", start_response)
        name = local_name(root)
        if name == "Ping":
            store.pings += 1
            return _xml("200 OK", f'<PingResponse xmlns="{DEMO_NS}"><count>{store.pings}</count></PingResponse>'
                        .encode(), start_response)
        if name == "Upgrade":
            msisdn = root.findtext(f"{{{DEMO_NS}}}msisdn") or ""
            store.tiers[msisdn] = "diamond"
            return _xml("200 OK", f'<UpgradeResponse xmlns="{DEMO_NS}"/>'.encode(), start_response)
        return _xml("400 Bad Request", b"<Error>unknown command</Error>", start_response)

    return app


def make_xml_emulator(**options: Any) -> EmulatorApp:
    store = DemoStore()
    hooks = EmulatorHooks(protocol="xml", reset=store.reset, state=store.snapshot)
    return EmulatorApp(make_xml_wsgi_app(store), name="demo", hooks=hooks, **options)


def make_asgi_emulator(**options: Any) -> EmulatorApp:
    store = DemoStore()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        message = await receive()
        root = etree.fromstring(message["body"])
        store.pings += 1
        body = f"<{local_name(root)}Response>{store.pings}</{local_name(root)}Response>".encode()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/xml")]})
        await send({"type": "http.response.body", "body": body})

    hooks = EmulatorHooks(protocol="xml", reset=store.reset, state=store.snapshot)
    return EmulatorApp(app, name="demo-asgi", hooks=hooks, **options)


def make_soap_emulator(**options: Any) -> EmulatorApp:
    from spyne import Application, ServiceBase, Unicode, rpc
    from spyne.error import ResourceNotFoundError
    from spyne.protocol.soap import Soap11
    from spyne.server.wsgi import WsgiApplication

    store = DemoStore()

    class TierService(ServiceBase):
        @rpc(Unicode, _returns=Unicode)
        def QueryCustomerTier(ctx: Any, msisdn: str) -> str:  # noqa: N805 - spyne passes the context first
            tier = store.tiers.get(msisdn)
            if tier is None:
                raise ResourceNotFoundError(msisdn)
            return tier

    application = Application(
        [TierService], tns=DEMO_NS, in_protocol=Soap11(validator="lxml"), out_protocol=Soap11()
    )
    hooks = EmulatorHooks(protocol="soap11", reset=store.reset, state=store.snapshot)
    return EmulatorApp(WsgiApplication(application), name="demo-soap", hooks=hooks, **options)
