"""The tokens the emulators call the hub back with, and whether the hub's callers accept them.

NSP (outage notices, complaint replies) and OA (completed to-dos) call ``POST {hub}/xml/<set>``, the mail emulator
(a handler's answer) ``POST {hub}/mail/inbound``, with a bearer token: by default the development tokens of the
built-in callers, whatever settings the hub runs on; ``--hub-token NAME=TOKEN`` replaces one. A settings file whose
``[[callers]]`` accept none of them would refuse every call-back with 401; ``refused_callbacks`` finds that before
anything starts, so ``onepoint serve`` can say it in one line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hub.config.settings import CallerConfig
from hub.security import hash_token

__all__ = ["DEVELOPMENT_CALLBACK_TOKENS", "callback_tokens", "refused_callbacks"]

#: emulator → the development token of its built-in caller (hub/config/defaults.toml)
DEVELOPMENT_CALLBACK_TOKENS: dict[str, str] = {"nsp": "nsp-dev-token", "oa": "oa-dev-token",
                                               "mail": "mail-dev-token"}  # mail: its answers, POST /mail/inbound


def callback_tokens(given: Mapping[str, str]) -> dict[str, str]:
    """The development tokens, each replaced by the one ``given`` for that emulator (``--hub-token``)."""
    return {**DEVELOPMENT_CALLBACK_TOKENS, **given}


def refused_callbacks(callers: Iterable[CallerConfig], tokens: Mapping[str, str]) -> list[str]:
    """The emulators (of ``tokens``) whose call-backs the hub would refuse: no caller of its own system (``nsp``
    → ``NSP``) holds the hash of its token."""
    accepted = {(caller.system.upper(), digest) for caller in callers for digest in caller.token_hashes}
    return sorted(name for name, token in tokens.items() if (name.upper(), hash_token(token)) not in accepted)
