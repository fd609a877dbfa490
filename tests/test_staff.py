"""The staff group and the managers: offering, claiming, contact, service done, escalation."""

from __future__ import annotations

import asyncio

from desk.buttons import Action
from desk.i18n import translator
from desk.lifecycle import Reason
from desk.models import Outcome, State
from outbox.refusals import invalid_button, refusal
from sandbox.fake_telegram import FakeUser
from tests.conftest import World, file_complaint

# The whole texts of these conversations are in test_golden.py; here, what happened: states,
# who was told what kind of message, the buttons' actions, which refusal was given.
ZH = translator("zh_CN")
A = Action
CLAIMED_CARD = [A.CONTACTED, A.NO_ANSWER, A.ESCALATE, A.TIER, A.TIER, A.VISIT, A.NOTE, A.SAY]
CONTACTED_CARD = [A.SERVICE_DONE, A.ESCALATE, A.TIER, A.TIER, A.VISIT, A.NOTE, A.SAY]
OPEN_CARD = [A.CLAIM, A.ESCALATE, A.TIER, A.TIER, A.VISIT, A.NOTE, A.SAY]


def refused(world: World, reason: Reason, number: int = 1) -> str:
    """The refusal a presser reads, in the group's language, for ticket ``number``."""
    return refusal(ZH, reason, world.db.by_number(number))


async def test_offered_technician_accepts_and_the_customer_is_told(world: World) -> None:
    await file_complaint(world)
    card = world.client.last(world.staff_group)
    assert await world.client.press_action(world.li, card, Action.ACCEPT) is None
    ticket = world.db.by_number(1)
    assert (ticket.state, ticket.assignee_name) == (State.CLAIMED, "李工")
    assert "李工" in card.text and card.edits == 1
    assert card.actions == CLAIMED_CARD
    assert world.told("assigned") == [world.customer.id]
    assert len(world.client.inbox(world.staff_group)) == 1, "one card, edited in place"


async def test_back_restores_the_buttons(world: World) -> None:
    c = world.client
    await file_complaint(world)
    card = c.last(world.staff_group)
    await c.press_action(world.li, card, Action.ACCEPT)
    await c.press_action(world.li, card, Action.CONTACTED)
    await c.press_action(world.li, card, Action.SERVICE_DONE)
    assert card.actions == [A.OUTCOME] * 3 + [A.BACK]
    await c.press_action(world.li, card, Action.BACK)
    assert card.actions == CONTACTED_CARD


async def test_report_from_someone_else_is_refused(world: World) -> None:
    c = world.client
    await file_complaint(world)
    card = c.last(world.staff_group)
    for action, *args in ((Action.ACCEPT,), (Action.CONTACTED,), (Action.SERVICE_DONE,),
                          (Action.OUTCOME, Outcome.PARTLY)):
        await c.press_action(world.li, card, action, *args)
    prompt = c.last(world.staff_group)
    await c.send(world.wang, "我来写", group=world.staff_group, reply_to=prompt)
    assert c.last(world.staff_group).text == refused(world, Reason.NOT_YOURS)
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
    await c.press_action(world.li, card, Action.PASS)
    ticket = world.db.by_number(1)
    assert (ticket.state, ticket.assignee_id, ticket.passed_by) == (State.OFFERED, 202, [201])
    assert "王工" in card.text
    assert world.told("assigned_to_you") == [world.wang.id]
    await c.press_action(world.wang, card, Action.PASS)
    ticket = world.db.by_number(1)
    assert (ticket.state, ticket.assignee_id) == (State.NEW, None)
    assert card.actions == OPEN_CARD
    await c.press_action(world.outsider, card, Action.CLAIM)
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
    assert world.client.last(world.east_group).actions == OPEN_CARD


async def test_only_the_offered_technician_may_accept(world: World) -> None:
    await file_complaint(world)
    card = world.client.last(world.staff_group)
    assert await world.client.press_action(world.wang, card, Action.ACCEPT) == refused(
        world, Reason.NOT_OFFERED_TO_YOU)
    assert await world.client.press_action(world.wang, card, Action.PASS) == refused(
        world, Reason.NOT_OFFERED_TO_YOU)
    assert world.db.by_number(1).state is State.OFFERED


