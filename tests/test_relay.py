"""Staff and customer talk on the ticket: relay both ways, media, standard replies, refusals."""

from __future__ import annotations

import pytest

from desk.buttons import Action
from desk.i18n import translator
from desk.models import Outcome
from outbox.relay import CANNED
from tests.conftest import World, file_complaint


async def claimed(world: World) -> int:
    """A complaint, accepted by Li (offered to him as the on-duty technician)."""
    number = await file_complaint(world)
    await world.client.press_action(world.li, world.client.card(world.staff_group, number), Action.ACCEPT)
    return number


async def test_a_staff_reply_to_the_card_reaches_the_customer_signed(world: World) -> None:
    c = world.client
    number = await claimed(world)
    card = c.card(world.staff_group, number)
    await c.send(world.li, "您好,我们下午三点上门更换,可以吗?", group=world.staff_group,
                 reply_to=card)
    assert c.texts(world.customer)[-1] == "💬 旗舰店·李工:\n您好,我们下午三点上门更换,可以吗?"
    confirmation = c.last(world.staff_group)
    assert confirmation.text == f"✓ 已转达给投诉单 #{number} 的客户。"
    said = [e for e in world.db.by_number(number).events if e.action == "said"]
    assert [(e.actor, e.detail["text"], e.detail["role"]) for e in said] == [
        (201, "您好,我们下午三点上门更换,可以吗?", "staff")]


async def test_the_customers_answer_reaches_the_group_and_staff_can_reply_to_it(
        world: World) -> None:
    c = world.client
    number = await claimed(world)
    await c.send(world.customer, "下午三点可以")
    notice = c.last(world.staff_group)
    assert notice.reply_to == c.card(world.staff_group, number).message_id
    assert 'href="tg://user?id=201"' in notice.html and "下午三点可以" in notice.text
    await c.send(world.li, "好的,到时见", group=world.staff_group, reply_to=notice)
    assert c.texts(world.customer)[-1].endswith("好的,到时见")


async def test_photos_go_both_ways(world: World) -> None:
    c = world.client
    number = await claimed(world)
    card = c.card(world.staff_group, number)
    await c.send_media(world.customer, "photo", caption="底部在漏水")
    copy = c.last(world.staff_group)
    assert copy.kind == "photo" and copy.reply_to == card.message_id
    assert "底部在漏水" in copy.text and f"#{number}" in copy.text
    await c.send_media(world.li, "photo", caption="是这个位置吗?", group=world.staff_group,
                       reply_to=copy)
    got = c.last(world.customer)
    assert got.kind == "photo" and got.text == "💬 旗舰店·李工:\n是这个位置吗?"


async def test_voice_and_video_reach_staff_and_the_customer(world: World) -> None:
    c = world.client
    number = await claimed(world)
    card = c.card(world.staff_group, number)
    await c.send_media(world.customer, "voice")
    await c.send_media(world.customer, "video_note")
    kinds = [m.kind for m in c.inbox(world.staff_group) if m.reply_to == card.message_id]
    assert "voice" in kinds and "video_note" in kinds
    await c.send_media(world.li, "voice", group=world.staff_group, reply_to=card)
    assert c.last(world.customer).kind == "voice"
    events = [e.detail.get("media") for e in world.db.by_number(number).events
              if e.action in ("followup", "said")]
    assert events == ["voice", "video_note", "voice"]


async def test_a_voice_complaint_asks_for_words_and_goes_with_the_card(world: World) -> None:
    c = world.client
    await c.send(world.customer, "/start s_hq")
    await c.send_media(world.customer, "voice")
    assert "一两句话" in c.texts(world.customer)[-1]
    await c.send(world.customer, "电热水壶漏水,我要换货")
    await c.press_action(world.customer, c.last(world.customer), Action.CONFIRM)
    card = c.card(world.staff_group, 1)
    under = [m for m in c.inbox(world.staff_group) if m.reply_to == card.message_id]
    assert [m.kind for m in under] == ["voice"] and "#1" in under[0].text


async def test_the_complaints_photo_is_posted_with_the_card(world: World) -> None:
    c = world.client
    await c.send(world.customer, "/start s_hq")
    await c.send_photo(world.customer, caption="电热水壶漏水,我要换货")
    await c.press_action(world.customer, c.last(world.customer), Action.CONFIRM)
    card = c.card(world.staff_group, 1)
    under = [m for m in c.inbox(world.staff_group) if m.reply_to == card.message_id]
    assert [m.kind for m in under] == ["photo"]


