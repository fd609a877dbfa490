"""A caption longer than Telegram's 1,024 characters (Premium users may write 4,096): the media
goes with as much as fits, the rest follows as text, and nothing is cut silently."""

from __future__ import annotations

from desk.buttons import Action
from desk.outgoing import Method
from outbox.split import CAPTION_LIMIT, utf16_len
from tests.conftest import World, file_complaint


def lines(prefix: str, count: int) -> str:
    return "\n".join(f"{prefix}第{i}行:底座接口处有水渍,更换后请再观察三天。" for i in range(count))


async def claimed(world: World) -> int:
    number = await file_complaint(world)
    await world.client.press_action(world.li, world.client.card(world.staff_group, number), Action.ACCEPT)
    return number


async def test_a_staff_caption_over_1024_characters_reaches_the_customer_whole(
        world: World) -> None:
    c = world.client
    number = await claimed(world)
    caption = lines("", 90)  # about 2,500 characters
    assert CAPTION_LIMIT < len(caption) < 4096
    before = len(c.inbox(world.customer))
    await c.send_media(world.li, "photo", caption=caption, group=world.staff_group,
                       reply_to=c.card(world.staff_group, number))
    got = c.inbox(world.customer)[before:]
    assert len(got) >= 2 and got[0].kind == "photo" and all(m.kind == "text" for m in got[1:])
    assert utf16_len(got[0].text) <= CAPTION_LIMIT
    shown = "\n".join(m.text for m in got)
    assert shown == "💬 旗舰店·李工:\n" + caption
    assert "…" not in shown
    assert c.last(world.staff_group).text == f"✓ 已转达给投诉单 #{number} 的客户。"


async def test_a_customers_long_caption_reaches_the_group_whole(world: World) -> None:
    c = world.client
    number = await claimed(world)
    caption = lines("顾客", 60)
    before = len(c.inbox(world.staff_group))
    await c.send_media(world.customer, "photo", caption=caption)
    got = [m for m in c.inbox(world.staff_group)[before:] if f"#{number}" in m.text
           or m.kind == "text"]
    assert got[0].kind == "photo"
    shown = "\n".join(m.text for m in got)
    assert caption in shown and "…" not in shown
    card = c.card(world.staff_group, number)
    assert all(m.reply_to == card.message_id for m in got)


async def test_the_rest_of_a_caption_keeps_the_buttons_and_the_order(world: World) -> None:
    number = await claimed(world)
    ticket = world.db.by_number(number)
    with world.outbox.transaction() as tx:
        world.outbox.send(tx, world.customer.id, lines("x", 80), kind="relay", ticket=ticket,
                          method=Method.COPY, source=(world.customer.id, 1),
                          markup={"inline_keyboard": [[{"text": "ok", "callback_data": "x"}]]})
        queued = sorted((e for e in tx.outgoings() if e.kind == "relay"), key=lambda e: e.seq)
    assert queued[0].method is Method.COPY and utf16_len(queued[0].text) <= CAPTION_LIMIT
    assert all(e.method is Method.SEND for e in queued[1:])
    assert queued[0].markup is None and queued[-1].markup is not None
