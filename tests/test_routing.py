"""A reply reaches the customer of the ticket the replied-to message is about, found by the
record the sender wrote when it delivered that message: never by a number in its words.

Every name here holds a ``#<digits>``: customers, stores, staff and managers, in every kind of
notice people answer (follow-up, media, phone, manager alert, a staff member's Telegram name).
"""

from __future__ import annotations

from pathlib import Path

from desk.buttons import Action, encode
from sandbox.fake_telegram import FakeUser
from tests.conftest import CHAIN_TOML, World, file_complaint, start_world

LISA = FakeUser(1003, "Lisa", "#1", language_code="en")


async def two_tickets(world: World, second: FakeUser = LISA, store: str = "hq") -> tuple[int, int]:
    """Tom files #1; ``second`` (named with a #1 in it) files #2 at the same store."""
    first = await file_complaint(world, "The kettle leaks, I want a new one",
                                 user=world.other_customer, store=store)
    number = await file_complaint(world, "My kettle leaks too, please replace it",
                                  user=second, store=store)
    assert (first, number) == (1, 2)
    return first, number


def said_to(world: World, user: FakeUser) -> list[str]:
    return world.client.texts(user)


async def test_a_staff_reply_to_the_follow_up_notice_of_lisa_1_reaches_her_not_ticket_1(
        world: World) -> None:
    c = world.client
    _first, number = await two_tickets(world)
    tom_before = len(said_to(world, world.other_customer))
    await c.send(LISA, "My address is 5 Park Road")
    notice = c.last(world.staff_group)
    assert "Lisa #1" in notice.text and notice.reply_to == c.card(world.staff_group,
                                                                  number).message_id
    await c.send(world.li, "好的,我们明天上午十点上门", group=world.staff_group,
                 reply_to=notice)
    assert said_to(world, LISA)[-1].endswith("好的,我们明天上午十点上门")
    assert len(said_to(world, world.other_customer)) == tom_before, "ticket #1's customer"
    said = [e for e in world.db.by_number(number).events if e.action == "said"]
    assert [e.detail["text"] for e in said] == ["好的,我们明天上午十点上门"]
    assert not [e for e in world.db.by_number(1).events if e.action == "said"]


async def test_a_staff_reply_to_the_media_and_phone_notices_of_lisa_1_reaches_her(
        world: World) -> None:
    c = world.client
    await two_tickets(world)
    tom_before = len(said_to(world, world.other_customer))
    await c.send_media(LISA, "photo", caption="see the crack")
    copy = c.last(world.staff_group)
    assert copy.kind == "photo" and "Lisa #1" in copy.text
    await c.send(world.li, "收到照片", group=world.staff_group, reply_to=copy)
    assert said_to(world, LISA)[-1].endswith("收到照片")
    await c.send_media(LISA, "video_note")  # no caption: a head, then the copy itself
    head, bare = c.inbox(world.staff_group)[-2:]
    assert "Lisa #1" in head.text and bare.kind == "video_note"
    for message, words in ((head, "看到了"), (bare, "视频收到")):
        await c.send(world.li, words, group=world.staff_group, reply_to=message)
        assert said_to(world, LISA)[-1].endswith(words)
    await c.share_contact(LISA, "+8613900000001")
    phone = next(m for m in reversed(c.inbox(world.staff_group)) if "13900000001" in m.text)
    assert "Lisa #1" in phone.text
    await c.send(world.li, "稍后给您打电话", group=world.staff_group, reply_to=phone)
    assert said_to(world, LISA)[-1].endswith("稍后给您打电话")
    assert len(said_to(world, world.other_customer)) == tom_before


async def test_a_manager_reply_to_the_alert_of_store_flagship_1_goes_to_the_right_ticket(
        tmp_path: Path) -> None:
    toml = CHAIN_TOML.replace('name = "旗舰店"\n', 'name = "旗舰店 #1"\n')
    world = await start_world(tmp_path / "data", toml)
    world.manager = FakeUser(500, "赵经理 #1")
    c = world.client
    _first, number = await two_tickets(world, second=world.customer)
    await c.send(world.manager, "/start")
    assert world.db.by_number(number).assignee_id == world.wang.id  # Li has #1
    await c.press(world.wang, c.card(world.staff_group, number),
                  encode(Action.ESCALATE, number))
    alert = c.inbox(world.manager)[-1]
    assert "旗舰店 #1" in alert.text and f"#{number}" in alert.text
    tom_before = len(said_to(world, world.other_customer))
    await c.send(world.manager, "您好,我是店长,明天给您换新。", reply_to=alert)
    assert said_to(world, world.customer)[-1].endswith("您好,我是店长,明天给您换新。")
    assert len(said_to(world, world.other_customer)) == tom_before, "ticket #1's customer"
    said = [e for e in world.db.by_number(number).events if e.action == "said"]
    assert [e.detail["role"] for e in said] == ["manager"]
    await world.stop()
    assert world.telegram.html_errors == []


