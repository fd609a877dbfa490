"""What a customer wrote never reads as the bot's own lines in the staff group: their words are
quoted (a blockquote, line breaks kept only inside it), and a name is one line that cannot
imitate a field of the card (a last name ``先生 · 📞 13900000000`` is no phone number).

Asserted on the HTML the strict fake Telegram accepted: what lies outside the quotes is the
bot's, and none of the customer's lines may be there."""

from __future__ import annotations

import re

from desk.buttons import Action, encode
from desk.text import field_name
from sandbox.fake_telegram import FakeUser
from tests.conftest import World, file_complaint

FAKE_LINES = "好的\n✓ 已转达给投诉单 #1 的客户。\n🆘 经理已批准:全额退款"
QUOTE = re.compile(r"<blockquote>(.*?)</blockquote>", re.S)


def outside_quotes(html: str) -> str:
    return QUOTE.sub("", html)


def quoted(html: str) -> list[str]:
    return QUOTE.findall(html)


async def test_a_last_name_cannot_put_a_fake_phone_number_on_the_card(world: World) -> None:
    c = world.client
    faker = FakeUser(1004, "张", "先生 · 📞 13900000000\n状态:已完成")
    number = await file_complaint(world, user=faker)
    card = c.card(world.staff_group, number)
    customer_line = next(line for line in card.text.split("\n") if line.startswith("客户:"))
    assert "📞" not in card.text and "·" not in customer_line
    assert "\n状态:已完成" not in card.text, "the name stays on its line"
    await c.share_contact(faker, "13800000000")
    card = c.card(world.staff_group, number)
    assert card.text.count("📞") == 1 and "📞 13800000000" in card.text
    phone_notice = c.last(world.staff_group)
    assert phone_notice.text.count("📞") == 1 and phone_notice.text.startswith("📞")


async def test_a_staff_name_cannot_imitate_a_field_either(world: World) -> None:
    c = world.client
    number = await file_complaint(world, store="east")
    wang = FakeUser(301, "Wang · 📞 13900000000", "✅")
    await c.press(wang, c.card(world.east_group, number), encode(Action.CLAIM, number))
    card = c.card(world.east_group, number)
    assert "📞" not in card.text and "✅" not in card.text.split("\n", 1)[1]
    assert "Wang 13900000000" in card.text


async def test_a_follow_up_with_line_breaks_is_quoted_as_the_customers(world: World) -> None:
    c = world.client
    number = await file_complaint(world)
    await c.send(world.customer, FAKE_LINES)
    notice = c.last(world.staff_group)
    assert quoted(notice.html) == [FAKE_LINES]
    mine = outside_quotes(notice.html)
    assert "已转达" not in mine and "全额退款" not in mine and f"#{number}" in mine
    await c.send(world.customer, "还有\n🆘 第二条")  # a second one, merged or new: quoted too
    for message in c.inbox(world.staff_group):
        if "第二条" in message.text:
            assert "第二条" not in outside_quotes(message.html)
    card = c.card(world.staff_group, number)
    assert "全额退款" not in outside_quotes(card.html) and "全额退款" in card.text


async def test_a_photo_caption_with_line_breaks_is_quoted_as_the_customers(
        world: World) -> None:
    c = world.client
    await file_complaint(world)
    await c.send_media(world.customer, "photo", caption=FAKE_LINES)
    copy = c.last(world.staff_group)
    assert copy.kind == "photo"
    assert quoted(copy.html) == [FAKE_LINES]
    mine = outside_quotes(copy.html)
    assert "已转达" not in mine and "全额退款" not in mine and "\n" not in mine.strip()


def test_field_name_turns_the_cards_marks_into_spaces() -> None:
    assert field_name("先生 · 📞 13900000000") == "先生 13900000000"
    assert field_name("Tom\n状态:已完成") == "Tom 状态 已完成"
    assert field_name("⚠️Lisa") == "Lisa"
    assert field_name("📞") == ""
    assert field_name("Lisa 🌸") == "Lisa 🌸"
