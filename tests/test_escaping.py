"""Every name and text that a user or the config supplies is escaped in each HTML message.

The world here names everything with HTML's special characters: both stores, both technicians,
the manager, the customer, a product, a forbidden phrase, a greeting day. The fake Telegram
parses parse_mode=HTML as strictly as the Bot API and refuses broken markup with its 400; the
``hostile`` fixture fails a test whose conversation had any message refused. Each test walks
one place where such a string meets HTML, so removing that place's escape fails its test.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desk.buttons import Action
from desk.models import Customer, Outcome
from outbox.campaigns import TASKS_KEY
from sandbox.fake_telegram import FakeUser, Shown
from schedules.callbacks import JOB_NAME as CALLBACKS
from schedules.deadlines import JOB_NAME as DEADLINES
from schedules.digest import JOB_NAME as DIGESTS
from schedules.greetings import JOB_NAME as GREETINGS
from tests.conftest import CHAIN_TOML, World, file_complaint, start_world

HQ = "A&B <旗舰> 店"
EAST = "<东区> & 店"
LI = "李<工> & Co"
WANG = "王</b>工"
PRODUCT = "<Kettle> & Co"
PHRASE = "<爱买不买>"
SUGGESTION = "请说明<我们>&能做什么"
OCCASION = "<店庆> & 周年"

HOSTILE_TOML = (
    CHAIN_TOML
    .replace('name = "旗舰店"\n', f'name = "{HQ}"\n'
             f'guard = {{{{ phrases = [{{{{ phrase = "{PHRASE}", suggestion = "{SUGGESTION}" }}}}] }}}}\n'
             f'greetings = {{{{ custom = [{{{{ date = "11-28", name = "{OCCASION}" }}}}] }}}}\n')
    .replace('name = "东区店"', f'name = "{EAST}"\ngreetings = {{{{ enabled = false }}}}')
    .replace('name = "李工"', f'name = "{LI}"')
    .replace('name = "王工"', f'name = "{WANG}"')
    .replace('products = ["电热水壶", "空气净化器"]', f'products = ["电热水壶", "{PRODUCT}"]')
    .replace("managers = [501]", "managers = [501, 500]")  # Zhao runs both: the chain summary
)


def at(hour: int, minute: int = 0, day: int = 23) -> datetime:
    """A Shanghai wall-clock time in November 2026, as UTC."""
    return datetime(2026, 11, day, hour - 8, minute, tzinfo=UTC)


@pytest.fixture
async def hostile(tmp_path: Path) -> AsyncIterator[World]:
    w = await start_world(tmp_path / "data", HOSTILE_TOML)
    w = replace(w, customer=FakeUser(1001, "Tom <3", "(>_<) &amp;"),
                manager=FakeUser(500, "赵<经理> &"))
    await w.client.send(w.manager, "/start")
    yield w
    await w.stop()
    assert w.client.errors == [], f"unhandled errors: {w.client.errors!r}"
    assert w.telegram.html_errors == [], w.telegram.html_errors[:1]


async def run(world: World, *jobs: str) -> None:
    for name in jobs:
        for job in world.app.job_queue.get_jobs_by_name(name):
            await job.run(world.app)
    await world.client.settle()


async def finish_service(world: World, number: int, report: str = "<换了> & 密封圈") -> None:
    c = world.client
    card = c.card(world.staff_group, number)
    for action, *args in ((Action.ACCEPT,), (Action.CONTACTED,), (Action.SERVICE_DONE,),
                          (Action.OUTCOME, Outcome.SOLVED)):
        await c.press_action(world.li, card, action, *args)
    await c.send(world.li, report, group=world.staff_group, reply_to=c.last(world.staff_group))


async def callback_asked(world: World) -> tuple[int, Shown]:
    """A complaint served and reported; next morning the satisfaction callback asks."""
    number = await file_complaint(world, user=world.customer)
    await finish_service(world, number)
    world.clock.set(at(10, 0, day=24))
    await run(world, DEADLINES, CALLBACKS)
    return number, world.client.last(world.customer)


def texts(world: World, chat: object, needle: str) -> list[str]:
    return [t for t in world.client.texts(chat) if needle in t]


async def test_the_store_a_customer_picks_from_the_list(hostile: World) -> None:
    c = hostile.client
    await c.send(hostile.customer, "/start")
    choice = c.last(hostile.customer)
    await c.press_action(hostile.customer, choice, Action.STORE, "hq")
    assert choice.text == f"门店:{HQ}"
    assert c.texts(hostile.customer)[-1].startswith(f"您好!我是{HQ}的客服助手")


async def test_a_product_in_the_restatement_and_on_the_card(hostile: World) -> None:
    number = await file_complaint(hostile, f"{PRODUCT} 漏水了,我要退款", user=hostile.customer)
    assert texts(hostile, hostile.customer, f"您反映的是{PRODUCT}的问题")
    assert f"产品/订单:{PRODUCT}" in hostile.client.card(hostile.staff_group, number).text


async def test_follow_ups_and_a_shared_phone_number(hostile: World) -> None:
    c = hostile.client
    number = await file_complaint(hostile, user=hostile.customer)
    await c.send(hostile.customer, "补充:<底座> & 插头也烫")
    notice = c.last(hostile.staff_group)
    assert "Tom <3 (>_<) &amp;" in notice.text and "<底座> & 插头也烫" in notice.text
    assert "<底座> & 插头也烫" in c.card(hostile.staff_group, number).text
    phone = "+86 138<0000>&1"  # Telegram sends digits; whatever comes is escaped
    await c.share_contact(hostile.customer, phone)
    assert texts(hostile, hostile.customer, phone), "the thanks names the number"
    assert phone in c.last(hostile.staff_group).text
    assert f"📞 {phone}" in c.card(hostile.staff_group, number).text


async def test_a_customer_photo_with_a_caption_under_the_card(hostile: World) -> None:
    c = hostile.client
    number = await file_complaint(hostile, user=hostile.customer)
    await c.press_action(hostile.li, c.card(hostile.staff_group, number), Action.ACCEPT)
    await c.send_media(hostile.customer, "photo", caption="<底部> & 漏水")
    copy = c.last(hostile.staff_group)
    assert "Tom <3" in copy.text and "<底部> & 漏水" in copy.text


async def test_the_store_only_signature(tmp_path: Path) -> None:
    toml = HOSTILE_TOML.replace(f'name = "{HQ}"\n', f'name = "{HQ}"\nrelay_signature = "store"\n')
    world = await start_world(tmp_path / "data", toml)
    c = world.client
    number = await file_complaint(world)
    await c.press_action(world.li, c.card(world.staff_group, number), Action.ACCEPT)
    await c.send(world.li, "您好", group=world.staff_group,
                 reply_to=c.card(world.staff_group, number))
    assert c.texts(world.customer)[-1] == f"💬 {HQ}:\n您好"
    await world.stop()
    assert world.telegram.html_errors == [], world.telegram.html_errors[:1]


async def test_a_forbidden_phrase_and_its_suggestion(hostile: World) -> None:
    c = hostile.client
    number = await file_complaint(hostile, user=hostile.customer)
    card = c.card(hostile.staff_group, number)
    await c.press_action(hostile.li, card, Action.ACCEPT)
    await c.send(hostile.li, "爱买不买", group=hostile.staff_group, reply_to=card)
    refusal = c.last(hostile.staff_group).text
    assert PHRASE in refusal and SUGGESTION in refusal
    assert not texts(hostile, hostile.customer, "爱买不买")


async def test_a_note_on_the_customer(hostile: World) -> None:
    c = hostile.client
    number = await file_complaint(hostile, user=hostile.customer)
    card = c.card(hostile.staff_group, number)
    await c.press_action(hostile.li, card, Action.NOTE)
    await c.send(hostile.li, "<三楼> & 下午联系", group=hostile.staff_group,
                 reply_to=c.last(hostile.staff_group))
    assert "📝 备注:<三楼> & 下午联系" in card.text


async def test_the_hand_over_by_a_manager(hostile: World) -> None:
    c = hostile.client
    await c.send(hostile.wang, "/start")
    number = await file_complaint(hostile, user=hostile.customer)
    await c.press_action(hostile.li, c.card(hostile.staff_group, number), Action.ESCALATE)
    alert = c.last(hostile.manager)
    assert alert.text.startswith(f"🆘 {HQ}:投诉单 #{number}")
    await c.press_action(hostile.manager, alert, Action.PICK_TECHNICIAN)
    await c.press_action(hostile.manager, alert, Action.ASSIGN, 202)
    assert alert.text == f"已完成:投诉单 #{number} 已交给 {WANG}。"
    assert c.last(hostile.wang).text == f"{HQ}的投诉单 #{number} 现在由您负责,请到员工群查看卡片。"
    assert c.texts(hostile.customer)[-1] == f"技术人员{WANG}已负责处理您的投诉单 #{number},会在今天 16:45 前与您联系。"


async def test_the_breach_and_reply_alerts(hostile: World) -> None:
    c = hostile.client
    first = await file_complaint(hostile, user=hostile.customer)
    await c.press_action(hostile.li, c.card(hostile.staff_group, first), Action.ACCEPT)
    second = await file_complaint(hostile, "空气净化器有异味,我要退货", user=hostile.other_customer)
    await c.press_action(hostile.manager, c.card(hostile.staff_group, second), Action.ESCALATE)
    await c.press_action(hostile.manager, c.last(hostile.manager), Action.REPLY_BY, "today")
    hostile.clock.set(at(16, 52))
    await run(hostile, DEADLINES)
    assert texts(hostile, hostile.manager, f"⚠️ {HQ}:投诉单 #{first} 未能在期限")
    assert texts(hostile, hostile.customer, f"{HQ}的技术人员将")
    hostile.clock.set(at(20, 0))
    await run(hostile, DEADLINES)
    assert texts(hostile, hostile.manager, f"⏰ {HQ}:投诉单 #{second} 已向客户承诺")
    hostile.clock.set(at(21, 0))
    await run(hostile, DEADLINES)
    assert texts(hostile, hostile.manager, f"⚠️ {HQ}:投诉单 #{second} 已超过")


async def test_the_callback_the_feedback_record_and_a_reopened_ticket(hostile: World) -> None:
    c = hostile.client
    number, question = await callback_asked(hostile)
    assert "服务报告:<换了> & 密封圈" in c.card(hostile.staff_group, number).text
    assert question.text.startswith(f"您好!这里是{HQ},回访您的投诉单 #{number}。")
    await c.press_action(hostile.customer, question, Action.SURVEY_OVERALL, 2)
    await c.press_action(hostile.customer, question, Action.SURVEY_SOLVED, "partly")
    reopened = c.last(hostile.manager).text
    assert reopened.startswith(f"🔁 {HQ}:客户不满意,投诉单 #{number} 已重新打开。")
    assert f"门店:{HQ} · 客户:Tom <3 (>_<) &amp;" in reopened
    assert f"技术人员:{LI}" in reopened and "服务报告:<换了> & 密封圈" in reopened


async def test_the_customers_comment_in_the_feedback_record(hostile: World) -> None:
    c = hostile.client
    _number, question = await callback_asked(hostile)
    await c.press_action(hostile.customer, question, Action.SURVEY_OVERALL, 5)
    await c.press_action(hostile.customer, question, Action.SURVEY_SOLVED, "fully")
    for _driver in range(5):
        await c.press_action(hostile.customer, question, Action.SURVEY_DRIVER, 5)
    await c.send(hostile.customer, "<师傅> & 很专业")
    assert c.last(hostile.manager).text.endswith("客户意见:“<师傅> & 很专业”")


async def test_the_callback_reminder(hostile: World) -> None:
    c = hostile.client
    await callback_asked(hostile)
    hostile.clock.set(at(10, 0, day=25))
    await run(hostile, DEADLINES, CALLBACKS)
    assert c.last(hostile.customer).text.startswith(f"{HQ}温馨提醒")


async def test_a_technicians_start_and_the_groups_help(hostile: World) -> None:
    c = hostile.client
    await c.send(hostile.li, "/start")
    assert c.last(hostile.li).text.startswith(f"{LI},您好!您是{HQ}的技术人员。")
    await c.send(hostile.li, "/help", group=hostile.staff_group)
    assert HQ in c.last(hostile.staff_group).text
    await c.send(hostile.li, "/mytickets", group=hostile.staff_group)
    assert c.last(hostile.staff_group).text.startswith(f"这是{HQ}的员工群")


async def test_the_digest_a_recurring_issue_and_the_chain_summary(hostile: World) -> None:
    c = hostile.client
    for user_id in (1101, 1102, 1103):
        await file_complaint(hostile, f"{PRODUCT} 漏水了,我要换货",
                             user=FakeUser(user_id, f"<客户{user_id}>"))
    hostile.clock.set(at(21, 30))
    await run(hostile, DIGESTS)
    digest = next(t for t in c.texts(hostile.manager) if t.startswith(f"📊 {HQ}"))
    assert f"· {PRODUCT} ×3" in digest
    assert any(t.startswith(f"📊 {EAST}") for t in c.texts(hostile.manager))
    summary = next(t for t in c.texts(hostile.manager) if t.startswith("🏬"))
    assert f"{HQ}:新投诉单 3" in summary and f"{EAST}:新投诉单 0" in summary


async def test_holiday_greetings_their_preview_and_the_managers_reports(hostile: World) -> None:
    c = hostile.client
    for user_id in (3001, 3003, 3004):  # three: the managers hear of the progress
        hostile.db.save_customer(Customer(user_id=user_id, name="<王先生> &", store_id="hq",
                                          tier="regular", telegram_language="zh-hans"
                                          if user_id != 3004 else "en"))
    await file_complaint(hostile, user=FakeUser(3002, "<李女士>"))  # open: a call instead
    hostile.db.update_customer(3002, lambda p: setattr(p, "tier", "regular"))
    await c.send(hostile.manager, "/greetings preview")
    preview = next(t for t in c.texts(hostile.manager) if t.startswith(f"{HQ}:下一次问候"))
    assert preview.startswith(f"{HQ}:下一次问候在 2026年11月28日,{OCCASION}。")
    assert f"张女士,今天是{HQ}的{OCCASION},感谢您一直以来的支持!" in preview
    assert f"{EAST}:没有计划中的问候。" in c.texts(hostile.manager)
    hostile.clock.set(at(9, 0, day=28))
    await run(hostile, GREETINGS)
    await asyncio.gather(*hostile.app.bot_data.get(TASKS_KEY, {}).values())
    await c.settle()
    # Not a Chinese name: the Chinese greeting goes without it; the English one uses it.
    assert c.last(3001).text.startswith(f"今天是{HQ}的{OCCASION},感谢您一直以来的支持!")
    assert c.last(3004).text.startswith(f"Dear <王先生> &,\nToday is {HQ}'s {OCCASION}.")
    manager = c.texts(hostile.manager)
    assert any(f"📞 {HQ}{OCCASION}" in t and "· <李女士>" in t for t in manager)
    assert any(t.startswith(f"✉️ {HQ}{OCCASION}问候:33%") for t in manager)
    assert any(t.startswith(f"✅ {HQ}{OCCASION}问候已发送完毕") for t in manager)


async def test_what_the_data_file_says_of_a_bad_or_orphaned_record(tmp_path: Path) -> None:
    """A record's key, an exception's words and a removed store's id come from the data file,
    which an operator may have edited by hand."""
    world = await start_world(tmp_path / "data", HOSTILE_TOML)
    numbers = [await file_complaint(world, user=FakeUser(1100 + i, f"客户{i}")) for i in range(3)]
    await world.stop()
    hot = tmp_path / "data" / "desk.json"
    data = json.loads(hot.read_text(encoding="utf-8"))
    first, second, third = (next(d for d in data["tickets"].values() if d.get("number") == n)
                            for n in numbers)
    first["state"] = "<lost> & found"
    second["state"], second["key"] = "?", "<key> & 2"
    del second["number"]
    third["store_id"] = "<old> & shop"
    hot.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    world = await start_world(tmp_path / "data", HOSTILE_TOML, clock=world.clock)
    c = world.client
    await c.send(world.manager, "/start")
    await run(world, DEADLINES)
    told = [t for t in c.texts(world.manager) if "无法读取" in t]
    assert any(f"#{numbers[0]}" in t and "<lost> & found" in t for t in told)
    assert any("<key> & 2" in t for t in told)
    await c.send(world.manager, "/digest hq")
    assert any("门店“<old> & shop”已不在配置中" in t for t in c.texts(world.manager))
    await world.stop()
    assert world.telegram.html_errors == [], world.telegram.html_errors[:1]


async def test_telegrams_words_on_an_undelivered_message_in_the_digest(
        hostile: World, monkeypatch: pytest.MonkeyPatch) -> None:
    import sandbox.fake_telegram as fake

    refuse = fake._error
    monkeypatch.setattr(fake, "_error", lambda code, description, parameters=None: refuse(
        code, description.replace("fake failure", "<text> & such"), parameters))
    c = hostile.client
    hostile.telegram.fail("sendMessage", "bad_request", chat_id=hostile.customer.id)
    await c.send(hostile.customer, "/start s_hq")
    await c.send(hostile.manager, "/digest hq")
    digest = next(t for t in c.texts(hostile.manager) if t.startswith(f"📊 {HQ}"))
    assert "· greeting: <text> & such" in digest
