"""Holiday greetings: the days, who gets one, the campaign engine, restarts, managers' commands."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from desk.config import parse_settings
from desk.greetings import HOLIDAYS, Occasion, occasions
from desk.i18n import translator
from desk.models import Customer
from outbox.campaigns import TASKS_KEY, stop_all
from outbox.greetings import greeting_text
from schedules.greetings import JOB_NAME
from tests.conftest import CHAIN_TOML, World, chain_settings, file_complaint, start_world

HQ = chain_settings(Path("/tmp/unused")).store("hq")
SPRING_FESTIVAL_0900 = datetime(2027, 2, 6, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@pytest.mark.parametrize(("year", "expected"), [
    (2026, [("new_year", date(2026, 1, 1)), ("spring_festival", date(2026, 2, 17)),
            ("mid_autumn", date(2026, 9, 25)), ("national_day", date(2026, 10, 1))]),
    (2027, [("new_year", date(2027, 1, 1)), ("spring_festival", date(2027, 2, 6)),
            ("mid_autumn", date(2027, 9, 15)), ("national_day", date(2027, 10, 1))]),
    (2028, [("new_year", date(2028, 1, 1)), ("spring_festival", date(2028, 1, 26)),
            ("national_day", date(2028, 10, 1)), ("mid_autumn", date(2028, 10, 3))]),
])
def test_greeted_days_are_first_days_of_holidays(year: int, expected: list) -> None:
    assert [(o.key, o.day) for o in occasions(HQ, year)] == expected


def test_configured_holidays_and_custom_dates() -> None:
    toml = CHAIN_TOML.format(data_dir="/tmp/unused").replace(
        'products = ["电热水壶", "空气净化器"]',
        'products = ["电热水壶"]\ngreetings = { holidays = ["dragon_boat"], '
        'custom = [{ date = "11-28", name = "店庆" }] }')
    store = parse_settings(toml).store("hq")
    assert [(o.key, o.day, o.name) for o in occasions(store, 2026)] == [
        ("dragon_boat", date(2026, 6, 19), "Dragon Boat Festival"),
        ("custom-11-28", date(2026, 11, 28), "店庆")]


def regular(world: World, user_id: int, name: str, language: str = "zh-hans",
            **fields: object) -> None:
    world.db.save_customer(Customer(user_id=user_id, name=name, store_id="hq",
                                       tier="regular", telegram_language=language, **fields))


async def run_greetings(world: World) -> None:
    (job,) = world.app.job_queue.get_jobs_by_name(JOB_NAME)
    await job.run(world.app)
    await world.client.settle()
    await asyncio.gather(*world.app.bot_data.get(TASKS_KEY, {}).values())
    await world.client.settle()


def greetings_to(world: World) -> Counter:
    """Greetings delivered, per chat (a refused send delivers nothing)."""
    return Counter(m.chat_id for chat in world.telegram.chats.values() for m in chat
                   if m.from_bot and ("快乐!" in m.text or "Happy" in m.text))


async def until_greeted(world: World, count: int) -> None:
    """Wait (at most 10 s) until the running sender has delivered ``count`` greetings."""
    async with asyncio.timeout(10):
        while sum(greetings_to(world).values()) < count:  # noqa: ASYNC110 - polling the fake
            await asyncio.sleep(0.01)


def campaigns(world: World) -> list[dict]:
    return [c for c in world.db.campaigns() if c["store_id"] == "hq"]


async def test_campaign_greets_each_regular_by_name_once(world: World) -> None:
    c = world.client
    await c.send(world.manager, "/start")
    world.clock.set(datetime(2027, 2, 5, 2, 0, tzinfo=UTC))
    await file_complaint(world, user=world.other_customer)  # an open complaint
    regular(world, 3001, "王先生")
    regular(world, 3002, "Anna", language="en")
    regular(world, 3003, "李女士", greetings=False)
    regular(world, world.other_customer.id, "Tom")
    regular(world, 3005, "赵先生")
    world.telegram.blocked.add(3005)
    world.db.save_customer(Customer(user_id=3006, name="新客户", store_id="hq"))  # not regular

    world.clock.set(datetime(2027, 2, 6, 0, 59, tzinfo=UTC))
    await run_greetings(world)
    assert campaigns(world) == [], "not before 09:00"
    world.clock.set(SPRING_FESTIVAL_0900)
    await run_greetings(world)

    assert c.last(3001).text == (
        "王先生,春节快乐!感谢您一直以来对旗舰店的信任与支持,祝您和家人身体健康、万事如意。\n—— 旗舰店")
    assert c.last(3002).text == (
        "Dear Anna,\nHappy Chinese New Year! Thank you for your continued trust in 旗舰店. "
        "Wishing you and your family all the very best.\n— 旗舰店")
    assert greetings_to(world) == Counter({3001: 1, 3002: 1})
    assert world.db.customer(3005).blocked is True, "blocked the bot: inactive now"
    manager = [m.text for m in c.inbox(world.manager)]
    assert "📞 旗舰店春节:以下常客因有未结投诉或近期低分,今天不发送节日问候,请改为致电问候:\n  · Tom (有未结投诉)" in manager
    assert manager[-1] == (
        "✅ 旗舰店春节问候已发送完毕。\n已发送:2\n"
        "跳过:已退订 1 · 已失效 0 · 有未结投诉 1 · 近期低分 0 · 计划后变动 0\n"
        "失败:1(已屏蔽机器人:1)")
    assert [m for m in manager if m.startswith("✉️")] == [
        "✉️ 旗舰店春节问候:33%(1/3)", "✉️ 旗舰店春节问候:66%(2/3)"]
    await run_greetings(world)
    assert len(campaigns(world)) == 1, "nobody gets two"
    assert greetings_to(world)[3001] == 1


async def test_greetings_never_put_a_latin_name_in_chinese(world: World) -> None:
    regular(world, 3007, "Wei Zhang")  # a Latin name is never put in a Chinese greeting
    regular(world, 3008, "Lily", contact_name="刘丽")  # the contact they shared: 刘先生/女士
    regular(world, 3009, "Wei Zhang", language="en")  # English: the name as given
    world.clock.set(SPRING_FESTIVAL_0900)
    await run_greetings(world)
    assert world.client.last(3007).text.startswith("春节快乐!感谢您一直以来对旗舰店的信任与支持")
    assert world.client.last(3008).text.startswith("刘先生/女士,春节快乐!")
    assert world.client.last(3009).text.startswith("Dear Wei Zhang,\nHappy Chinese New Year!")


async def test_low_score_in_30_days_gets_a_call_not_a_greeting(world: World) -> None:
    regular(world, 3001, "王先生")
    world.clock.set(datetime(2027, 1, 20, 2, 0, tzinfo=UTC))
    await file_complaint(world, user=world.customer)
    ticket = world.db.by_number(1)
    ticket.feedback.append({"answered_at": "2027-01-21T02:00:00+00:00", "overall": 1,
                            "solved": "not"})
    ticket.state = ticket.state.DONE
    world.db.save(ticket)
    world.db.archive(ticket.key)
    regular(world, world.customer.id, "张女士")
    world.clock.set(SPRING_FESTIVAL_0900)
    await run_greetings(world)
    (campaign,) = campaigns(world)
    assert campaign["skipped"]["low_score"] == [world.customer.id]
    assert campaign["recipients"] == [3001]


async def test_restart_mid_campaign_resumes_without_duplicates(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "data")
    for i in range(30):
        regular(world, 4000 + i, f"客户{i}")
    world.clock.set(SPRING_FESTIVAL_0900)
    (job,) = world.app.job_queue.get_jobs_by_name(JOB_NAME)
    await job.run(world.app)
    await until_greeted(world, 10)
    await stop_all(world.app)  # the process dies mid-campaign
    first = greetings_to(world)
    await world.stop()

    again = await start_world(tmp_path / "data", clock=world.clock)
    await run_greetings(again)
    total = first + greetings_to(again)
    assert sorted(total) == list(range(4000, 4030)), "no miss"
    assert set(total.values()) == {1}, "no duplicate"
    assert campaigns(again)[0]["state"] == "done"
    await again.stop()


async def test_preview_for_managers(world: World) -> None:
    c = world.client
    regular(world, 3001, "王先生")
    await c.send(world.customer, "/greetings preview")
    assert c.last(world.customer).text == "抱歉,只有本店经理可以进行此操作。"
    await c.send(world.manager, "/greetings preview")
    preview = c.last(world.manager).text
    assert preview.startswith("旗舰店:下一次问候在 2027年1月1日,元旦。\n收件人:1 · 跳过:0")
    assert "张女士,元旦快乐!" in preview and "張女士,新年快樂!" in preview
    assert "Dear Ms Zhang,\nHappy New Year!" in preview


@pytest.mark.parametrize(("key", "wish"), [
    ("new_year", "元旦快乐!"), ("spring_festival", "春节快乐!"), ("labour_day", "劳动节快乐!"),
    ("dragon_boat", "端午安康!"), ("mid_autumn", "中秋快乐!"), ("national_day", "国庆快乐!"),
])
def test_each_festival_has_its_own_wish(key: str, wish: str) -> None:
    occasion = Occasion(date(2027, 1, 1), key, HOLIDAYS[key][1])
    text = greeting_text(translator("zh_CN"), "张女士", HQ, occasion)
    assert text.startswith(f"张女士,{wish}感谢您一直以来对旗舰店的信任与支持")
    assert "节日安康" not in text and "端午节快乐" not in text


def test_the_store_anniversary_thanks_for_the_years() -> None:
    occasion = Occasion(date(2026, 11, 28), "custom-11-28", "店庆", custom=True)
    assert greeting_text(translator("zh_CN"), None, HQ, occasion) == (
        "今天是旗舰店的店庆,感谢您一直以来的支持!祝您和家人身体健康、万事如意。\n—— 旗舰店")
    assert greeting_text(translator("en"), "Anna", HQ, occasion).startswith(
        "Dear Anna,\nToday is 旗舰店's 店庆. Thank you for your support all along the way")


async def test_cancel_stops_a_running_campaign(world: World) -> None:
    c = world.client
    for i in range(40):
        regular(world, 4000 + i, f"客户{i}")
    world.clock.set(SPRING_FESTIVAL_0900)
    (job,) = world.app.job_queue.get_jobs_by_name(JOB_NAME)
    await job.run(world.app)
    await until_greeted(world, 5)
    await c.send(world.manager, "/greetings cancel")
    assert c.last(world.manager).text.startswith("⏹ 旗舰店春节问候已停止。\n已发送:")
    sent = sum(greetings_to(world).values())
    await asyncio.sleep(0.3)
    await run_greetings(world)
    assert sum(greetings_to(world).values()) == sent < 40
    assert campaigns(world)[0]["state"] == "cancelled"
    await c.send(world.manager, "/greetings cancel")
    assert c.last(world.manager).text == "目前没有正在发送的问候。"


def test_progress_counts_answered_greetings_not_those_in_flight(tmp_path) -> None:
    """Managers' 10% steps follow answers: a greeting handed to the sender is not done yet
    (counting dispatches made the steps depend on how fast Telegram answered)."""
    from desk.greetings import SendLog

    log = SendLog(tmp_path / "c.log")
    log.record(1, "pending")
    log.record(2, "pending")
    log.record(3, "skipped:opted_out")
    assert log.settled() == 1
    log.record(1, "sent")
    assert log.settled() == 2
    log.close()
    again = SendLog(tmp_path / "c.log")  # after a crash, 2 stays unconfirmed: settled for good
    assert again.settled() == 3
    again.close()
