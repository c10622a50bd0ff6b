"""hub.areas on Chinese wording (audit zh repro_2): "和"/"及"/"与" join districts, a province and city come first,
"一带"/"等" and a landmark come after; none of them makes a district match another one."""

from __future__ import annotations

import pytest

from hub.areas import district_covers, district_names

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("named", "district"), [
    ("禅城区和南海区", "南海区"),
    ("禅城区和南海区", "禅城区"),
    ("福田区和罗湖区", "罗湖区"),
    ("福田区及罗湖区", "福田区"),
    ("福田区与罗湖区", "罗湖区"),
    ("福田和罗湖", "罗湖"),
    ("肇庆市端州区", "端州区"),
    ("深圳市福田区", "福田区"),
    ("广东省深圳市福田区", "福田"),
    ("广东省肇庆市端州区和鼎湖区", "鼎湖区"),
    ("广西壮族自治区南宁市青秀区", "青秀区"),
    ("福田区华强北一带", "福田区"),
    ("福田区等", "福田区"),
    ("福田区、罗湖区等地", "罗湖区"),
    ("浦东新区张江附近", "浦东新区"),
    ("肇庆市四会市", "四会市"),
    ("四会市", "四会市"),
    ("四会市", "四会"),
    ("平和县", "平和县"),  # 和 inside a county's name is no conjunction
    ("太和县", "太和县"),
    ("阜阳市太和县", "太和县"),
    ("平和县和南靖县", "南靖县"),
    ("共和县和贵德县", "共和县"),
    ("南开区和和平区", "和平区"),
    ("和县与含山县", "和县"),
    ("济南市市中区", "市中区"),
    ("市中区", "市中区"),
    ("香洲区、斗门区", "斗门区"),
])
def test_chinese_wording_covers_the_districts_it_names(named: str, district: str) -> None:
    assert district_covers(named, district)


@pytest.mark.parametrize(("named", "district"), [
    ("南海区", "南山区"),  # a district never matches a different one
    ("禅城区和南海区", "南山区"),
    ("肇庆市端州区", "肇庆市"),  # the city is no district of the notice
    ("深圳市福田区", "深圳"),
    ("广东省深圳市福田区", "广东省"),
    ("福田区华强北一带", "华强北"),
    ("平和县", "平"),  # no piece of a county named with 和
    ("平和县", "县"),
    ("太和县", "太"),
    ("共和县和贵德县", "共"),
    ("福田区和罗湖区", "和"),
    ("福田区等", "等"),
    ("四会市", "肇庆市"),
])
def test_chinese_wording_does_not_cover_pieces_cities_or_other_districts(named: str, district: str) -> None:
    assert not district_covers(named, district)


def test_a_conjunction_splits_names_a_prefix_and_qualifiers_do_not_add_any() -> None:
    assert district_names("佛山市禅城区和南海区一带") == {"禅城", "南海"}
    assert district_names("广东省深圳市福田区华强北等") == {"福田"}
    assert district_names("平和县") == {"平和"}
