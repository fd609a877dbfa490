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


async def test_an_unreadable_ticket_is_set_aside_and_the_rest_works(tmp_path) -> None:
    import json

    from schedules.deadlines import JOB_NAME as DEADLINES
    from tests.conftest import START, start_world

    world = await start_world(tmp_path / "data")
    c = world.client
    await c.send(world.manager, "/start")
    first = await file_complaint(world)
    second = await file_complaint(world, "空气净化器有异味,我要退货", user=world.other_customer)
    await world.stop()
    hot = tmp_path / "data" / "desk.json"
    data = json.loads(hot.read_text(encoding="utf-8"))
    bad = next(d for d in data["tickets"].values() if d.get("number") == first)
    bad["state"] = "lost-in-space"
    hot.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    world = await start_world(tmp_path / "data", clock=None)
    c = world.client
    world.clock.set(START.replace(hour=9))  # 17:00 in Shanghai: past both contact deadlines
    for job in world.app.job_queue.get_jobs_by_name(DEADLINES):
        await job.run(world.app)
    await c.settle()
    alerts = [t for t in c.texts(world.manager) if f"#{second}" in t and "遗漏" in t]
    assert alerts, "the other ticket's breach is still alerted"
    told = [t for t in c.texts(world.manager) if "无法读取" in t]
    assert len(told) == 1 and f"#{first}" in told[0]
    for job in world.app.job_queue.get_jobs_by_name(DEADLINES):
        await job.run(world.app)
    await c.settle()
    assert len([t for t in c.texts(world.manager) if "无法读取" in t]) == 1, "told once"
    await c.send(world.manager, "/digest")
    assert any(t.startswith("📊") for t in c.texts(world.manager))
    await c.send(world.other_customer, "/mytickets")
    assert f"#{second}" in c.texts(world.other_customer)[-1]
    assert world.client.errors == []
    await world.stop()


async def test_a_store_removed_from_the_config_keeps_its_tickets_where_they_are(
        tmp_path, caplog) -> None:
    import logging

    import bot
    from tests.conftest import CHAIN_TOML, start_world

    world = await start_world(tmp_path / "data")
    number = await file_complaint(world, store="east")
    await world.stop()
    without_east = CHAIN_TOML[:CHAIN_TOML.index('[[stores]]\nid = "east"')]
    world = await start_world(tmp_path / "data", without_east)
    c = world.client
    with caplog.at_level(logging.WARNING, logger="sundown"):
        await bot._started(world.app)
    assert f"store east is not in the config: its open tickets #{number} stay" in caplog.text
    before = len(c.chat(world.staff_group))
    await c.send(world.customer, "补充:壶底有裂缝")
    assert len(c.chat(world.staff_group)) == before, "never posted to another store's group"
    assert world.db.by_number(number).followups, "the follow-up is kept on the ticket"
    await c.send(world.manager, "/start")
    await c.send(world.manager, "/digest")
    digest = next(t for t in c.texts(world.manager) if t.startswith("📊"))
    assert f"⚠️ 门店“east”已不在配置中;其未结投诉单原地保留:#{number}" in digest
    await world.stop()