async def test_only_assignee_or_manager_records_contact(world: World) -> None:
    await file_complaint(world)
    card = world.client.last(world.staff_group)
    await world.client.press_action(world.li, card, Action.ACCEPT)
    assert await world.client.press_action(world.wang, card, Action.CONTACTED) == refused(
        world, Reason.NOT_YOURS)
    assert world.db.by_number(1).state is State.CLAIMED
    await world.client.press_action(world.manager, card, Action.CONTACTED)
    assert world.db.by_number(1).state is State.CONTACTED


async def test_only_the_holder_or_a_manager_escalates(world: World) -> None:
    await file_complaint(world)
    card = world.client.last(world.staff_group)
    assert await world.client.press_action(world.wang, card, Action.ESCALATE) == refused(
        world, Reason.NOT_YOURS)
    assert world.db.by_number(1).state is State.OFFERED
    await world.client.press_action(world.manager, card, Action.ESCALATE)
    assert world.db.by_number(1).state is State.ESCALATED


async def test_stale_button_changes_nothing(world: World) -> None:
    c = world.client
    await file_complaint(world)
    card = c.last(world.staff_group)
    await c.press_action(world.li, card, Action.ACCEPT)
    stale = await c.press(world.li, card, "t:accept:1")
    assert stale == refused(world, Reason.STALE)
    assert await c.press(world.wang, card, "t:claim:1") == refused(world, Reason.TAKEN)
    assert world.db.by_number(1).assignee_id == 201


async def test_forged_callback_data_is_refused(world: World) -> None:
    c = world.client
    await file_complaint(world)
    card = c.last(world.staff_group)
    before = world.db.by_number(1).to_dict()
    invalid = invalid_button(ZH)
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
    stolen = c.last(newcomer).data_of(Action.CONFIRM)
    own_chat = c.last(world.customer)
    assert await c.press(world.customer, own_chat, stolen) == invalid
    assert world.db.draft_for(newcomer.id) is not None


async def test_claim_race_has_exactly_one_winner(world: World) -> None:
    await file_complaint(world, "店员态度很差,我想要个说法", store="east")
    card = world.client.last(world.east_group)
    data = card.data_of(Action.CLAIM)  # both press the same card as it was drawn
    answers = await asyncio.gather(
        world.client.press(world.li, card, data),
        world.client.press(world.wang, card, data),
    )
    assert answers == [None, refused(world, Reason.TAKEN)]  # "Li" took it
    ticket = world.db.by_number(1)
    assert ticket.state is State.CLAIMED
    assert [e.action for e in ticket.events].count("claimed") == 1


async def test_manager_hands_an_escalated_ticket_to_a_technician(world: World) -> None:
    c = world.client
    await c.send(world.manager, "/start")
    await c.send(world.wang, "/start")
    await file_complaint(world)
    card = c.last(world.staff_group)
    await c.press_action(world.li, card, Action.ESCALATE)
    alert = c.last(world.manager)
    await c.press_action(world.manager, alert, Action.PICK_TECHNICIAN)
    assert [(p.action, p.args[1]) for p in alert.presses] == [(A.ASSIGN, 201), (A.ASSIGN, 202)]
    assert await c.press(world.manager, alert, "m:assign:1:299") == refused(
        world, Reason.NOT_ON_ROSTER)
    await c.press_action(world.manager, alert, Action.ASSIGN, 202)
    ticket = world.db.by_number(1)
    assert (ticket.state, ticket.assignee_id) == (State.CLAIMED, 202)
    assert alert.actions == [], "the alert says it is done"
    assert "王工" in card.text and card.actions == CLAIMED_CARD
    assert world.told("assigned") == [world.customer.id]
    assert world.told("assigned_to_you") == [world.wang.id]


async def test_unreachable_manager_is_reported_in_the_group(world: World) -> None:
    await file_complaint(world)
    world.telegram.blocked.add(world.manager.id)
    await world.client.press_action(world.li, world.client.last(world.staff_group), Action.ESCALATE)
    assert world.told("manager_unreachable") == [world.staff_group.id]
    assert "#1" in world.client.last(world.staff_group).text


async def test_manager_buttons_only_in_private(world: World) -> None:
    await file_complaint(world)
    await world.client.press_action(world.li, world.client.last(world.staff_group), Action.ESCALATE)
    card = world.client.last(world.staff_group)
    assert await world.client.press(world.manager, card, "m:reply:1:0") == invalid_button(ZH)
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
