"""Phone numbers out of the audit rows: every spelling of a mobile number masked but for its last 4 digits.

A number is found however it is written: full-width or other Unicode digits, spaces, hyphens or dots between the
digits, a ``+86`` / ``86`` / ``0086`` prefix. ``135-0110-5566``, ``+86 135 0110 5566`` and ``１３５０１１０５５６６``
all become ``*******5566`` (the separators go with the number). A number glued to a letter or another digit (inside
an id) and a dotted IPv4 address are left as they are.

The pattern is the one the logs mask with (`hub.observability.masking`): one place for both, imported here.
"""

from __future__ import annotations

from hub.observability.masking import fold, mask_msisdn_tail, mask_numbers_in

__all__ = ["fold", "mask_msisdn_tail", "mask_numbers_in"]
