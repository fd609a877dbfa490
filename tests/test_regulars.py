"""Knowing the customer: tiers, notes, regulars greeted by name, VIPs, consent, forget_me."""

from __future__ import annotations

from pathlib import Path

from desk.buttons import Action
from desk.models import Customer, Outcome, State
from tests.conftest import CHAIN_TOML, World, file_complaint, start_world


async def visit(world: World, days: int) -> None:
    for _ in range(days):
        await world.client.send(world.customer, "/start s_hq")
        world.clock.advance(days=1)


async def test_a_returning_regular_is_greeted_by_name(world: World) -> None:
    await visit(world, 2)
    assert world.client.last(world.customer).text.startswith("您好!我是旗舰店的客服助手。")
    await visit(world, 1)
    assert world.db.customer(world.customer.id).visits == [
        "hq:2026-11-23", "hq:2026-11-24", "hq:2026-11-25"]
    await world.client.send(world.customer, "/start s_hq")
    assert world.client.last(world.customer).text.startswith(
        "张女士,欢迎回来!您好!我是旗舰店的客服助手。")
    await world.client.send(world.customer, "电热水壶漏水,我要退款")
    restatement = world.client.last(world.customer).text
    assert restatement.startswith("张女士,您好!感谢您提出意见!"), "by name, in a complaint's words"
    assert "欢迎回来" not in restatement, "no cheerful welcome on top of a complaint"


async def test_same_day_scans_count_as_one_visit(world: World) -> None:
    for _ in range(3):
        await world.client.send(world.customer, "/start s_hq")
    assert world.db.customer(world.customer.id).visits == ["hq:2026-11-23"]


async def test_staff_grade_the_customer_and_note_preferences(world: World) -> None:
    c = world.client
    await file_complaint(world)
    card = c.last(world.staff_group)
    assert await c.press_action(world.wang, card, Action.TIER, "regular") == "已标记为:常客"
    assert world.db.customer(world.customer.id).tier == "regular"
    assert "客户等级:常客 · 到店:1 次" in card.text, "the QR scan"
    await c.press_action(world.wang, card, Action.TIER, "vip")
    assert "客户等级:VIP · 到店:1 次" in card.text
    assert await c.press_action(world.wang, card, Action.TIER, "vip") == "已取消标记:VIP"
    assert world.db.customer(world.customer.id).tier is None
    await c.press_action(world.li, card, Action.NOTE)
    prompt = c.last(world.staff_group)
    assert world.told("note_prompt") == [world.staff_group.id] and "#1" in prompt.text
    await c.send(world.li, "喜欢下午三点后联系,住三楼", group=world.staff_group, reply_to=prompt)
    assert world.told("note_saved") == [world.staff_group.id]
    (note,) = world.db.customer(world.customer.id).notes
    assert (note["by"], note["text"]) == (201, "喜欢下午三点后联系,住三楼")
    assert "📝 备注:喜欢下午三点后联系,住三楼" in card.text
    assert await c.press(world.li, card, "t:tier:1:king") == "这个按钮已失效。"


async def test_completed_complaints_do_not_make_a_regular(world: World) -> None:
    """Issue 19, item 9: regulars are customers who come back (visits, purchases, staff
    marking), not customers who complained often."""
    c = world.client
    await file_complaint(world)
    card = c.inbox(world.staff_group)[0]
    for action, *args in ((Action.ACCEPT,), (Action.CONTACTED,), (Action.SERVICE_DONE,),
                          (Action.OUTCOME, Outcome.SOLVED)):
        await c.press_action(world.li, card, action, *args)
    await c.send(world.li, "已更换", group=world.staff_group, reply_to=c.last(world.staff_group))
    assert world.db.customer(world.customer.id).completed == 1, "still recorded"

    def complained_often(customer: Customer) -> None:
        customer.completed = 5

    customer = world.db.update_customer(world.customer.id, complained_often)
    assert not customer.is_regular(3)
    world.db.archive(world.db.by_number(1).key)
    await c.send(world.customer, "/start s_hq")
    assert "欢迎回来" not in c.last(world.customer).text
    await file_complaint(world, "空气净化器异味,我要换货")
    assert "客户等级" not in c.card(world.staff_group, 2).text


