"""The staff group and the managers: offering, claiming, contact, service done, escalation."""

from __future__ import annotations

import asyncio

from desk.models import Outcome, State
from sandbox.fake_telegram import FakeUser
from tests.conftest import World, file_complaint


async def test_offered_technician_accepts_and_the_customer_is_told(world: World) -> None:
    await file_complaint(world)
    card = world.client.last(world.staff_group)
    assert await world.client.click(world.li, card, "接单") is None
    assert world.db.by_number(1).state is State.CLAIMED
    assert card.text.endswith("状态:已接单\n负责人:李工\n联系期限:今天 11月23日 16:45")
    assert card.labels == ["📞 已联系客户", "📵 未接通", "🆘 无法解决,上报经理", "⭐ 常客", "💎 VIP", "🛍 到店", "📝 备注", "💬 标准答复"]
    assert world.client.last(world.customer).text == "技术人员李工已负责处理您的投诉单 #1,会在今天 16:45 前与您联系。"
    assert len(world.client.inbox(world.staff_group)) == 1, "one card, edited in place"


async def test_whole_service_with_report(world: World) -> None:
    c = world.client
    await file_complaint(world)
    card = c.last(world.staff_group)
    await c.click(world.li, card, "接单")
    world.clock.advance(minutes=30)
    await c.click(world.li, card, "已联系客户")
    assert c.last(world.customer).text == (
        "技术人员已就投诉单 #1 与您取得联系。如有补充,直接在这里发给我即可。")
    await c.click(world.li, card, "服务完成")
    assert card.labels == ["已圆满解决", "部分解决", "短期内无法解决", "↩️ 返回"]
    await c.click(world.li, card, "已圆满解决")
    prompt = c.last(world.staff_group)
    assert prompt.text == "李工,请回复本消息,用一句话写下投诉单 #1 的服务报告。"
    assert card.labels == [], "no buttons while the report is awaited"
    await c.send(world.li, "已上门更换密封圈,测试不再漏水", group=world.staff_group, reply_to=prompt)

    done = world.db.by_number(1)
    assert done.state is State.DONE and done.outcome is Outcome.SOLVED
    assert done.report == "已上门更换密封圈,测试不再漏水"
    assert done.callback_at == "2026-11-24T10:00:00+08:00", "next opening day, 10:00"
    assert [(e.action, e.actor) for e in done.events] == [
        ("confirmed", 1001), ("offered", 0), ("accepted", 201), ("contacted", 201),
        ("outcome_chosen", 201), ("done", 201)]
    assert done.events[3].at == "2026-11-23T02:30:00+00:00"
    assert card.text.endswith("状态:服务已完成\n负责人:李工\n处理结果:已圆满解决\n"
                              "服务报告:已上门更换密封圈,测试不再漏水\n"
                              "满意度回访:2026年11月24日 10:00")
    assert c.last(world.customer).text == (
        "您的投诉单 #1 服务已完成,处理结果:已圆满解决。谢谢您的耐心!")
    await c.send(world.customer, "/mytickets")
    assert c.last(world.customer).text == "您的投诉单:\n#1 · 商品质量投诉 · 服务已完成 · 11月23日 10:00"


async def test_back_restores_the_buttons(world: World) -> None:
    c = world.client
    await file_complaint(world)
    card = c.last(world.staff_group)
    await c.click(world.li, card, "接单")
    await c.click(world.li, card, "已联系客户")
    await c.click(world.li, card, "服务完成")
    await c.click(world.li, card, "返回")
    assert card.labels == ["🧰 服务完成", "🆘 无法解决,上报经理", "⭐ 常客", "💎 VIP", "🛍 到店", "📝 备注", "💬 标准答复"]


