"""Seeded generation of a subscriber population (one ``random.Random(seed)``, never the global RNG).

Choices where the command sets are silent (documented here, relied on by the BOSS and CRM emulators):

- the province is Guangdong (group ids start with 44); 8 % of subscribers come from another province's area code
  and hold a LONG_DISTANCE_ROAMING identity with that home area;
- brands: QQT 45 %, SZX 30 %, DGDD 20 %, OTHER 5 %. GoTone postpaid -> CONTRACT, GoTone prepaid offers -> PREPAID
  (the "prepaid brand" tier), SZX -> SHENZHOUXING, DGDD/OTHER -> OTHER_BRAND;
- 18 % of GoTone postpaid customers are VIPs (diamond 15 %, gold 35 %, silver 35 %, platinum 8 %, lifetime
  diamond 7 %); about 12 % of the other subscribers belong to a group customer, one in five of them a key person;
  VIPs are group members in 40 % of cases, and then key persons in 60 % (the "gold VIP decision maker");
- VIP and group customers have an account manager in their area (customers from another province: in 020):
  the VIP manager when a VIP identity wins, else the group's manager; about 25 customers per manager;
- times are fixed relative to 2026-11-23T08:00+08:00, so the data does not depend on the wall clock.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from emulators.population import names
from emulators.population.model import (
    DRIFT_KINDS,
    AccountManager,
    HlrRecord,
    Identity,
    Population,
    Service,
    Subscriber,
)
from hub.customer_tiers import effective_tier, is_account_managed, tier_rank, vip_tier

__all__ = ["EPOCH", "generate_population"]

EPOCH = datetime(2026, 11, 23, 8, 0, tzinfo=timezone(timedelta(hours=8)))
_VIP_LEVELS = (("DIAMOND", 15), ("GOLD", 35), ("SILVER", 35), ("PLATINUM", 8), ("LIFETIME_DIAMOND", 7))
_STATUSES = (("ACTIVE", 90), ("ONE_WAY_SUSPENDED", 5), ("SUSPENDED", 3), ("REPORTED_LOST", 1), ("PRE_CANCELLED", 1))
_STATUS_REASONS = {
    "ONE_WAY_SUSPENDED": "Balance exhausted, outgoing calls barred",
    "SUSPENDED": "Arrears over 60 days",
    "REPORTED_LOST": "SIM reported lost by the customer",
    "PRE_CANCELLED": "Cancellation requested, number reserved",
}
_CUSTOMERS_PER_MANAGER = 25
_CENT = Decimal("0.01")


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def _msisdns(rng: random.Random, count: int) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        number = rng.choice(names.MSISDN_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if number not in seen:
            seen.add(number)
            out.append(number)
    return out


def _services(rng: random.Random, brand: str, status: str, vip: bool, changed: datetime | None) -> tuple[Service, ...]:
    barred_out = status in {"ONE_WAY_SUSPENDED", "SUSPENDED", "REPORTED_LOST", "PRE_CANCELLED"}
    barred_in = status in {"SUSPENDED", "REPORTED_LOST", "PRE_CANCELLED"}
    gotone = brand == "QQT"
    return (
        Service("NATIONAL_ROAMING", gotone or rng.random() < 0.85),
        Service("INTERNATIONAL_ROAMING", vip or (gotone and rng.random() < 0.3)),
        Service("INTERNATIONAL_DIALLING", gotone and rng.random() < 0.5),
        Service("BARRING_ALL_OUTGOING", barred_out, changed if barred_out else None),
        Service("BARRING_ALL_INCOMING", barred_in, changed if barred_in else None),
        Service("CALL_WAITING", rng.random() < 0.7),
        Service("CALL_FORWARDING", rng.random() < 0.2),
        Service("CALLER_ID_DISPLAY", rng.random() < 0.9),
        Service("ALTERNATE_LINE", False),
        Service("SMS", True),
        Service("DATA", rng.random() < 0.95),
        Service("VOLTE", rng.random() < 0.6),
    )


def _identities(rng: random.Random, brand: str, postpaid: bool, area: str, groups: list[tuple[str, str, str]]
                ) -> list[Identity]:
    identities: list[Identity] = []
    if brand == "QQT" and postpaid and rng.random() < 0.18:
        level = _weighted(rng, _VIP_LEVELS)
        identities.append(Identity(vip_tier(level), vip_level=level, valid_until=date(2027 + rng.randrange(2), 12, 31)))
    vip = bool(identities)  # VIPs are often the decision makers of a group customer
    if rng.random() < (0.4 if vip else 0.12):
        group_id, group_name, _ = rng.choice(groups)
        role = rng.choice(("DECISION_MAKER", "CONTACT")) if rng.random() < (0.6 if vip else 0.2) else "MEMBER"
        tier = "GROUP_MEMBER" if role == "MEMBER" else "GROUP_KEY_PERSON"
        identities.append(Identity(tier, group_id=group_id, group_name=group_name, group_role=role))
    if area in names.REMOTE_AREAS:
        identities.append(Identity("LONG_DISTANCE_ROAMING", home_area=area))
    base = {"QQT": "CONTRACT" if postpaid else "PREPAID", "SZX": "SHENZHOUXING"}.get(brand, "OTHER_BRAND")
    identities.append(Identity(base))
    return sorted(identities, key=lambda i: tier_rank(i.tier))


def _drift(rng: random.Random, sub: Subscriber) -> Subscriber:
    kinds = DRIFT_KINDS if sub.status == "ACTIVE" else tuple(k for k in DRIFT_KINDS if k != "WRONG_BARRING")
    kind = rng.choice(kinds)
    services = dict(sub.hlr.services)
    status, imsi, boss = sub.status, sub.imsi, sub
    if kind == "MISSING_ROAMING":
        boss = _set_service(boss, "NATIONAL_ROAMING", True)
        services["NATIONAL_ROAMING"] = False
    elif kind == "WRONG_BARRING":
        boss = _set_service(boss, "BARRING_ALL_OUTGOING", False)
        services["BARRING_ALL_OUTGOING"] = True
    elif kind == "STALE_STATUS":
        changed = EPOCH - timedelta(minutes=rng.randrange(20, 240))
        boss = _replace(boss, status="ACTIVE", status_reason="Reconnected after payment of arrears",
                        status_changed_at=changed)
        for code in ("BARRING_ALL_OUTGOING", "BARRING_ALL_INCOMING"):
            boss = _set_service(boss, code, False, changed)
        status, services["BARRING_ALL_OUTGOING"], services["BARRING_ALL_INCOMING"] = "ONE_WAY_SUSPENDED", True, False
    elif kind == "LINE2_SETTING":
        services["ALTERNATE_LINE"] = True
    else:  # STALE_IMSI: the SIM was changed in BOSS, the HLR still has the old card's IMSI
        imsi = names.imsi(rng)
    hlr = HlrRecord(status, imsi, tuple((code, services[code]) for code, _ in sub.hlr.services))
    return _replace(boss, hlr=hlr, drift=(kind,))


def _replace(sub: Subscriber, **changes: object) -> Subscriber:
    from dataclasses import replace

    return replace(sub, **changes)  # type: ignore[arg-type]


def _set_service(sub: Subscriber, code: str, enabled: bool, since: datetime | None = None) -> Subscriber:
    services = tuple(Service(s.code, enabled, since) if s.code == code else s for s in sub.services)
    hlr = HlrRecord(sub.hlr.status, sub.hlr.imsi, tuple((s.code, s.enabled) for s in services))
    return _replace(sub, services=services, hlr=hlr)


def _subscriber(rng: random.Random, msisdn: str, groups: list[tuple[str, str, str]]) -> Subscriber:
    brand = _weighted(rng, (("QQT", 45), ("SZX", 30), ("DGDD", 20), ("OTHER", 5)))
    postpaid = brand == "QQT" and rng.random() < 0.8
    area = rng.choice(names.REMOTE_AREAS) if rng.random() < 0.08 else rng.choice(names.LOCAL_AREAS)
    identities = _identities(rng, brand, postpaid, area, groups)
    status = _weighted(rng, _STATUSES)
    changed = EPOCH - timedelta(days=rng.randrange(1, 400), minutes=rng.randrange(1440)) if status != "ACTIVE" else None
    vip = identities[0].vip_level is not None
    services = _services(rng, brand, status, vip, changed)
    imsi = names.imsi(rng)
    return Subscriber(
        msisdn=msisdn, brand=brand, payment_type="POSTPAID" if postpaid else "PREPAID", status=status,
        area_code=area, district=rng.choice(names.DISTRICTS.get(area, ("City centre",))),
        identities=tuple(identities), effective_tier=effective_tier(identities), account_manager_id=None,
        customer_name=names.person(rng), imsi=imsi, iccid=names.iccid(rng),
        balance=(Decimal(rng.randrange(-20000, 200000)) / 100).quantize(_CENT),
        opened_at=EPOCH - timedelta(days=rng.randrange(30, 7000), seconds=rng.randrange(86400)),
        status_changed_at=changed, status_reason=_STATUS_REASONS.get(status), services=services,
        hlr=HlrRecord(status, imsi, tuple((s.code, s.enabled) for s in services)),
    )


def _assign_managers(rng: random.Random, subs: list[Subscriber]) -> tuple[list[Subscriber], list[AccountManager]]:
    managed = [i for i, s in enumerate(subs) if is_account_managed(s.effective_tier)]
    by_area: dict[str, list[int]] = {}
    for i in managed:
        area = subs[i].area_code
        by_area.setdefault(area if area in names.LOCAL_AREAS else names.LOCAL_AREAS[0], []).append(i)
    managers: list[AccountManager] = []
    group_manager: dict[str, str] = {}
    for area in sorted(by_area):
        pool = [names.manager(rng, area, len(managers) + k + 1)
                for k in range(max(1, -(-len(by_area[area]) // _CUSTOMERS_PER_MANAGER)))]
        managers.extend(pool)
        for i in by_area[area]:
            top = subs[i].identities[0]
            if top.group_id is not None and top.vip_level is None:
                chosen = group_manager.setdefault(top.group_id, rng.choice(pool).id)
            else:
                chosen = rng.choice(pool).id
            subs[i] = _replace(subs[i], account_manager_id=chosen)
    return subs, managers


def generate_population(seed: int = 0, subscribers: int = 1000, *, hlr_drift_share: float = 0.1) -> Population:
    """A deterministic population: ``round(hlr_drift_share * subscribers)`` HLR records disagree with BOSS."""
    if subscribers < 0 or not 0.0 <= hlr_drift_share <= 1.0:
        raise ValueError("subscribers must be >= 0 and hlr_drift_share within [0, 1]")
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    groups = [names.group(rng) for _ in range(max(1, subscribers // 40))]
    subs = [_subscriber(rng, msisdn, groups) for msisdn in _msisdns(rng, subscribers)]
    subs, managers = _assign_managers(rng, subs)
    for i in sorted(rng.sample(range(len(subs)), round(hlr_drift_share * len(subs)))):
        subs[i] = _drift(rng, subs[i])
    return Population(seed=seed, subscribers=tuple(subs), account_managers=tuple(managers))