async def test_staff_record_a_visit_and_visits_make_a_regular(world: World) -> None:
    c = world.client
    await file_complaint(world)
    card = c.last(world.staff_group)
    assert "🛍 到店" in card.labels
    # The QR code link counted today's visit already: one a day.
    assert world.db.customer(world.customer.id).visits == ["hq:2026-11-23"]
    assert await c.click(world.li, card, "到店") == "今天的到店已经记录过了。"
    assert world.db.customer(world.customer.id).visits == ["hq:2026-11-23"], "one a day"
    assert "客户等级" not in card.text
    world.clock.advance(days=1)
    assert await c.click(world.wang, card, "到店") == "已记录:客户今天到店。"
    world.clock.advance(days=1)
    await c.click(world.li, card, "到店")
    assert world.db.customer(world.customer.id).visits == [
        "hq:2026-11-23", "hq:2026-11-24", "hq:2026-11-25"]
    assert "客户等级:常客 · 到店:3 次" in card.text, "three visits make a regular"
    assert await c.press(world.outsider, card, "t:visit:7") == "这个按钮已失效。"


async def test_vip_tickets_get_the_shorter_deadline(tmp_path: Path) -> None:
    toml = CHAIN_TOML.replace('products = ["电热水壶", "空气净化器"]',
                              'products = ["电热水壶"]\npromises = {{ vip_contact_within_minutes = 120 }}')
    world = await start_world(tmp_path / "data", toml=toml)
    await file_complaint(world)
    await world.client.press_action(world.li, world.client.last(world.staff_group), Action.TIER, "vip")
    first = world.db.by_number(1)
    first.state = State.DONE  # served: the customer's next complaint is a new ticket
    world.db.save(first)
    world.db.archive(first.key)
    world.clock.advance(minutes=1)
    await file_complaint(world, "空气净化器异味,我要换货")
    vip = world.db.by_number(2)
    assert vip.vip is True and vip.contact_by == "2026-11-23T12:00:00+08:00", "12:01 rounded"
    assert world.client.last(world.staff_group).text.startswith("🆕 投诉单 #2 · 商品质量投诉 · 💎 VIP")
    await world.stop()


async def test_customer_turns_greetings_off_and_on(world: World) -> None:
    c = world.client
    await c.send(world.customer, "/greetings")
    assert c.last(world.customer).text == "节日问候目前为开启状态。发送 /greetings on 或 /greetings off 可更改。"
    await c.send(world.customer, "/greetings off")
    assert c.last(world.customer).text == "好的,您将不再收到节日问候。"
    assert world.db.customer(world.customer.id).greetings is False
    await c.send(world.customer, "/greetings on")
    assert world.db.customer(world.customer.id).greetings is True


async def test_forget_me_deletes_personal_data_after_confirmation(world: World) -> None:
    c = world.client
    await file_complaint(world)
    await c.share_contact(world.customer, "+8613800000000")
    first = world.db.by_number(1)
    first.state = State.DONE
    world.db.save(first)
    world.db.archive(first.key)
    await file_complaint(world, "店员态度很差,我想要个说法")
    await c.send(world.customer, "/forget_me")
    question = c.last(world.customer)
    assert [p.args for p in question.presses] == [("yes",), ("no",)]
    await c.press_action(world.customer, question, Action.FORGET, "no")
    assert question.text == "没有删除任何内容。"
    assert world.db.customer(world.customer.id) is not None
    await c.send(world.customer, "/forget_me")
    await c.press_action(world.customer, c.last(world.customer), Action.FORGET, "yes")
    assert c.last(world.customer).text == "已完成:您的个人资料已删除;2 张投诉单以匿名方式保留。"
    assert world.db.customer(world.customer.id) is None
    open_ticket, archived = world.db.by_number(2), world.db.archived(1)
    for ticket in (open_ticket, archived):
        assert ticket.customer_id < 0 and ticket.customer_name == ""
        assert ticket.events[-1].action == "customer_forgotten"
    assert open_ticket.customer_id == archived.customer_id
    assert world.db.tickets_of(world.customer.id) == []
    raw = (world.db.data_dir / "customers" / f"{world.customer.id % 32:02d}.json").read_text()
    assert "+8613800000000" not in raw