async def test_report_from_someone_else_is_refused(world: World) -> None:
    c = world.client
    await file_complaint(world)
    card = c.last(world.staff_group)
    for label in ("接单", "已联系客户", "服务完成", "部分解决"):
        await c.click(world.li, card, label)
    prompt = c.last(world.staff_group)
    await c.send(world.wang, "我来写", group=world.staff_group, reply_to=prompt)
    assert c.last(world.staff_group).text == "只有负责人(李工)或经理可以进行此操作。"
    assert world.db.by_number(1).state is State.CONTACTED
    await c.send(world.li, "", group=world.staff_group, reply_to=prompt)
    await c.send(world.li, "x" * 501, group=world.staff_group, reply_to=prompt)
    assert c.last(world.staff_group).text == "请用一句话回复,不超过 500 个字。"
    assert world.db.by_number(1).state is State.CONTACTED


async def test_pass_offers_the_next_on_duty_technician(world: World) -> None:
    c = world.client
    await file_complaint(world)
    card = c.last(world.staff_group)
    await c.send(world.wang, "/start")  # Wang can be written to in private
    await c.click(world.li, card, "转交")
    ticket = world.db.by_number(1)
    assert (ticket.state, ticket.assignee_id, ticket.passed_by) == (State.OFFERED, 202, [201])
    assert "已分配给 王工:请接单或转交。" in card.text
    assert c.last(world.wang).text == "旗舰店的投诉单 #1 现在由您负责,请到员工群查看卡片。"
    await c.click(world.wang, card, "转交")
    ticket = world.db.by_number(1)
    assert (ticket.state, ticket.assignee_id) == (State.NEW, None)
    assert card.labels == ["🙋 接单", "🆘 无法解决,上报经理", "⭐ 常客", "💎 VIP", "🛍 到店", "📝 备注", "💬 标准答复"]
    await c.click(world.outsider, card, "接单")
    ticket = world.db.by_number(1)
    assert (ticket.state, ticket.assignee_id, ticket.assignee_name) == (
        State.CLAIMED, 299, "Stranger")


async def test_least_loaded_on_duty_technician_is_offered(world: World) -> None:
    await file_complaint(world)
    await file_complaint(world, "空气净化器噪音很大,要维修", user=world.other_customer)
    assert world.db.by_number(1).assignee_id == 201
    assert world.db.by_number(2).assignee_id == 202


async def test_saturday_roster_and_store_without_roster(world: World) -> None:
    world.clock.advance(days=5)  # Saturday: Wang is off
    await file_complaint(world)
    await file_complaint(world, "空气净化器噪音很大,要维修", user=world.other_customer)
    assert world.db.by_number(2).assignee_id == 201
    await file_complaint(world, "店员态度很差,我想要个说法", user=world.li, store="east")
    ticket = world.db.by_number(3)
    assert (ticket.state, ticket.assignee_id) == (State.NEW, None)
    assert world.client.last(world.east_group).labels == ["🙋 接单", "🆘 无法解决,上报经理", "⭐ 常客", "💎 VIP", "🛍 到店", "📝 备注", "💬 标准答复"]


async def test_only_the_offered_technician_may_accept(world: World) -> None:
    await file_complaint(world)
    card = world.client.last(world.staff_group)
    assert await world.client.click(world.wang, card, "接单") == (
        "这张投诉单已分配给 李工,由其接单或转交。")
    assert await world.client.click(world.wang, card, "转交") == (
        "这张投诉单已分配给 李工,由其接单或转交。")
    assert world.db.by_number(1).state is State.OFFERED


async def test_only_assignee_or_manager_records_contact(world: World) -> None:
    await file_complaint(world)
    card = world.client.last(world.staff_group)
    await world.client.click(world.li, card, "接单")
    assert await world.client.click(world.wang, card, "已联系客户") == (
        "只有负责人(李工)或经理可以进行此操作。")
    assert world.db.by_number(1).state is State.CLAIMED
    await world.client.click(world.manager, card, "已联系客户")
    assert world.db.by_number(1).state is State.CONTACTED


