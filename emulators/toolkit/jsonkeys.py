"""The keys an emulator's own JSON route takes: any other is refused, never ignored.

A key a route does not know is almost always a slip (``"Resolved"`` for ``"resolved"``, ``"expected_end_inn"``):
ignoring it would do the opposite of what the tester asked without a word (NSP would reply resolved, OA would
complete without the outcome). The routes (NSP's outages and ticket replies, OA's completions and reads) answer 400
with :func:`unknown_keys_problem`'s text, which names each unknown key, the one it differs from only by case, and
the keys the route takes.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

__all__ = ["unknown_keys_problem"]


def unknown_keys_problem(data: Mapping[str, Any], known: Collection[str], *, where: str = "the body") -> str | None:
    """What is wrong with ``data``'s keys (``unknown key 'Resolved' in the body (keys are lower case: 'resolved');
    it takes: ...``), or None when every key is one of ``known``."""
    unknown = [key for key in data if key not in known]
    if not unknown:
        return None
    by_case = {name.lower(): name for name in known}
    named = []
    for key in unknown:
        twin = by_case.get(str(key).lower())
        named.append(f"'{key}' (keys are lower case: '{twin}')" if twin else f"'{key}'")
    noun = "key" if len(named) == 1 else "keys"
    return f"unknown {noun} {', '.join(named)} in {where}; it takes: {', '.join(sorted(known)) or 'no keys'}"
