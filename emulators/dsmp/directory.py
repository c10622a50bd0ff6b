"""The SP directory of the DSMP emulator and the per-SP complaint figures, both derived from the seed.

Choices where the command set (dsmp.xsd) is silent:

- 12 SPs by default; SP enterprise codes are 6 digits starting 8 or 9; every SP has a base access code
  ``1065<7|8>xxxx`` and one to three services whose service codes extend it by one digit (``106571234`` +
  ``1``); each SP speaks CMPP2 or CMPP3 to the gateway;
- service subscribers between 2,000 and 400,000; monthly complaint rates per 10,000 subscribers are mostly
  0.5-5, while one SP in six is a "problem SP" at 15-60 (what SP assessment exists to find);
- SP complaint categories (level 1 ``04`` = value-added services, a local choice): 04.01.01 subscribed without
  consent, 04.01.02 cannot unsubscribe, 04.02.01 fee dispute, 04.03.01 unsolicited SP messages, 04.04.01
  content quality. Problem SPs mostly get "subscribed without consent";
- complaints per service and day are Poisson draws seeded by (seed, service code, date), so any period's figures
  are the same for the same seed whatever was asked before.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date

__all__ = ["SP_CATEGORIES", "ServiceEntry", "SpEntry", "daily_complaints", "generate_directory", "poisson"]

SP_CATEGORIES = ("04.01.01", "04.01.02", "04.02.01", "04.03.01", "04.04.01")
_FIRST = ("Huaxin", "Lanjing", "Tianyu", "Jiahe", "Xunlong", "Mingde", "Kuaile", "Yunfan", "Haoxiang",
          "Zhongtian", "Boyuan", "Xinghe", "Jinqiao", "Longteng", "Ruitong", "Hengda")
_SECOND = ("Mobile Media", "Interactive", "Info Tech", "Digital Entertainment", "Communications", "Net Services")
_SERVICES = (("Weather Daily", 3), ("Mobile Newspaper", 5), ("Joke Club", 2), ("Ringtone Club", 5),
             ("Stock Tips", 10), ("Horoscope", 2), ("Game Points", 8), ("English Word a Day", 3),
             ("Health Tips", 3), ("Lottery Results", 2), ("Traffic Alerts", 4), ("Football News", 5))


@dataclass(frozen=True, slots=True)
class ServiceEntry:
    code: str
    name: str
    monthly_fee: int  # yuan
    subscribers: int
    rate_per_10k_month: float
    categories: tuple[float, ...]  # weights over SP_CATEGORIES

    @property
    def top_category(self) -> str:
        return SP_CATEGORIES[max(range(len(self.categories)), key=self.categories.__getitem__)]


@dataclass(frozen=True, slots=True)
class SpEntry:
    code: str
    name: str
    access_code: str
    protocol: str
    services: tuple[ServiceEntry, ...]

    def to_json(self) -> dict[str, object]:
        return {"sp_code": self.code, "name": self.name, "access_code": self.access_code, "protocol": self.protocol,
                "services": [{"service_code": s.code, "name": s.name, "monthly_fee": s.monthly_fee,
                              "subscribers": s.subscribers, "top_category": s.top_category} for s in self.services]}


def generate_directory(seed: int | str, count: int = 12) -> tuple[SpEntry, ...]:
    rng = random.Random(f"{seed}:dsmp-directory")  # noqa: S311 - test data
    names = rng.sample([f"{a} {b}" for a in _FIRST for b in _SECOND], count)
    codes: set[str] = set()
    access: set[str] = set()
    entries: list[SpEntry] = []
    for name in names:
        code = f"{rng.choice('89')}{rng.randrange(10**5):05d}"
        base = f"1065{rng.choice('78')}{rng.randrange(10**4):04d}"
        if code in codes or base in access:
            continue
        codes.add(code)
        access.add(base)
        problem = rng.random() < 1 / 6
        services = []
        for number, (service, fee) in enumerate(rng.sample(_SERVICES, rng.randint(1, 3)), 1):
            rate = rng.uniform(15, 60) if problem else rng.lognormvariate(math.log(1.5), 0.7)
            weights = [rng.random() for _ in SP_CATEGORIES]
            if problem:
                weights[0] += 2.0
            services.append(ServiceEntry(f"{base}{number}", service, fee, rng.randint(2_000, 400_000),
                                         round(min(rate, 80.0), 3), tuple(weights)))
        entries.append(SpEntry(code, f"{name} Co., Ltd.", base, rng.choice(("CMPP2", "CMPP2", "CMPP3")),
                               tuple(services)))
    return tuple(entries)


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 50:  # normal approximation keeps large services cheap
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def daily_complaints(seed: int | str, service: ServiceEntry, day: date) -> int:
    """Complaints against one service on one day (deterministic)."""
    rng = random.Random(f"{seed}:{service.code}:{day.isoformat()}")  # noqa: S311 - test data
    return poisson(rng, service.subscribers * service.rate_per_10k_month / 10_000 / 30)