async def test_a_reply_to_a_closed_ticket_is_refused_and_the_customer_hears_nothing(
        world: World) -> None:
    c = world.client
    number = await claimed(world)
    card = c.card(world.staff_group, number)
    await c.press_action(world.li, card, Action.CONTACTED)
    await c.press_action(world.li, c.card(world.staff_group, number), Action.SERVICE_DONE)
    await c.press_action(world.li, c.card(world.staff_group, number), Action.OUTCOME, Outcome.SOLVED)
    await c.send(world.li, "已更换新壶", group=world.staff_group,
                 reply_to=c.last(world.staff_group))
    before = len(c.texts(world.customer))
    await c.send(world.li, "还有别的问题吗", group=world.staff_group, reply_to=card)
    assert len(c.texts(world.customer)) == before
    assert c.last(world.staff_group).text == (
        f"投诉单 #{number} 已关闭或不属于您的门店,没有向客户发送任何内容。")


async def test_only_roster_technicians_and_managers_write_to_customers(world: World) -> None:
    c = world.client
    number = await claimed(world)
    before = len(c.texts(world.customer))
    await c.send(world.outsider, "你好", group=world.staff_group,
                 reply_to=c.card(world.staff_group, number))
    assert len(c.texts(world.customer)) == before
    assert c.last(world.staff_group).text == "只有本店的技术人员和经理可以给客户发消息。"


async def test_staff_talking_among_themselves_is_not_relayed(world: World) -> None:
    c = world.client
    await claimed(world)
    await c.send(world.wang, "我去仓库拿货", group=world.staff_group)
    question = c.chat(world.staff_group)[-1]
    before = len(c.texts(world.customer))
    await c.send(world.li, "好的", group=world.staff_group, reply_to=question)
    assert len(c.texts(world.customer)) == before


async def test_a_relay_to_a_customer_who_blocked_the_bot_is_refused(world: World) -> None:
    c = world.client
    number = await claimed(world)

    def block(customer) -> None:
        customer.blocked = True

    world.db.update_customer(world.customer.id, block)
    await c.send(world.li, "您好", group=world.staff_group,
                 reply_to=c.card(world.staff_group, number))
    assert "无法通过我联系到投诉单" in c.last(world.staff_group).text
    assert not [e for e in world.db.by_number(number).events if e.action == "said"]


async def test_a_forbidden_phrase_is_blocked_with_a_suggestion(world: World) -> None:
    c = world.client
    number = await claimed(world)
    before = len(c.texts(world.customer))
    await c.send(world.li, "不能退,这是本店的规定。", group=world.staff_group,
                 reply_to=c.card(world.staff_group, number))
    assert len(c.texts(world.customer)) == before
    assert c.last(world.staff_group).text.startswith("⛔ 未发送:“这是本店的规定”")
    hits = [e for e in world.db.by_number(number).events if e.action == "guard_blocked"]
    assert [(e.actor, e.detail["phrase"]) for e in hits] == [(201, "这是本店的规定")]


async def test_a_standard_reply_arrives_in_the_customers_language(world: World) -> None:
    c = world.client
    await file_complaint(world, "The kettle leaks, I want a refund", user=world.other_customer)
    card = c.card(world.staff_group, 1)
    await c.press_action(world.li, card, Action.ACCEPT)
    await c.press_action(world.li, c.card(world.staff_group, 1), Action.SAY)
    menu = c.last(world.staff_group)
    assert menu.reply_to == card.message_id
    await c.press_action(world.li, menu, Action.CANNED, "apology")
    await c.press_action(world.li, menu, Action.CANNED, "call")
    texts = c.texts(world.other_customer)
    msgid = CANNED["apology"]
    apology = translator("en").gettext(msgid)
    assert "sorry" in apology
    assert texts[-2] == f"💬 旗舰店 · 李工:\n{apology}"
    assert texts[-1] == "💬 旗舰店 · 李工:\nWe will call you today before 16:45."


async def test_a_manager_answers_an_escalated_ticket_from_the_private_chat(world: World) -> None:
    c = world.client
    number = await claimed(world)
    await c.press_action(world.li, c.card(world.staff_group, number), Action.ESCALATE)
    alert = next(m for m in c.inbox(world.manager) if f"#{number}" in m.text)
    await c.send(world.manager, "您好,我是店长,明天给您换新。", reply_to=alert)
    assert c.texts(world.customer)[-1] == "💬 旗舰店·赵经理:\n您好,我是店长,明天给您换新。"
    said = [e for e in world.db.by_number(number).events if e.action == "said"]
    assert said[-1].detail["role"] == "manager"


