"""Telegram failing under us: nothing acknowledged is lost, nothing crashes."""

from __future__ import annotations

from pathlib import Path

from desk.buttons import Action
from desk.models import State
from outbox.limits import Limits
from tests.conftest import World, file_complaint, start_world


async def test_card_lost_to_a_network_error_is_posted_once_by_a_retry(world: World) -> None:
    world.telegram.fail("sendMessage", "network", chat_id=world.staff_group.id, times=2)
    await file_complaint(world)
    assert world.client.texts(world.customer)[-2].startswith("无论是谁的责任"), "acknowledged"
    (card,) = world.client.inbox(world.staff_group)
    assert card.text.startswith("🆕 投诉单 #1")
    assert world.db.by_number(1).card_message_id == card.message_id
    assert world.db.outgoing() == [], "nothing left in the outbox"


async def test_bot_kicked_from_group_keeps_cards_until_it_is_back(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "data",
                              limits=Limits.unlimited(unreachable_group_retry=600))
    world.telegram.fail("sendMessage", "forbidden", chat_id=world.staff_group.id)
    await file_complaint(world)
    assert world.client.inbox(world.staff_group) == []
    assert [e.kind for e in world.db.outgoing()] == ["card"], "kept, not dropped"
    await world.client.bot_joins(world.staff_group, by=world.li)
    texts = world.client.texts(world.staff_group)
    assert texts[0].startswith("大家好!旗舰店的新投诉单会以卡片形式出现在这里")
    assert [t for t in texts if t.startswith("🆕 投诉单 #1")], "posted once the bot is back"
    assert len([t for t in texts if "投诉单 #1" in t.split("\n")[0]]) == 1
    await world.stop()


async def test_customer_who_blocked_the_bot(world: World) -> None:
    await file_complaint(world)
    world.telegram.blocked.add(world.customer.id)
    card = world.client.last(world.staff_group)
    await world.client.press_action(world.li, card, Action.ACCEPT)
    assert world.db.by_number(1).state is State.CLAIMED, "the step still counts"
    assert world.db.customer(world.customer.id).blocked is True
    sends = len(world.telegram.sent("sendMessage"))
    await world.client.press_action(world.li, card, Action.CONTACTED)
    sent_after = [c for c in world.telegram.sent("sendMessage")[sends:]
                  if c.params["chat_id"] == world.customer.id]
    assert sent_after == [], "no more sends to a blocked chat"


async def test_customer_who_unblocks_the_bot_is_written_to_again(world: World) -> None:
    await file_complaint(world)
    world.telegram.blocked.add(world.customer.id)
    card = world.client.last(world.staff_group)
    await world.client.press_action(world.li, card, Action.ACCEPT)
    assert world.db.customer(world.customer.id).blocked is True
    world.telegram.blocked.discard(world.customer.id)
    await world.client.send(world.customer, "/mytickets")
    assert world.db.customer(world.customer.id).blocked is False
    await world.client.press_action(world.li, card, Action.CONTACTED)
    assert world.client.last(world.customer).text.startswith("技术人员已就投诉单 #1 与您取得联系")


async def test_flood_control_delays_only_that_chat_and_the_message_arrives(world: World) -> None:
    await file_complaint(world)
    world.telegram.fail("sendMessage", "retry_after", chat_id=world.customer.id)
    await world.client.press_action(world.li, world.client.last(world.staff_group), Action.ACCEPT)
    assert world.db.by_number(1).state is State.CLAIMED
    assert world.client.last(world.customer).text.startswith("技术人员李工已负责处理您的投诉单 #1")
    assert world.telegram.rejected == 0 and world.client.errors == []


async def test_acknowledgement_waits_for_the_durable_write(tmp_path: Path) -> None:
    """Stop right after the confirmation, with the customer's chat unreachable: a new process
    finds the ticket, and delivers the acknowledgement."""
    world = await start_world(tmp_path / "data",
                              limits=Limits.unlimited(backoff_first=600, backoff_max=600))
    await world.client.send(world.customer, "/start s_hq")
    await world.client.send(world.customer, "电热水壶漏水,我要退款")
    world.telegram.fail("editMessageText", "network", chat_id=world.customer.id)
    world.telegram.fail("sendMessage", "network", chat_id=world.customer.id)
    restatement = world.client.last(world.customer)
    await world.client.press_action(world.customer, restatement, Action.CONFIRM)
    assert not world.client.last(world.customer).text.startswith("无论"), "not delivered yet"
    await world.stop()

    again = await start_world(tmp_path / "data", telegram=world.telegram, clock=world.clock)
    await again.client.settle()
    ticket = again.db.by_number(1)
    assert ticket is not None and ticket.state is State.OFFERED
    texts = again.client.texts(again.customer)
    assert len([t for t in texts if t.startswith("无论是谁的责任")]) == 1, "delivered, once"
    assert again.db.outgoing() == []
    await again.stop()


async def test_not_modified_edits_are_harmless(world: World) -> None:
    await file_complaint(world)
    card = world.client.last(world.staff_group)
    await world.client.share_contact(world.customer, "+8613800000000")
    edits = card.edits
    await world.client.share_contact(world.customer, "+8613800000000")
    assert card.edits == edits, "same text: not sent again"
    assert world.client.errors == []
