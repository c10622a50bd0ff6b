"""The HMAC chain: each row's MAC covers the MAC before it, so no row can change, go or move unnoticed.

``mac(n) = HMAC-SHA256(key, mac(n-1) || canonical(row n))`` with ``mac(0)`` = 32 zero bytes. The anchor (the
last sequence number and MAC, kept apart from the rows) has a MAC of its own under a distinct prefix, so an
anchor can never pass for a row nor a row for an anchor.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from hub.audit.entry import NotCanonical, canonical

__all__ = ["GENESIS", "KEY_ID_LENGTH", "MAC_BYTES", "MIN_KEY_BYTES", "Anchor", "ChainKey"]

MAC_BYTES = hashlib.sha256().digest_size
GENESIS = bytes(MAC_BYTES)
MIN_KEY_BYTES = 32
_ANCHOR_PREFIX = b"onepoint-audit-anchor/1\x00"
_KEY_ID_LABEL = b"onepoint-audit-key-id/1"
KEY_ID_LENGTH = 16  # hex digits: 64 bits tell keys apart


@dataclass(frozen=True, slots=True)
class Anchor:
    """The last row's sequence number and MAC, as last committed together with that row."""

    seq: int
    mac: bytes
    anchor_mac: bytes


class ChainKey:
    """The secret of the chain. It never lives with the log: see :mod:`hub.audit.keys`."""

    __slots__ = ("_key", "key_id", "origin")

    def __init__(self, key: bytes, origin: str) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"the audit key from {origin} has {len(key)} bytes; at least {MIN_KEY_BYTES} are needed")
        self._key, self.origin = key, origin
        self.key_id = hmac.new(key, _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:KEY_ID_LENGTH]

    def __repr__(self) -> str:
        return f"ChainKey(origin={self.origin!r}, key_id={self.key_id!r})"

    def seal(self, prev_mac: bytes, seq: int, at: object, values: tuple[object, ...]) -> bytes:
        """The MAC of row ``seq`` (time ``at``, field ``values``) that follows the row whose MAC is ``prev_mac``.
        ``NotCanonical`` if the values are not a row's."""
        return hmac.new(self._key, prev_mac + canonical(seq, at, values), hashlib.sha256).digest()

    def holds(self, prev_mac: bytes, seq: int, at: object, values: tuple[object, ...], mac: bytes) -> bool:
        """Whether ``mac`` is the MAC of that row (constant-time comparison); never for values no row holds."""
        try:
            return hmac.compare_digest(self.seal(prev_mac, seq, at, values), mac)
        except NotCanonical:
            return False

    def anchor(self, seq: int, mac: bytes) -> Anchor:
        return Anchor(seq, mac, self._anchor_mac(seq, mac))

    def anchor_holds(self, anchor: Anchor) -> bool:
        return hmac.compare_digest(self._anchor_mac(anchor.seq, anchor.mac), anchor.anchor_mac)

    def _anchor_mac(self, seq: int, mac: bytes) -> bytes:
        # signed: the same bytes as unsigned for every real sequence number, and no OverflowError for a forged one
        return hmac.new(self._key, _ANCHOR_PREFIX + seq.to_bytes(8, "big", signed=True) + mac, hashlib.sha256).digest()
