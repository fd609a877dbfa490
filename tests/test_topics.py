"""Topics mode: a forum topic per ticket in the staff group (issue 21)."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import bot
from desk import lifecycle
from desk.models import State
from desk.outgoing import Method
from handlers import topics as handlers_topics
from outbox import topics
from sandbox.fake_telegram import FakeGroup, FakeTelegram, FakeUser, Shown
from schedules import topics as topic_overview
from tests.conftest import CHAIN_TOML, World, file_complaint, start_world
from tests.test_promises import tick

TOPICS_TOML = CHAIN_TOML.replace("staff_chat_id = -1001\n",
                                 "staff_chat_id = -1001\nstaff_topics = true\n", 1)


async def forum_world(data_dir: Path, may_manage: bool = True, toml: str = TOPICS_TOML,
                      telegram=None) -> World:
    w = await start_world(data_dir, toml, telegram=telegram)
    w.telegram.forum(w.staff_group, may_manage=may_manage)
    return w


@pytest.fixture
async def forum(tmp_path: Path) -> AsyncIterator[World]:
    w = await forum_world(tmp_path / "data")
    yield w
    await w.stop()
    assert w.client.errors == [], f"unhandled errors: {w.client.errors!r}"
    assert w.telegram.html_errors == [], "Telegram would have rejected these messages"


def topic_of(w: World, number: int):
    ticket = w.db.by_number(number)
    assert ticket is not None and ticket.topic_id is not None
    return w.telegram.topics[(w.staff_group.id, ticket.topic_id)]


def card_in(w: World, number: int) -> Shown:
    ticket = w.db.by_number(number)
    card = w.telegram.find(w.staff_group.id, ticket.card_message_id)
    assert card is not None
    return card


def in_topic(w: World, number: int) -> list[Shown]:
    return w.telegram.in_topic(w.staff_group.id, topic_of(w, number).thread_id)


async def test_a_ticket_lives_its_whole_life_in_its_topic(forum: World) -> None:
    w, c = forum, forum.client
    number = await file_complaint(w)
    topic = topic_of(w, number)
    assert topic.name == "🆕 #1 张女士 · 电热水壶 漏水"
    card = card_in(w, number)
    assert card.thread_id == topic.thread_id and card.pinned
    assert in_topic(w, number)[0] is card, "the card is the topic's first message"
    assert all(m.thread_id == topic.thread_id for m in c.inbox(w.staff_group)), \
        "nothing about the ticket lands in General"

    # The customer's words and media arrive in the topic.
    await c.send(w.customer, "补充:底部也有裂缝")
    await c.send_photo(w.customer, "裂缝照片")
    arrived = [m for m in in_topic(w, number) if m.from_bot and m is not card]
    assert any("底部也有裂缝" in m.text for m in arrived)
    assert any(m.kind == "photo" and "裂缝照片" in m.text for m in arrived)

    await c.click(w.li, card, "接单")
    assert topic.name == "🔧 #1 张女士 · 电热水壶 漏水", "the name follows the state"

    # Staff write in the topic, no reply needed: text and a photo reach the customer signed.
    await c.send(w.li, "您好,我们下午三点上门更换", group=w.staff_group, thread=topic.thread_id)
    assert c.texts(w.customer)[-1] == "💬 旗舰店·李工:\n您好,我们下午三点上门更换"
    assert c.last(w.staff_group).thread_id == topic.thread_id
    await c.send_photo(w.li, "新的密封圈", group=w.staff_group, thread=topic.thread_id)
    sent = c.last(w.customer)
    assert sent.kind == "photo" and "新的密封圈" in sent.text

    # Internal notes never reach the customer.
    before = len(c.texts(w.customer))
    await c.send(w.li, "// 这位客户上次也很急", group=w.staff_group, thread=topic.thread_id)
    await c.send(w.li, "仓库还有密封圈吗", group=w.staff_group, reply_to=card)
    assert len(c.texts(w.customer)) == before
    notes = [e.detail["text"] for e in w.db.by_number(number).events
             if e.action == "internal_note"]
    assert notes == ["// 这位客户上次也很急", "仓库还有密封圈吗"]

    # The guard holds in the topic too.
    await c.send(w.li, "不能退,这是本店的规定。", group=w.staff_group, thread=topic.thread_id)
    assert len(c.texts(w.customer)) == before
    blocked = c.last(w.staff_group)
    assert blocked.text.startswith("⛔ 未发送:“这是本店的规定”")
    assert blocked.thread_id == topic.thread_id

    # Done through the topic: the report by command; the topic closes.
    await c.click(w.li, card, "已联系客户")
    assert topic.name.startswith("🔧 #1")
    await c.click(w.li, card, "服务完成")
    await c.click(w.li, card, "已圆满解决")
    await c.send(w.li, "/report 已上门更换密封圈,测试不再漏水", group=w.staff_group,
                 thread=topic.thread_id)
    done = w.db.by_number(number)
    assert done.state is State.DONE and done.report == "已上门更换密封圈,测试不再漏水"
    assert topic.closed and topic.name == "✅ #1 张女士 · 电热水壶 漏水"
    assert len(w.telegram.topic_list(w.staff_group.id)) == 1


async def test_note_command_in_the_topic_notes_the_customer(forum: World) -> None:
    w, c = forum, forum.client
    number = await file_complaint(w)
    topic = topic_of(w, number)
    before = len(c.texts(w.customer))
    await c.send(w.li, "/note 喜欢下午六点后来电", group=w.staff_group, thread=topic.thread_id)
    assert [n["text"] for n in w.db.customer(w.customer.id).notes] == ["喜欢下午六点后来电"]
    assert "喜欢下午六点后来电" in card_in(w, number).text
    assert len(c.texts(w.customer)) == before


async def test_a_low_score_reopens_the_topic(forum: World) -> None:
    w, c = forum, forum.client
    number = await file_complaint(w)
    topic = topic_of(w, number)
    card = card_in(w, number)
    await c.click(w.li, card, "接单")
    await c.click(w.li, card, "已联系客户")
    await c.click(w.li, card, "服务完成")
    await c.click(w.li, card, "已圆满解决")
    await c.send(w.li, "/report 已更换", group=w.staff_group, thread=topic.thread_id)
    assert topic.closed
    await tick(w, days=1)
    question = c.last(w.customer)
    await c.click(w.customer, question, "2")
    await c.click(w.customer, question, "解决了一部分")
    assert w.db.by_number(number).state is not State.DONE
    assert not topic.closed and topic.name.startswith("🔧 #1")
    await c.send(w.li, "抱歉,我们再来一次", group=w.staff_group, thread=topic.thread_id)
    assert c.texts(w.customer)[-1].endswith("抱歉,我们再来一次")


async def test_a_topic_deleted_by_hand_is_made_again_with_the_card(forum: World) -> None:
    w, c = forum, forum.client
    number = await file_complaint(w)
    old = topic_of(w, number)
    w.telegram.delete_topic(w.staff_group.id, old.thread_id)
    await c.send(w.customer, "有人在吗?")
    new = topic_of(w, number)
    assert new.thread_id != old.thread_id and not new.deleted
    messages = in_topic(w, number)
    assert messages[0].message_id == w.db.by_number(number).card_message_id
    assert messages[0].pinned and "#1" in messages[0].text
    assert any("有人在吗" in m.text for m in messages[1:])
    assert len(w.telegram.topic_list(w.staff_group.id)) == 1
    await c.send(w.li, "在的,马上联系您", group=w.staff_group, thread=new.thread_id)
    assert c.texts(w.customer)[-1].endswith("在的,马上联系您")


async def test_without_the_right_to_manage_topics_cards_and_replies(tmp_path: Path) -> None:
    w = await forum_world(tmp_path / "data", may_manage=False)
    c = w.client
    try:
        number = await file_complaint(w)
        ticket = w.db.by_number(number)
        assert not ticket.topic and ticket.topic_id is None
        assert w.telegram.topic_list(w.staff_group.id) == []
        card = c.card(w.staff_group, number)
        assert card.thread_id is None
        warning = [m for m in c.inbox(w.staff_group) if "管理话题" in m.text]
        assert len(warning) == 1
        assert w.db.topics_state("hq") == topics.REFUSED
        await c.send(w.li, "您好", group=w.staff_group, reply_to=card)
        assert c.texts(w.customer)[-1].endswith("您好")
        second = await file_complaint(w, "空气净化器有异响", user=w.other_customer)
        assert c.card(w.staff_group, second).thread_id is None
        assert len([m for m in c.inbox(w.staff_group) if "管理话题" in m.text]) == 1
    finally:
        await w.stop()
    assert w.client.errors == []


async def test_two_tickets_of_one_customer_in_two_topics(forum: World) -> None:
    w, c = forum, forum.client
    first = await file_complaint(w)
    t1 = topic_of(w, first)
    card = card_in(w, first)
    await c.click(w.li, card, "接单")
    await c.click(w.li, card, "已联系客户")
    await c.click(w.li, card, "服务完成")
    await c.click(w.li, card, "已圆满解决")
    await c.send(w.li, "/report 已更换", group=w.staff_group, thread=t1.thread_id)
    w.db.archive(w.db.by_number(first).key)
    second = await file_complaint(w, "空气净化器有异响,我要退货")
    t2 = topic_of(w, second)
    assert t2.thread_id != t1.thread_id
    assert t2.name.startswith("🆕 #2 张女士 · 空气净化器")
    link = next(m for m in in_topic(w, second) if "#1" in m.text and m.from_bot
                and m.message_id != w.db.by_number(second).card_message_id)
    assert topics.link(w.staff_group.id, t1.thread_id) in link.html
    await c.send(w.li, "您好,空气净化器的问题我们来处理", group=w.staff_group,
                 thread=t2.thread_id)
    said = [e for e in w.db.by_number(second).events if e.action == "said"]
    assert len(said) == 1


async def test_switching_modes_keeps_open_tickets_working(tmp_path: Path) -> None:
    """A card ticket stays a card after the group becomes a forum; topic tickets keep their
    topics after topics are switched off."""
    w = await start_world(tmp_path / "data")
    c = w.client
    number = await file_complaint(w)
    card = c.card(w.staff_group, number)
    await w.stop()
    telegram = w.telegram
    w = await forum_world(tmp_path / "data", telegram=telegram)
    c = w.client
    try:
        second = await file_complaint(w, "空气净化器有异响", user=w.other_customer)
        assert topic_of(w, second).name.startswith("🆕 #2")
        assert w.db.by_number(number).topic_id is None
        old_card = w.telegram.find(w.staff_group.id, card.message_id)
        await c.send(w.li, "您好,旧单", group=w.staff_group, reply_to=old_card)
        assert c.texts(w.customer)[-1].endswith("您好,旧单")
    finally:
        await w.stop()
    w = await start_world(tmp_path / "data",
                          TOPICS_TOML.replace("staff_topics = true", "staff_topics = false"),
                          telegram=telegram)
    w.telegram.forum(w.staff_group)
    c = w.client
    try:
        t2 = topic_of(w, second)
        await c.send(w.li, "您好,新单", group=w.staff_group, thread=t2.thread_id)
        assert c.texts(w.other_customer)[-1].endswith("您好,新单")
        third = await file_complaint(w, "空气净化器坏了", user=FakeUser(1003, "陈", "先生"))
        assert w.db.by_number(third).topic_id is None
    finally:
        await w.stop()


async def test_general_gets_the_days_overview_instead_of_cards(forum: World) -> None:
    w, c = forum, forum.client
    first = await file_complaint(w)
    await file_complaint(w, "空气净化器有异响", user=w.other_customer)
    general = [m for m in c.inbox(w.staff_group) if m.thread_id is None]
    assert general == [], "no cards in General"
    (job,) = w.app.job_queue.get_jobs_by_name(topic_overview.JOB_NAME)
    await job.run(w.app)
    await job.run(w.app)
    await c.settle()
    general = [m for m in c.inbox(w.staff_group) if m.thread_id is None]
    assert len(general) == 1, "once a day"
    overview = general[0]
    assert overview.text.startswith("📋 旗舰店 ")
    assert "未结 2 单 · 今日到期 2 单 · 已逾期 0 单" in overview.text
    assert topics.link(w.staff_group.id, topic_of(w, first).thread_id) in overview.html


@pytest.mark.parametrize(("may_manage", "expected"), [
    (False, "✗ hq: staff group -1001: the bot may manage topics\n    → the right “Manage topics” "
            "is missing"),
    (True, "✓ hq: staff group -1001: topics mode, the bot may manage topics"),
])
def test_check_says_which_right_topics_mode_misses(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture,
        may_manage: bool, expected: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CHAIN_TOML.format(data_dir=(tmp_path / "data").as_posix()),
                      encoding="utf-8")
    monkeypatch.setenv(bot.TOKEN_ENV, "123456:SECRET-TOKEN-abcdefghijklmnopqrstuv")
    telegram = FakeTelegram()
    telegram.forum(FakeGroup(-1001, "旗舰店员工群"), may_manage=may_manage)
    assert bot.check(argparse.Namespace(config=str(config)), request=telegram) == (
        0 if may_manage else 1)
    out = capsys.readouterr().out
    assert expected in out
    assert "east: staff group -1002: topics" not in out, "a plain group: cards, no row"


async def test_the_bot_learns_a_forum_from_the_group_and_falls_back_without_the_right(
        tmp_path: Path) -> None:
    """No staff_topics in the config: a forum group (seen in an update) gets topics; at
    start-up without the right to manage them, the store stays with cards."""
    w = await start_world(tmp_path / "data")
    try:
        w.telegram.forum(w.staff_group)
        await w.client.send(w.li, "/help", group=w.staff_group)
        assert w.db.topics_state("hq") == topics.FORUM
        number = await file_complaint(w)
        assert topic_of(w, number).name.startswith("🆕 #1")
        w.telegram.topic_rights[w.staff_group.id] = False
        await handlers_topics.detect_groups(w.app)
        assert w.db.topics_state("hq") == topics.REFUSED
        second = await file_complaint(w, "空气净化器有异响", user=w.other_customer)
        assert w.db.by_number(second).topic_id is None
        assert w.client.card(w.staff_group, second).thread_id is None
    finally:
        await w.stop()


async def test_renames_coalesce_like_card_edits(forum: World) -> None:
    """Two state changes before the rename went out: one rename, with the newest name."""
    w = forum
    number = await file_complaint(w)
    topic = topic_of(w, number)
    await w.outbox.stop()  # the sender is away: what is queued stays queued
    for step in (lambda tk, now: lifecycle.claim(tk, 201, "李工", now),
                 lambda tk, now: lifecycle.escalate(tk, 201, False, now)):
        with w.outbox.transaction() as tx:
            ticket = tx.ticket_by_number(number)
            step(ticket, w.clock())
            tx.save(ticket)
            w.outbox.card(tx, ticket)
    renames = [e for e in w.db.outgoing() if e.method is Method.RENAME]
    assert [e.text for e in renames] == ["🆘 #1 张女士 · 电热水壶 漏水"]
    w.outbox.start()
    await w.client.settle()
    assert topic.name == "🆘 #1 张女士 · 电热水壶 漏水" and topic.renames == 1
    assert len(w.telegram.sent("editForumTopic")) == 1
