"""Hostile input: what a user types or is called never breaks the desk or its HTML."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desk.buttons import Action
from desk.models import Outcome
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
    # A right-to-left name needs no control to be written, but the phone number after it on
    # the card would join its run and be drawn on its left: the name is isolated there.
    arabic = FakeUser(1004, "محمد")
    number = await file_complaint(world, user=arabic)
    await world.client.share_contact(arabic, "+8613800000000")
    card = world.client.card(world.staff_group, number)
    assert "客户:\u2068محمد\u2069 · 📞 +8613800000000" in card.text


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
    await c.send(world.li, "/help")
    assert c.texts(world.li)[-1] == c.texts(world.li)[-2], "/help in private says the same"
    await c.send(world.li, "/help", group=world.staff_group)
    assert c.last(world.staff_group).text.startswith("本群的用法:旗舰店的每张投诉单")


async def test_an_unreadable_ticket_is_set_aside_and_the_rest_works(tmp_path, caplog) -> None:
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
    kept = json.loads(hot.read_text(encoding="utf-8"))["tickets"]
    assert bad in kept.values(), "kept exactly as it was, through every write since"
    assert f"ticket {bad['key']} cannot be read and is set aside" in caplog.text, "logged"


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
    assert c.texts(world.customer)[-1] == f"已补充到您的投诉单 #{number}。", "no technician sees it"
    assert world.db.by_number(number).followups, "the follow-up is kept on the ticket"
    await c.send(world.manager, "/start")
    await c.send(world.manager, "/digest")
    digest = next(t for t in c.texts(world.manager) if t.startswith("📊"))
    assert f"⚠️ 门店“east”已不在配置中;其未结投诉单原地保留:#{number}" in digest
    await world.stop()


async def test_names_with_html_characters_never_break_a_message(tmp_path) -> None:
    """Names from Telegram and the config land in HTML messages: every one is escaped, or
    Telegram would refuse the whole message (the fake parses HTML as strictly)."""
    from sandbox.fake_telegram import FakeUser
    from schedules.deadlines import JOB_NAME as DEADLINES
    from tests.conftest import CHAIN_TOML, START, start_world

    toml = (CHAIN_TOML.replace('name = "旗舰店"', 'name = "A&B <旗舰> 店"')
            .replace('name = "李工"', 'name = "李<工> & Co"'))
    world = await start_world(tmp_path / "data", toml)
    c = world.client
    tom = FakeUser(1005, "Tom <3", "</b>&amp;", language_code="en")
    face = FakeUser(500, "(>_<)")
    await c.bot_joins(world.staff_group, by=world.li)
    await c.send(face, "/start")
    number = await file_complaint(world, "电热水壶 <坏了> & 漏水,我要换货", user=tom)
    card = c.card(world.staff_group, number)
    assert "A&B <旗舰> 店" in c.texts(tom)[-2] or any("A&B <旗舰> 店" in t for t in c.texts(tom))
    assert "Tom <3 </b>&amp;" in card.text
    await c.press_action(world.li, card, Action.ACCEPT)
    assert any("李<工> & Co" in t for t in c.texts(tom))
    await c.press_action(world.li, card, Action.TIER, "regular")  # a regular: welcomed back by name
    await c.send(tom, "/start s_hq")
    assert "Tom <3" in c.texts(tom)[-1]
    await c.send(world.li, "您好 <Tom>", group=world.staff_group, reply_to=card)
    assert c.texts(tom)[-1].endswith("您好 <Tom>")
    await c.press_action(world.li, card, Action.NO_ANSWER)
    await c.press_action(world.li, card, Action.ESCALATE)
    alert = next(m for m in c.inbox(face) if f"#{number}" in m.text)
    await c.press(face, alert, alert.buttons[-1][0]["callback_data"])
    world.clock.set(START.replace(hour=13))
    for job in world.app.job_queue.get_jobs_by_name(DEADLINES):
        await job.run(world.app)
    await c.settle()
    await c.send(face, "/served 120")
    await c.send(face, "/digest")
    await c.send(face, "/export")
    await c.send(face, "/greetings preview")
    await c.send(tom, "/mytickets")
    await c.send(face, "/help")
    await c.bot_removed(world.staff_group, by=world.li)
    assert world.telegram.html_errors == []
    assert c.errors == []
    await world.stop()


# Names and texts as a hostile (or just unusual) user would bring them.
HOSTILE_PIECES = ["<", ">", "&", "&amp;", "<b>", "</i>", "<a href='x'>", "\u202e", "\u2066",
                  "\u200b", "\u200d", "\ufeff", "\u2800", "👨‍👩‍👧", "❤️", "🏴󠁧󠁢󠁥󠁮󠁧󠁿", "=HYPERLINK(\"x\")",
                  "+1", "@x", "Tom", "张", "女士", "\n", " ", "é", "ﷺ", "עברית"]
HOSTILE = st.lists(st.sampled_from(HOSTILE_PIECES), min_size=1, max_size=8).map("".join)
HOSTILE_TEXT = st.one_of(
    HOSTILE.map(lambda s: "电热水壶漏水,我要退款 " + s),
    st.just("<漏水> & " * 600),  # long: past 4,096 characters with the quote and the card
    st.lists(st.sampled_from([*HOSTILE_PIECES, "漏水", "退款"]), min_size=1,
             max_size=40).map(lambda parts: "".join(parts) + " 我要换货"),
)


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=HOSTILE, text=HOSTILE_TEXT, reply=HOSTILE_TEXT)
def test_hostile_names_and_texts_pass_intake_card_relay_digest_and_export(
        name: str, text: str, reply: str) -> None:
    asyncio.run(_hostile_round(name, text, reply))


async def _hostile_round(name: str, text: str, reply: str) -> None:
    import csv
    import io
    import tempfile
    from pathlib import Path

    from sandbox.fake_telegram import FakeUser
    from tests.conftest import start_world

    with tempfile.TemporaryDirectory() as folder:
        world = await start_world(Path(folder) / "data")
        c = world.client
        user = FakeUser(1009, name, name[::-1], language_code="en")
        await c.send(world.manager, "/start")
        await c.send(user, "/start s_hq")
        await c.send(user, text)
        question = c.last(user)
        if any(b["callback_data"].startswith("c:want:") for row in question.buttons
               for b in row):
            await c.press(user, question, question.buttons[0][0]["callback_data"])
        restatement = c.last(user)
        if Action.CONFIRM in restatement.actions:
            await c.press_action(user, restatement, Action.CONFIRM)
        number = world.db.last_number()
        if number:
            card = c.card(world.staff_group, number)
            await c.press_action(world.li, card, Action.ACCEPT)
            await c.send(world.li, reply, group=world.staff_group, reply_to=card)
            await c.send(user, reply)
        await c.send(world.manager, "/digest")
        await c.send(world.manager, "/export")
        exports = [m for m in c.inbox(world.manager) if m.document]
        if exports:
            rows = list(csv.reader(io.StringIO(exports[-1].document.decode("utf-8-sig"))))
            for row in rows[1:]:
                assert not any(cell.startswith(("=", "+", "@", "-")) and not
                               cell.lstrip("+-").replace(".", "").isdigit() for cell in row)
        assert world.telegram.html_errors == [], world.telegram.html_errors[:1]
        assert c.errors == [], c.errors
        await world.stop()


async def test_a_chatty_customer_keeps_the_hot_file_small_and_loses_no_word(
        world: World) -> None:
    import csv
    import io

    c = world.client
    number = await file_complaint(world)
    long = "很长的补充说明。" * 500  # 4,000 characters
    for i in range(40):
        await c.send(world.customer, f"{i}:{long}", settle=False)
    await c.settle()
    ticket = world.db.by_number(number)
    assert len(ticket.followups) == 20 and all(len(f["text"]) <= 500 for f in ticket.followups)
    size = (world.db.data_dir / "desk.json").stat().st_size
    assert size < 100_000, size
    await c.send(world.manager, "/start")
    await c.send(world.manager, "/export")
    export = next(m for m in c.inbox(world.manager) if m.document)
    csv.field_size_limit(1_000_000)  # 40 x 4,000 characters in one cell
    row = next(iter(csv.DictReader(io.StringIO(export.document.decode("utf-8-sig")))))
    assert row["conversation"].count(long) == 40, "every word is in the export"
    notices = [m for m in c.inbox(world.staff_group) if m.text.startswith("💬")]
    assert len(notices) < 40, "messages in quick succession make one notice"


async def test_drafts_nobody_confirmed_are_dropped_after_seven_days(world: World) -> None:
    from schedules.drafts import JOB_NAME as DRAFTS

    c = world.client
    await c.send(world.customer, "/start s_hq")
    await c.send(world.customer, "电热水壶漏水,我要退款")
    assert world.db.draft_for(world.customer.id) is not None
    for days, left in ((6, True), (2, False)):
        world.clock.advance(days=days)
        for job in world.app.job_queue.get_jobs_by_name(DRAFTS):
            await job.run(world.app)
        assert (world.db.draft_for(world.customer.id) is not None) is left


@pytest.mark.parametrize("command", [
    "/digest hq 0001-01-01", "/digest hq 9999-12-31", "/export 0001-01-02 9999-12-31",
    "/export 9999-12-31", "/served 10 hq 0001-01-01", "/digest hq 2026-02-30",
])
async def test_absurd_dates_get_a_polite_answer(world: World, command: str) -> None:
    c = world.client
    await c.send(world.manager, "/start")
    before = len(c.texts(world.manager))
    await c.send(world.manager, command)
    assert len(c.texts(world.manager)) == before + 1
    assert c.errors == []


async def test_an_invisible_service_report_or_note_is_refused(world: World) -> None:
    from desk.models import State

    c = world.client
    number = await file_complaint(world)
    card = c.card(world.staff_group, number)
    await c.press_action(world.li, card, Action.NOTE)
    await c.send(world.li, "\u200b\u2060 \ufeff", group=world.staff_group,
                 reply_to=c.last(world.staff_group))
    assert c.last(world.staff_group).text.startswith("请用一句话回复")
    assert world.db.customer(world.customer.id).notes == []
    for action, *args in ((Action.ACCEPT,), (Action.CONTACTED,), (Action.SERVICE_DONE,),
                          (Action.OUTCOME, Outcome.SOLVED)):
        await c.press_action(world.li, card, action, *args)
    await c.send(world.li, "\u200b\u200d", group=world.staff_group,
                 reply_to=c.last(world.staff_group))
    assert c.last(world.staff_group).text.startswith("请用一句话回复")
    assert world.db.by_number(number).state is State.CONTACTED


async def test_every_folder_and_file_of_the_data_folder_is_private_whatever_the_umask(
        tmp_path) -> None:
    import os
    import stat

    from tests.conftest import start_world

    old = os.umask(0)  # the most permissive: every mode bit the code does not set is granted
    try:
        world = await start_world(tmp_path / "data")
        c = world.client
        await c.send(world.manager, "/start")
        number = await file_complaint(world)
        await c.send(world.customer, "补充:底座也烫")
        await c.send_photo(world.customer, caption="照片")
        await c.share_contact(world.customer, "+8613800000000")
        await c.send(world.manager, "/digest")
        await c.send(world.manager, "/export")
        world.db.archive(world.db.by_number(number).key)
        await world.stop()
    finally:
        os.umask(old)
    found = {path.relative_to(tmp_path / "data").as_posix(): stat.S_IMODE(path.stat().st_mode)
             for path in [tmp_path / "data", *(tmp_path / "data").rglob("*")]}
    assert any(p.startswith("archive") for p in found) and "desk.json" in found, found
    loose = {p: oct(mode) for p, mode in found.items()
             if mode != (0o700 if (tmp_path / "data" / p).is_dir() else 0o600)}
    assert loose == {}, loose
