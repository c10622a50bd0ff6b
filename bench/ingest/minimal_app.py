"""The minimal pipeline: what any XML-to-RabbitMQ ingress must do, and nothing else.

``POST /xml/workorder``: read the body, hardened parse + XSD validation (the hub's own ``DocumentValidator``),
publish it with a confirm through the same publisher the hub uses (``LoopPublisher``: pika on the server's own
event loop; same topology, same routing key),
answer 202 with the message id. No authentication, authorization, routing table, envelope or Ack document:
comparing the hub with this isolates exactly that extra work. Served by uvicorn exactly as ``onepoint serve``
serves the hub (one Starlette app, uvloop + httptools when installed, no access log).

    python bench/ingest/minimal_app.py --broker-url amqp://... --prefix PREFIX --port PORT [--workers N]
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.transport import Message, TopologyConfig, open_broker, routing_key
from hub.transport.amqp.loop_publisher import LoopPublisher
from hub.validation import CommandSetRegistry, DocumentRefused, DocumentValidator

__all__ = ["create_app"]

MAX_BYTES = 1_048_576


def create_app() -> Starlette:
    """The app, configured from ``BENCH_BROKER_URL`` and ``BENCH_PREFIX`` (so that uvicorn workers can build it)."""
    url = os.environ["BENCH_BROKER_URL"]
    broker = open_broker(url, TopologyConfig(prefix=os.environ["BENCH_PREFIX"]))  # declares the topology
    validator = DocumentValidator(CommandSetRegistry.installed())
    exchange = broker.config.commands_exchange
    publisher = LoopPublisher(url, exchanges={exchange})

    async def workorder(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BYTES:
            return Response(b"too large", status_code=413)
        try:
            command = validator.validate_bytes(body, expected_set="workorder")
        except DocumentRefused as exc:
            return Response(str(exc).encode(), status_code=400)
        message = Message(
            body=body,
            routing_key=routing_key("workflow", command.command_type),
            message_id=command.message_id,
            type=command.command_type,
            content_type="application/xml",
        )
        try:
            await publisher.publish(exchange, message)
        except Exception as exc:  # any failure: not accepted
            return Response(repr(exc).encode(), status_code=503)
        return Response(b"<Ack><MessageId>" + command.message_id.encode() + b"</MessageId></Ack>",
                        status_code=202, media_type="application/xml")

    async def healthz(request: Request) -> Response:
        ready = publisher.ready
        return Response(b"ok" if ready else b"not ready", status_code=200 if ready else 503)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await publisher.start()
        yield
        await publisher.close()
        broker.close()

    return Starlette(routes=[Route("/xml/workorder", workorder, methods=["POST"]),
                             Route("/healthz", healthz, methods=["GET"])], lifespan=lifespan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--broker-url", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    os.environ["BENCH_BROKER_URL"] = args.broker_url
    os.environ["BENCH_PREFIX"] = args.prefix
    if args.workers > 1:
        uvicorn.run("minimal_app:create_app", factory=True, host="127.0.0.1", port=args.port, workers=args.workers,
                    log_config=None, access_log=False, log_level="warning")
    else:
        uvicorn.run(create_app(), host="127.0.0.1", port=args.port, log_config=None, access_log=False,
                    log_level="warning")


if __name__ == "__main__":
    main()