async def test_only_the_holder_or_a_manager_escalates(world: World) -> None:
    await file_complaint(world)
    card = world.client.last(world.staff_group)
    assert await world.client.click(world.wang, card, "无法解决") == (
        "只有负责人(李工)或经理可以进行此操作。")
    assert world.db.by_number(1).state is State.OFFERED
    await world.client.click(world.manager, card, "无法解决")
    assert world.db.by_number(1).state is State.ESCALATED


async def test_stale_button_changes_nothing(world: World) -> None:
    c = world.client
    await file_complaint(world)
    card = c.last(world.staff_group)
    await c.click(world.li, card, "接单")
    stale = await c.press(world.li, card, "t:accept:1")
    assert stale == "这张卡片已过期:投诉单状态已经变化。"
    assert await c.press(world.wang, card, "t:claim:1") == "已由 李工 接单。"
    assert world.db.by_number(1).assignee_id == 201


async def test_forged_callback_data_is_refused(world: World) -> None:
    c = world.client
    await file_complaint(world)
    card = c.last(world.staff_group)
    before = world.db.by_number(1).to_dict()
    invalid = "这个按钮已失效。"
    for data in ("t:claim:999", "t:claim:abc", "t:claim", "t:out:1:bogus", "t:nope:1",
                 "t:claim:1:extra", "x:whatever", "", "t:" + "9" * 60):
        assert (data, await c.press(world.li, card, data)) == (data, invalid)
    # A card button pressed from another store's group, or from a private chat.
    await file_complaint(world, "店员态度很差,我想要个说法", user=world.other_customer, store="east")
    east_card = c.last(world.east_group)
    assert await c.press(world.li, east_card, "t:claim:1") == invalid
    assert await c.press(world.li, c.last(world.customer), "t:claim:1") == invalid
    assert world.db.by_number(1).to_dict() == before
    # A customer pressing a button of someone else's draft.
    newcomer = FakeUser(1003, "Ann", language_code="en")
    await c.send(newcomer, "/start s_hq")
    await c.send(newcomer, "Kettle leaks again, I want a refund")
    stolen = c.last(newcomer).data_for("Yes")
    own_chat = c.last(world.customer)
    assert await c.press(world.customer, own_chat, stolen) == "这个按钮已失效。"
    assert world.db.draft_for(newcomer.id) is not None


async def test_claim_race_has_exactly_one_winner(world: World) -> None:
    await file_complaint(world, "店员态度很差,我想要个说法", store="east")
    card = world.client.last(world.east_group)
    data = card.data_for("接单")  # both press the same card as it was drawn
    answers = await asyncio.gather(
        world.client.press(world.li, card, data),
        world.client.press(world.wang, card, data),
    )
    assert answers == [None, "已由 Li 接单。"]
    ticket = world.db.by_number(1)
    assert ticket.state is State.CLAIMED
    assert [e.action for e in ticket.events].count("claimed") == 1


async def test_escalation_alerts_managers_and_promises_a_reply_time(world: World) -> None:
    c = world.client
    await c.send(world.manager, "/start")
    await file_complaint(world)
    card = c.last(world.staff_group)
    await c.click(world.li, card, "接单")
    await c.click(world.li, card, "无法解决")
    assert world.db.by_number(1).state is State.ESCALATED
    assert card.text.endswith("等待经理确定最迟答复时间。")
    alert = c.last(world.manager)
    assert alert.text.startswith("🆘 旗舰店:投诉单 #1 员工无法解决,需要您的支持。")
    assert alert.labels == ["今天打烊前(21:00)", "下一个营业日打烊前(明天 21:00)",
                            "第三个营业日打烊前(11月26日 21:00)", "👤 交给技术人员"]
    assert c.inbox(world.east_manager) == [], "only the store's own managers"

    assert await c.click(world.east_manager, alert, "下一个营业日") == "只有本店经理可以进行此操作。"
    await c.click(world.manager, alert, "下一个营业日")
    assert alert.text == "已完成:已告知客户最迟在 明天 21:00 前答复。"
    assert world.db.by_number(1).reply_by == "2026-11-24T21:00:00+08:00"
    assert card.text.endswith("最迟答复时间:明天 11月24日 21:00")
    assert c.last(world.customer).text == (
        "您的投诉单 #1 需要门店经理亲自处理,我们已第一时间通知经理。"
        "经理最迟会在 明天 21:00 前给您答复,请您耐心等候。")
    assert await c.press(world.manager, alert, "m:reply:1:today") == "这张卡片已过期:投诉单状态已经变化。"
    assert await c.press(world.manager, alert, "m:reply:1:0") == "这张卡片已过期:投诉单状态已经变化。"
    # The buttons carry the option's key: an index no alert ever drew is data we never drew.
    assert await c.press(world.manager, alert, "m:reply:1:7") == "这个按钮已失效。"