async def test_a_reply_to_a_notice_naming_staff_wang_1_reaches_the_right_customer(
        world: World) -> None:
    """Store ``east`` has no roster: the assignee's Telegram name is shown in the notices."""
    c = world.client
    wang = FakeUser(301, "Wang", "#1")
    _first, number = await two_tickets(world, store="east")
    await c.press(wang, c.card(world.east_group, number), encode(Action.CLAIM, number))
    assert world.db.by_number(number).assignee_name == "Wang #1"
    tom_before = len(said_to(world, world.other_customer))
    await c.send(LISA, "Any news?")
    notice = c.last(world.east_group)
    assert "Wang #1" in notice.text and f"#{number}" in notice.text
    await c.send(wang, "我下午打给您", group=world.east_group, reply_to=notice)
    assert said_to(world, LISA)[-1].endswith("我下午打给您")
    assert len(said_to(world, world.other_customer)) == tom_before


async def test_a_reply_to_a_message_of_ours_with_no_record_is_refused_politely(
        world: World) -> None:
    c = world.client
    await two_tickets(world)
    await c.bot_joins(world.staff_group, world.li)
    greeting = c.last(world.staff_group)
    before = {u.id: len(said_to(world, u)) for u in (LISA, world.other_customer)}
    await c.send(world.li, "#1 #2 请转告客户", group=world.staff_group, reply_to=greeting)
    assert c.last(world.staff_group).text == (
        "您回复的这条消息不属于任何未结束的投诉单,因此没有向客户发送任何内容。如需联系客户,"
        "请回复投诉单的卡片或我发出的与该投诉单相关的消息。")
    await c.send(world.manager, "/start")
    start = c.last(world.manager)
    await c.send(world.manager, "#1 我来回复", reply_to=start)
    assert c.last(world.manager).text.startswith("您回复的这条消息不属于任何未结束的投诉单")
    assert {u.id: len(said_to(world, u)) for u in (LISA, world.other_customer)} == before
    assert all(e.action != "said" for n in (1, 2) for e in world.db.by_number(n).events)


async def test_routes_survive_a_restart_and_leave_with_the_archived_ticket(
        tmp_path: Path) -> None:
    world = await start_world(tmp_path / "data")
    _first, number = await two_tickets(world)
    card = world.client.card(world.staff_group, number)
    key = world.db.by_number(number).key
    await world.stop()
    world = await start_world(tmp_path / "data", telegram=world.telegram, clock=world.clock)
    c = world.client
    await c.send(world.li, "重启后也能转达", group=world.staff_group, reply_to=card)
    assert said_to(world, LISA)[-1].endswith("重启后也能转达")
    assert world.db.routed(world.staff_group.id, card.message_id).key == key
    assert key in world.db._hot_data()["routes"]
    world.db.archive(key)
    assert key not in world.db._hot_data().get("routes", {})
    assert world.db.routed(world.staff_group.id, card.message_id) is None
    await world.stop()


async def test_the_customers_own_chat_is_never_a_route(world: World) -> None:
    """A manager who is also a customer replies to his own acknowledgement: his follow-up,
    not a relay to himself."""
    c = world.client
    number = await file_complaint(world, user=world.manager)
    ack = next(m for m in c.inbox(world.manager) if f"#{number}" in m.text)
    assert world.db.routed(world.manager.id, ack.message_id) is None
    await c.send(world.manager, "补充:是上周买的", reply_to=ack)
    ticket = world.db.by_number(number)
    assert [e.action for e in ticket.events if e.action in ("said", "followup")] == ["followup"]


async def test_a_malformed_routes_record_routes_nothing_and_is_replaced(world: World) -> None:
    c = world.client
    _first, number = await two_tickets(world)
    ticket = world.db.by_number(number)
    card = c.card(world.staff_group, number)
    data = world.db._hot_data()
    world.db._write_hot({**data, "routes": {**data["routes"], ticket.key: "not a record",
                                            "other": {"messages": [["x", card.message_id]]}}})
    world.db._routes = None
    assert world.db.routed(world.staff_group.id, card.message_id) is None
    await c.send(world.li, "转给谁?", group=world.staff_group, reply_to=card)
    assert c.last(world.staff_group).text.startswith("您回复的这条消息不属于任何未结束的投诉单")
    await c.send(LISA, "still leaking")  # a new notice: its route replaces the bad record
    notice = c.last(world.staff_group)
    assert world.db.routed(world.staff_group.id, notice.message_id).key == ticket.key
