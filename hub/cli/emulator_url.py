"""The URL an ``onepoint emulator`` command drives: the emulator's base URL, or its admin API as ``serve`` prints it.

``onepoint serve`` prints each emulator's admin API (``http://127.0.0.1:8101/__admin/``) and ``onepoint emulate``
its base URL (``http://127.0.0.1:8101``); a newcomer pastes either. The admin client adds ``/__admin/<resource>``
to the base URL itself, so a final ``/__admin`` or ``/__admin/`` is taken off here (left on, the client asked for
``/__admin/__admin/state``: a 404 that named no mistake). Another path is kept as the base (an emulator behind a
proxy's prefix). What is no ``http(s)://host[:port]`` URL, or has a query or fragment, is a usage error (exit 2).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import click

__all__ = ["URL_FORMS", "emulator_url"]

ADMIN_PATH = "/__admin"
URL_FORMS = ("URL: the emulator's base URL (http://127.0.0.1:8103, as `onepoint emulate` prints it) or its admin "
             "API (http://127.0.0.1:8103/__admin/, as `onepoint serve` prints it); a final /__admin is taken off.")


def emulator_url(_ctx: click.Context | None, _param: click.Parameter | None, value: str) -> str:
    """The emulator's base URL (no final slash) from its base URL or its admin API's URL (``click`` callback)."""
    text = value.strip()
    example = "e.g. http://127.0.0.1:8103 or http://127.0.0.1:8103/__admin/"
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(f"{text!r} is not an emulator's http:// or https:// URL ({example})")
    try:
        parts.port  # noqa: B018 -- urlsplit checks the port only when it is asked for
    except ValueError:
        raise click.BadParameter(f"{text!r} has no valid port ({example})") from None
    if parts.query or parts.fragment or "#" in text:
        raise click.BadParameter(f"{text!r}: give the emulator's base URL or its admin API, without a query or "
                                 f"fragment ({example})")
    path = parts.path.rstrip("/").removesuffix(ADMIN_PATH).rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
