"""Where the ingresses parse a request body: a large one on a worker thread, so the event loop keeps answering.

Parsing a document near the size cap (libxml2, then the limits' checks of the tree) costs a sizeable fraction of a
second, and on SOAP it comes before any credential is checked (the WS-Security header is inside the envelope): on
the event loop, a few unauthenticated megabyte envelopes would hold every other caller, ``/healthz`` among them.
A body of at most ``OFFLOAD_BYTES`` is parsed in place: handing it to a thread would cost more than its parse.
Both ingresses (XML, SOAP) parse through `parse_body`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

import anyio.to_thread

__all__ = ["OFFLOAD_BYTES", "parse_body"]

OFFLOAD_BYTES = 64 * 1024  # larger bodies are parsed off the event loop
P = ParamSpec("P")
T = TypeVar("T")


async def parse_body(parse: Callable[Concatenate[bytes, P], T], body: bytes, *args: P.args,
                     **kwargs: P.kwargs) -> T:
    """``parse(body, *args, **kwargs)``: on a worker thread when ``body`` is over ``OFFLOAD_BYTES``."""
    if len(body) > OFFLOAD_BYTES:
        return await anyio.to_thread.run_sync(functools.partial(parse, body, *args, **kwargs))
    return parse(body, *args, **kwargs)
