"""Reading a request body without ever holding more than the cap in memory."""

from __future__ import annotations

from starlette.requests import Request

from hub.validation.violations import DocumentRefused, RefusalKind

__all__ = ["read_capped_body"]


async def read_capped_body(request: Request, max_bytes: int) -> bytes:
    """The whole body, or `DocumentRefused` (TOO_LARGE) as soon as it is known to exceed ``max_bytes``."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise DocumentRefused.single(
            RefusalKind.TOO_LARGE, f"the body is {declared} bytes, over the limit of {max_bytes}"
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise DocumentRefused.single(RefusalKind.TOO_LARGE, f"the body is over the limit of {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
