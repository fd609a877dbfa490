"""Names in greetings: the customer's own Chinese name, or 张先生/女士 from a shared contact;
never a Latin transliteration in a Chinese greeting."""

from __future__ import annotations

import pytest

from desk.models import Customer
from desk.names import contact_name, salutation, surname
from tests.conftest import World


@pytest.mark.parametrize(("name", "contact", "language", "expected"), [
    ("张女士", None, "zh_CN", "张女士"),
    ("小鱼儿", None, "zh_CN", "小鱼儿"),
    ("Wei Zhang", None, "zh_CN", None),
    ("Wei Zhang", "Wei Zhang", "zh_TW", None),
    ("Wei Zhang", "张伟", "zh_CN", "张先生/女士"),
    ("Lily", "欧阳娜娜", "zh_CN", "欧阳先生/女士"),
    ("", "張偉", "zh_TW", "張先生/女士"),
    ("张Wei", None, "zh_CN", None),
    ("Wei Zhang", None, "en", "Wei Zhang"),
    ("张女士", None, "en", "张女士"),
    ("", "Anna Zhang", "en", "Anna Zhang"),
    ("Tom", "张女士", "zh_CN", "张女士"),
    ("", None, "en", None),
])
def test_salutation(name: str, contact: str | None, language: str, expected: str | None) -> None:
    customer = Customer(user_id=1, name=name, contact_name=contact)
    assert salutation(customer, language) == expected


@pytest.mark.parametrize(("first", "last", "expected"), [
    ("伟", "张", "张伟"), ("张", "女士", "张女士"), ("张伟", "", "张伟"), ("Anna", "Zhang", "Anna Zhang"),
])
def test_contact_name_in_chinese_order(first: str, last: str, expected: str) -> None:
    assert contact_name(first, last) == expected


@pytest.mark.parametrize(("name", "family"), [
    ("张伟", "张"), ("欧阳娜娜", "欧阳"), ("司马光", "司马"), ("李", None),
    ("一二三四五", None), ("Zhang Wei", None), ("王 小明", "王"),
])
def test_surname(name: str, family: str | None) -> None:
    assert surname(name) == family


async def test_shared_contact_gives_the_greeting_its_name(world: World) -> None:
    user = world.other_customer  # "Tom", writing in Chinese: the greeting goes in Chinese
    world.db.save_customer(Customer(user_id=user.id, name="Tom", language="zh_CN",
                                    tier="regular"))
    await world.client.send(user, "/start s_hq")
    assert world.client.last(user).text.startswith("欢迎回来!您好!"), "no Latin name"
    await world.client.share_contact(user, "+8613800138000", name=("伟", "张"))
    assert world.db.customer(user.id).contact_name == "张伟"
    await world.client.send(user, "/start s_hq")
    assert world.client.last(user).text.startswith("张先生/女士,欢迎回来!")