async def test_a_manager_of_another_store_cannot_answer(world: World) -> None:
    c = world.client
    number = await claimed(world)
    await c.press_action(world.li, c.card(world.staff_group, number), Action.ESCALATE)
    alert = next(m for m in c.inbox(world.manager) if f"#{number}" in m.text)
    before = len(c.texts(world.customer))
    await c.send(world.east_manager, "我来回复", reply_to=alert)
    assert len(c.texts(world.customer)) == before


async def test_the_signature_can_be_the_store_only(tmp_path) -> None:
    from tests.conftest import CHAIN_TOML, start_world

    toml = CHAIN_TOML.replace('name = "旗舰店"\n', 'name = "旗舰店"\nrelay_signature = "store"\n')
    world = await start_world(tmp_path / "data", toml)
    c = world.client
    number = await claimed(world)
    await c.send(world.li, "您好", group=world.staff_group,
                 reply_to=c.card(world.staff_group, number))
    assert c.texts(world.customer)[-1] == "💬 旗舰店:\n您好"
    await world.stop()


async def test_a_service_complaint_about_a_technician_is_not_offered_to_them(
        world: World) -> None:
    c = world.client
    number = await file_complaint(world, "上门安装的李工态度很差,问他什么都踢皮球,我要投诉他")
    ticket = world.db.by_number(number)
    assert ticket.kind.value == "service"
    assert (ticket.complained_about, ticket.assignee_id) == (201, 202), "offered to Wang"
    await c.press_action(world.wang, c.card(world.staff_group, number), Action.PASS)
    assert world.db.by_number(number).assignee_id != 201
    answer = await c.press_action(world.li, c.card(world.staff_group, number), Action.CLAIM)
    assert answer == "这条投诉是关于您的,将由其他技术人员或经理处理。"
    assert world.db.by_number(number).assignee_id is None


async def test_the_conversation_is_on_record_in_order_and_in_the_export(world: World) -> None:
    import csv
    import io

    c = world.client
    number = await claimed(world)
    card = c.card(world.staff_group, number)
    await c.send(world.li, "您好,请问什么时候方便?", group=world.staff_group, reply_to=card)
    world.clock.advance(minutes=1)
    await c.send(world.customer, "下午都可以")
    world.clock.advance(minutes=1)
    await c.send(world.li, "好的,下午三点到", group=world.staff_group, reply_to=card)
    await c.send(world.manager, "/start")
    await c.send(world.manager, "/export")
    export = c.last(world.manager)
    rows = list(csv.DictReader(io.StringIO(export.document.decode("utf-8-sig"))))
    lines = rows[0]["conversation"].split("\n")
    assert [line.split(" ", 1)[1] for line in lines] == [
        "staff 李工: 您好,请问什么时候方便?", "customer: 下午都可以", "staff 李工: 好的,下午三点到"]


async def test_the_digest_counts_forbidden_phrases_stopped_per_technician(world: World) -> None:
    c = world.client
    number = await claimed(world)
    await c.send(world.li, "这是本店的规定", group=world.staff_group,
                 reply_to=c.card(world.staff_group, number))
    await c.send(world.manager, "/start")
    await c.send(world.manager, "/digest")
    digest = next(t for t in c.texts(world.manager) if t.startswith("📊"))
    li = next(line for line in digest.split("\n") if line.strip().startswith("李工"))
    assert li.endswith("· 禁句拦截 1 次")
    wang = next(line for line in digest.split("\n") if line.strip().startswith("王工"))
    assert "禁句" not in wang


@pytest.mark.parametrize("kind", ["photo", "voice", "video", "video_note", "document"])
async def test_every_media_kind_goes_both_ways(world: World, kind: str) -> None:
    c = world.client
    number = await claimed(world)
    card = c.card(world.staff_group, number)
    await c.send_media(world.customer, kind)
    copies = [m for m in c.inbox(world.staff_group)
              if m.reply_to == card.message_id and m.kind == kind]
    assert len(copies) == 1
    await c.send_media(world.li, kind, group=world.staff_group, reply_to=copies[0])
    assert c.last(world.customer).kind == kind
    assert c.last(world.staff_group).text == f"✓ 已转达给投诉单 #{number} 的客户。"
