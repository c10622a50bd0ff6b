"""Realistic-looking values for a Guangdong population: number ranges, area codes, names, groups, SIM ids."""

from __future__ import annotations

import random

from emulators.population.model import AccountManager

__all__ = [
    "DISTRICTS",
    "LOCAL_AREAS",
    "MSISDN_PREFIXES",
    "REMOTE_AREAS",
    "group",
    "iccid",
    "imsi",
    "manager",
    "person",
]

# China Mobile number segments (13x-19x).
MSISDN_PREFIXES: tuple[str, ...] = (
    "134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "157", "158", "159",
    "172", "178", "182", "183", "184", "187", "188", "195", "197", "198",
)
DISTRICTS: dict[str, tuple[str, ...]] = {
    "020": ("Tianhe", "Yuexiu", "Haizhu", "Baiyun", "Panyu", "Huangpu"),
    "0755": ("Futian", "Luohu", "Nanshan", "Bao'an", "Longgang", "Longhua"),
    "0757": ("Chancheng", "Nanhai", "Shunde", "Sanshui"),
    "0769": ("Dongcheng", "Nancheng", "Humen", "Chang'an", "Songshan Lake"),
    "0756": ("Xiangzhou", "Doumen", "Jinwan"),
    "0760": ("Shiqi", "Dongqu", "Xiaolan"),
    "0752": ("Huicheng", "Huiyang", "Boluo"),
    "0754": ("Jinping", "Longhu", "Chaoyang"),
    "0750": ("Pengjiang", "Jianghai", "Xinhui"),
    "0759": ("Chikan", "Xiashan", "Potou"),
}
LOCAL_AREAS: tuple[str, ...] = tuple(DISTRICTS)
# Home areas of long-distance callers and roamers from other provinces.
REMOTE_AREAS: tuple[str, ...] = ("010", "021", "022", "023", "027", "028", "029", "0571", "0731", "0871")

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁宋郑谢韩唐冯邓许曾彭"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玲"
_COMPANY_HEADS = ("华信", "粤海", "南方", "鹏城", "珠江", "恒达", "中联", "新港", "骏业", "金穗", "岭南", "远航")
_COMPANY_TRADES = ("精密制造", "物流", "电子科技", "建设工程", "商贸", "医药", "纺织", "信息技术", "食品", "汽车配件")
_CITY_NAMES = {"020": "广州市", "0755": "深圳市", "0757": "佛山市", "0769": "东莞市", "0756": "珠海市",
               "0760": "中山市", "0752": "惠州市", "0754": "汕头市", "0750": "江门市", "0759": "湛江市"}


def person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))


def group(rng: random.Random) -> tuple[str, str, str]:
    """(10-digit group id starting with Guangdong's 44, name, area code) of a group (enterprise) customer."""
    area = rng.choice(LOCAL_AREAS)
    name = f"{_CITY_NAMES[area]}{rng.choice(_COMPANY_HEADS)}{rng.choice(_COMPANY_TRADES)}有限公司"
    return f"44{rng.randrange(10**8):08d}", name, area


def imsi(rng: random.Random) -> str:
    return rng.choice(("46000", "46002", "46007")) + f"{rng.randrange(10**10):010d}"


def iccid(rng: random.Random) -> str:
    """20 characters: 8986 00 (China Mobile), 13 digits and a hex check character."""
    return "898600" + f"{rng.randrange(10**13):013d}" + rng.choice("0123456789ABCDEF")


def manager(rng: random.Random, area: str, number: int) -> AccountManager:
    manager_id = f"am-{area}-{number:04d}"
    return AccountManager(
        id=manager_id, name=person(rng), phone="139" + f"{rng.randrange(10**8):08d}",
        email=f"{manager_id}@am.example.com", area_code=area,
        department=f"{_CITY_NAMES.get(area, '')}分公司政企客户部",
    )
