"""Codes in BOSS's tier answer that the hub does not know: skipped, so that the rest of the answer is used.

BOSS lists a customer's identities, and a province's BOSS may list one of a tier code of its own (``CAMPUS``) or a
VIP card level newer than ``boss.xsd``. Checked whole against the XSD, such an answer was refused
(``InvalidAnswer``, dead-lettered): a VIP diamond's lookup answered ``Server.DeadLettered``, their complaint
created with no tier and ordinary priority, and the tier recheck refused the same way for 24 h. Yet the hub ranks
an unknown code last anyway (``mapping.highest_tier``): the identities it knows say all it can use.

So QueryCustomerTier's answer passes ``skip_unknown_codes`` (``BossClient`` hands it to the gateway as the call's
``answer_filter``) *before* its XSD check, which then checks what is left as strictly as any answer. It takes out
exactly two things, each logged (WARNING, the code, the number masked):

* an ``Identity`` whose ``Tier`` is a code (capitals, digits, ``_``) that ``common.xsd``'s ``CustomerTier`` does
  not list: the whole identity (it cannot be ranked; the highest known identity is answered);
* a ``VipLevel`` that is a code ``boss.xsd``'s ``VipLevel`` does not list: that element only (the identity keeps
  its ``Tier``; only a known level raises it, ``mapping.identity_tier``).

* an ``EffectiveTier`` that is a code the hub does not know, when a known identity still valid on the operator's
  day the request was received (``today``, ``mapping.live_identities``) is left: replaced by the highest of them
  (``mapping.identity_tier``), with that tier's ``Priority`` and published ``AnswerTarget`` (BOSS's were for a tier
  the hub cannot rank). With none left there is nothing to rank (a lapsed VIP card is no VIP): refused.

Nothing else is forgiven: a ``Tier``, ``VipLevel`` or ``EffectiveTier`` that is not a code (empty, lower case,
spaced), an unknown ``Brand`` or ``GroupRole``, a missing element, all still fail the XSD and the answer is refused.
The caller, the reply cache and the workflow get the answer without what was skipped, valid against ``boss.xsd``.
"""

from __future__ import annotations

import logging
import re
from datetime import date

from lxml import etree

from adapters.boss.mapping import (
    BOSS_NS,
    customer_tier,
    enumeration,
    highest_tier,
    identity_tier,
    live_identities,
    tier_order,
    with_effective_tier,
)
from hub.observability import mask_msisdn

__all__ = ["skip_unknown_codes"]

log = logging.getLogger("onepoint.adapters.boss")
_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,63}")  # what a code of BOSS's looks like: anything else is malformed


def _unknown(element: etree._Element | None, known: tuple[str, ...]) -> str | None:
    """The code ``element`` holds when it is a code not in ``known`` (None: known, absent or not a code)."""
    text: str | None = None if element is None else element.text
    if text is None or text in known or not _CODE.fullmatch(text):
        return None
    return text


def skip_unknown_codes(document: etree._Element, *, today: date | None = None) -> None:
    """``document`` (a ``QueryCustomerTierResponse``) without the identities of an unknown tier code and the
    unknown VIP levels, an unknown effective tier replaced by the highest identity valid on ``today`` (None: the
    date today); see the module. Edited in place."""
    tiers, levels = tier_order(), enumeration("boss.xsd", "VipLevel")
    msisdn = mask_msisdn((document.findtext(f"{{{BOSS_NS}}}Msisdn") or "").strip())
    for identity in document.findall(f"{{{BOSS_NS}}}Identity"):
        code = _unknown(identity.find(f"{{{BOSS_NS}}}Tier"), tiers)
        if code is not None:
            log.warning("BOSS listed an identity of a tier the hub does not know: skipped, the highest known "
                        f"identity answered (tier {code})", extra={"msisdn": msisdn, "tier": code})
            document.remove(identity)
            continue
        level = identity.find(f"{{{BOSS_NS}}}VipLevel")
        code = _unknown(level, levels)
        if level is not None and code is not None:
            log.warning(f"BOSS listed a VIP level the hub does not know: dropped, the identity kept at its tier "
                        f"(VIP level {code})", extra={"msisdn": msisdn, "vip_level": code})
            identity.remove(level)
    _replace_unknown_effective_tier(document, tiers, msisdn, today or date.today())


def _replace_unknown_effective_tier(document: etree._Element, tiers: tuple[str, ...], msisdn: str,
                                    today: date) -> None:
    """An unknown ``EffectiveTier`` code replaced by the highest known identity's tier (see the module)."""
    code = _unknown(document.find(f"{{{BOSS_NS}}}EffectiveTier"), tiers)
    if code is None:
        return
    try:
        answered = customer_tier(document)
    except ValueError:  # a Priority that is no number: the XSD check names it
        return
    live = live_identities(answered.identities, today)
    if not live:  # nothing valid to rank: refused by the XSD check, as before
        return
    highest = highest_tier([identity_tier(identity) for identity in live])
    log.warning(f"BOSS answered an effective tier the hub does not know: the highest known identity answered "
                f"(effective tier {code}, answered {highest})", extra={"msisdn": msisdn, "effective_tier": code,
                                                                       "highest": highest})
    with_effective_tier(answered, highest)