async def test_manager_hands_an_escalated_ticket_to_a_technician(world: World) -> None:
    c = world.client
    await c.send(world.manager, "/start")
    await c.send(world.wang, "/start")
    await file_complaint(world)
    card = c.last(world.staff_group)
    await c.click(world.li, card, "无法解决")
    alert = c.last(world.manager)
    await c.click(world.manager, alert, "交给技术人员")
    assert alert.labels == ["李工", "王工"]
    assert await c.press(world.manager, alert, "m:assign:1:299") == "这位技术人员不在本店的排班表上。"
    await c.click(world.manager, alert, "王工")
    ticket = world.db.by_number(1)
    assert (ticket.state, ticket.assignee_id) == (State.CLAIMED, 202)
    assert alert.text == "已完成:投诉单 #1 已交给 王工。"
    assert card.text.endswith("状态:已接单\n负责人:王工\n联系期限:今天 11月23日 16:45")
    assert c.last(world.customer).text == "技术人员王工已负责处理您的投诉单 #1,会在今天 16:45 前与您联系。"
    assert c.last(world.wang).text == "旗舰店的投诉单 #1 现在由您负责,请到员工群查看卡片。"


async def test_unreachable_manager_is_reported_in_the_group(world: World) -> None:
    await file_complaint(world)
    world.telegram.blocked.add(world.manager.id)
    await world.client.click(world.li, world.client.last(world.staff_group), "无法解决")
    assert world.client.last(world.staff_group).text == (
        "⚠️ 无法就投诉单 #1 私信经理 500:经理需要先与我私聊并点击“开始”。")


async def test_manager_buttons_only_in_private(world: World) -> None:
    await file_complaint(world)
    await world.client.click(world.li, world.client.last(world.staff_group), "无法解决")
    card = world.client.last(world.staff_group)
    assert await world.client.press(world.manager, card, "m:reply:1:0") == "这个按钮已失效。"
    assert world.db.by_number(1).reply_by is None


async def test_customer_commands_in_the_group_point_to_private_chat(world: World) -> None:
    await world.client.send(world.li, "/mytickets", group=world.staff_group)
    assert world.client.last(world.staff_group).text == (
        "这是旗舰店的员工群:投诉单会以卡片形式出现在这里。客户请与我私聊。")
    await world.client.send(world.li, "大家好", group=world.staff_group)
    assert len(world.client.inbox(world.staff_group)) == 1, "ordinary chat gets no answer"


async def test_bot_joining_and_leaving_groups(world: World) -> None:
    from sandbox.fake_telegram import FakeGroup

    c = world.client
    await c.bot_joins(world.staff_group, by=world.manager)
    assert c.last(world.staff_group).text == "大家好!旗舰店的新投诉单会以卡片形式出现在这里。"
    unknown = FakeGroup(-1009, "随便一个群")
    await c.bot_joins(unknown, by=world.li)
    assert c.last(unknown).text == (
        "这个群还不是任何门店的员工群。本群的 chat id 是 -1009:请在配置文件中把它填为 staff_chat_id。")
    await c.send(world.manager, "/start")
    await c.bot_removed(world.staff_group, by=world.li)
    assert c.last(world.manager).text == (
        "⚠️ 我已被移出旗舰店的员工群。在重新加入之前,新投诉单无法送达员工。")
