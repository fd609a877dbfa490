"""Hostile input: what a user types or is called never breaks the desk or its HTML."""

from __future__ import annotations

from tests.conftest import World, file_complaint


async def test_a_text_of_zero_width_characters_is_no_complaint(world: World) -> None:
    c = world.client
    await c.send(world.customer, "/start s_hq")
    await c.send(world.customer, "\u200b\u200c\u200d\u2060\ufeff")
    assert c.texts(world.customer)[-1] == "请用文字告诉我发生了什么。"
    assert world.db.hot_tickets() == []


async def test_a_right_to_left_override_in_a_name_cannot_reorder_the_card(world: World) -> None:
    from sandbox.fake_telegram import FakeUser

    user = FakeUser(1003, "\u202eAnna", "Lee\u202c")
    number = await file_complaint(world, user=user)
    card = world.client.card(world.staff_group, number)
    assert "\u202e" not in card.text and "\u202c" not in card.text
    assert world.db.by_number(number).customer_name == "Anna Lee"


async def test_a_managers_start_and_help_are_their_own(world: World) -> None:
    c = world.client
    await c.send(world.manager, "/start")
    start = c.texts(world.manager)[-1]
    assert start.startswith("赵经理,您好!您负责旗舰店。") and "/digest" in start
    assert "哪家门店" not in start
    await c.send(world.manager, "/help")
    assert c.texts(world.manager)[-1] == start
    await c.send(world.manager, "/start s_hq")  # a deep link: the manager files as a customer
    assert "旗舰店" in c.texts(world.manager)[-1] and "/digest" not in c.texts(world.manager)[-1]


async def test_a_technicians_start_and_the_groups_help_are_their_own(world: World) -> None:
    c = world.client
    await c.send(world.li, "/start")
    assert c.texts(world.li)[-1].startswith("李工,您好!您是旗舰店的技术人员。")
    await c.send(world.li, "/help", group=world.staff_group)
    assert c.last(world.staff_group).text.startswith("本群的用法:旗舰店的每张投诉单")
