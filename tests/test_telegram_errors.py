"""Telegram failing under us: nothing acknowledged is lost, nothing crashes."""

from __future__ import annotations

from pathlib import Path

from desk.models import State
from schedules.delivery import JOB_NAME
from tests.conftest import World, file_complaint, start_world


async def run_redelivery(world: World) -> None:
    (job,) = world.app.job_queue.get_jobs_by_name(JOB_NAME)
    await job.run(world.app)


async def test_card_lost_to_a_network_error_is_posted_by_the_sweep(world: World) -> None:
    world.telegram.fail("sendMessage", "network", chat_id=world.staff_group.id)
    await file_complaint(world)
    assert world.client.texts(world.customer)[-2].startswith("无论是谁的责任"), "acknowledged"
    assert world.client.inbox(world.staff_group) == []
    assert world.store.by_number(1).card_message_id is None

    await run_redelivery(world)
    card = world.client.last(world.staff_group)
    assert card.text.startswith("🆕 投诉单 #1")
    assert world.store.by_number(1).card_message_id == card.message_id
    await run_redelivery(world)
    assert len(world.client.inbox(world.staff_group)) == 1, "posted once"


async def test_bot_kicked_from_group_keeps_tickets_until_it_is_back(world: World) -> None:
    world.telegram.fail("sendMessage", "forbidden", chat_id=world.staff_group.id, times=2)
    await file_complaint(world)
    await run_redelivery(world)
    assert world.client.inbox(world.staff_group) == []
    await run_redelivery(world)
    assert world.client.last(world.staff_group).text.startswith("🆕 投诉单 #1")


async def test_customer_who_blocked_the_bot(world: World) -> None:
    await file_complaint(world)
    world.telegram.blocked.add(world.customer.id)
    card = world.client.last(world.staff_group)
    await world.client.click(world.li, card, "接单")
    assert world.store.by_number(1).state is State.CLAIMED, "the step still counts"
    assert world.store.customer(world.customer.id).blocked is True
    sends = len(world.telegram.sent("sendMessage"))
    await world.client.click(world.li, card, "已联系客户")
    assert len(world.telegram.sent("sendMessage")) == sends, "no more sends to a blocked chat"


async def test_customer_who_unblocks_the_bot_is_written_to_again(world: World) -> None:
    await file_complaint(world)
    world.telegram.blocked.add(world.customer.id)
    card = world.client.last(world.staff_group)
    await world.client.click(world.li, card, "接单")
    assert world.store.customer(world.customer.id).blocked is True
    world.telegram.blocked.discard(world.customer.id)
    await world.client.send(world.customer, "/mytickets")
    assert world.store.customer(world.customer.id).blocked is False
    await world.client.click(world.li, card, "已联系客户")
    assert world.client.last(world.customer).text.startswith("技术人员已就投诉单 #1 与您取得联系")


async def test_flood_control_on_a_notice_is_logged_not_fatal(world: World) -> None:
    await file_complaint(world)
    world.telegram.fail("sendMessage", "retry_after", chat_id=world.customer.id)
    await world.client.click(world.li, world.client.last(world.staff_group), "接单")
    assert world.store.by_number(1).state is State.CLAIMED


async def test_acknowledgement_waits_for_the_durable_write(tmp_path: Path) -> None:
    """Stop everything right after the confirmation: a new process finds the ticket."""
    world = await start_world(tmp_path / "data")
    world.telegram.fail("sendMessage", "network", chat_id=world.customer.id, times=10)
    await world.client.send(world.customer, "/start s_hq")
    await world.client.send(world.customer, "电热水壶漏水,我要退款")
    draft = world.store.draft_for(world.customer.id)
    assert world.client.inbox(world.customer) == [], "the customer's chat is unreachable"
    fake_message = world.client.chat(world.customer)[-1]
    await world.client.press(world.customer, fake_message, f"c:ok:{draft.key}")
    await world.app.shutdown()

    again = await start_world(tmp_path / "data")
    ticket = again.store.by_number(1)
    assert ticket is not None and ticket.state is State.OFFERED
    await again.app.shutdown()


async def test_not_modified_edits_are_harmless(world: World) -> None:
    await file_complaint(world)
    card = world.client.last(world.staff_group)
    await world.client.share_contact(world.customer, "+8613800000000")
    edits = card.edits
    await world.client.share_contact(world.customer, "+8613800000000")
    assert card.edits == edits, "same text: Telegram says not modified, and that is fine"
