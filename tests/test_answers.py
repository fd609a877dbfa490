"""Questions are answered, not filed: the store's facts answer at once; anything else follows
seed 003's unclear-question path once (one message, the managers told, a watched reply time)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from desk import answers
from desk.buttons import Action, encode
from desk.config import ConfigError, parse_settings
from desk.i18n import translator
from desk.models import Kind, State
from tests.conftest import CHAIN_TOML, World, start_world
from tests.test_promises import at, tick

MONDAY = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai

STORE_TOML = """
[[stores]]
id = "hq"
name = "旗舰店"
staff_chat_id = -1001
managers = [500]
location = {{ lat = 31.23, lon = 121.47 }}
hours = {{ mon = "09:00-21:00", tue = "09:00-21:00", wed = "09:00-21:00", thu = "09:00-21:00", fri = "09:00-21:00", sat = "10:00-18:00", sun = "10:00-17:00" }}
{extra}
"""

FACTS = """
[stores.facts]
address = "上海市黄浦区南京东路 100 号"
warranty = { zh_CN = "整机保修一年,电机保修三年。", en = "One year on the whole unit, three on the motor." }
"""


def store(extra: str = FACTS):
    return parse_settings(STORE_TOML.format(extra=extra)).stores[0]


@pytest.mark.parametrize(("text", "expected"), [
    ("请问你们周日几点关门?", ["hours"]),
    ("請問你們週末幾點開門?", ["hours"]),
    ("周六营业吗", ["hours"]),
    ("What time do you close on Sunday?", ["hours"]),
    ("你们店在哪里?", ["address"]),
    ("地址和电话发我一下", ["address", "phone"]),
    ("电饭煲保修多久?", ["warranty"]),
    ("電鍋保固多久?", ["warranty"]),
    ("可以开发票吗?", ["invoice"]),
    ("会员积分怎么用?", ["membership"]),
    ("送货上门要运费吗?", ["delivery"]),
    ("买了不喜欢可以七天无理由退货吗?", ["returns"]),
    ("Do you deliver to Pudong?", ["delivery"]),
    ("请问你们卖不卖咖啡机?", []),
    ("师傅明天几点能到?", []),
])
def test_topics(text: str, expected: list[str]) -> None:
    assert answers.topics(text) == expected


@pytest.mark.parametrize(("text", "days"), [
    ("周日几点关门", ["2026-11-29"]),
    ("星期天开门吗", ["2026-11-29"]),
    ("礼拜一几点开", ["2026-11-23"]),  # today is Monday
    ("周末营业吗", ["2026-11-28", "2026-11-29"]),
    ("明天几点开门", ["2026-11-24"]),
    ("are you open on saturday", ["2026-11-28"]),
    ("open tomorrow?", ["2026-11-24"]),
    ("几点关门", []),
])
def test_asked_days(text: str, days: list[str]) -> None:
    today = MONDAY.astimezone(store().timezone).date()
    assert [d.isoformat() for d in answers.asked_days(text, today)] == days


def test_sunday_closing_time_comes_from_the_configured_hours() -> None:
    found = answers.answer("请问你们周日几点关门?", store(), MONDAY, translator("zh_CN"))
    assert found is not None and found.topics == ("hours",)
    assert found.text == ("您好!旗舰店为您解答:\n\n"
                          "星期日(11月29日):10:00 开门,17:00 关门。\n\n"
                          "如有其他问题,欢迎随时问我。")
    english = answers.answer("What time do you close on Sunday?", store(), MONDAY,
                             translator("en"))
    assert "Sunday (Nov 29): open from 10:00 to 17:00." in english.text
    taiwan = answers.answer("請問週日幾點打烊?", store(), MONDAY, translator("zh_TW"))
    assert "星期日(11月29日):10:00 開門,17:00 打烊。" in taiwan.text


def test_closed_days_and_holidays_are_said_as_such() -> None:
    closed_sunday = STORE_TOML.replace(', sun = "10:00-17:00"', "")
    shop = parse_settings(closed_sunday.format(extra="")).stores[0]
    found = answers.answer("周日开门吗?", shop, MONDAY, translator("zh_CN"))
    assert "星期日(11月29日):休息,不营业。" in found.text
    holiday = parse_settings(STORE_TOML.format(extra="closed_dates = [2026-11-29]")).stores[0]
    found = answers.answer("周日开门吗?", holiday, MONDAY, translator("zh_CN"))
    assert "星期日(11月29日):节假日休息,不营业。" in found.text
    found = answers.answer("今天几点关门?", holiday, MONDAY, translator("zh_CN"))
    assert "今天(星期一,11月23日):09:00 开门,21:00 关门。" in found.text


def test_the_week_is_summarised_when_no_day_is_named() -> None:
    found = answers.answer("你们营业时间是几点到几点?", store(), MONDAY, translator("zh_CN"))
    assert "<b>营业时间:</b>周一至周五 09:00–21:00;周六 10:00–18:00;周日 10:00–17:00" \
        in found.text
    found = answers.answer("What are your opening hours?", store(), MONDAY, translator("en"))
    assert "Mon–Fri 09:00–21:00; Sat 10:00–18:00; Sun 10:00–17:00" in found.text


def test_facts_answer_in_the_customers_language_with_a_fallback() -> None:
    zh = answers.answer("电饭煲保修多久?", store(), MONDAY, translator("zh_CN"))
    assert "<b>保修:</b>整机保修一年,电机保修三年。" in zh.text
    en = answers.answer("How long is the warranty?", store(), MONDAY, translator("en"))
    assert "<b>Warranty:</b> One year on the whole unit, three on the motor." in en.text
    # No Taiwan text: the store's own language, never nothing.
    tw = answers.answer("保固多久?", store(), MONDAY, translator("zh_TW"))
    assert "<b>保固:</b>整機保修一年" not in tw.text and "整机保修一年" in tw.text
    both = answers.answer("地址在哪?周六几点关门?", store(), MONDAY, translator("zh_CN"))
    assert both.topics == ("address", "hours")


def test_a_question_the_facts_do_not_cover_is_not_answered() -> None:
    t = translator("zh_CN")
    assert answers.answer("可以开发票吗?", store(), MONDAY, t) is None  # no invoice fact
    assert answers.answer("地址在哪?能开发票吗?", store(), MONDAY, t) is None  # half known
    assert answers.answer("你们卖不卖咖啡机?", store(), MONDAY, t) is None


@pytest.mark.parametrize(("facts", "key"), [
    ("[stores.facts]\nwebsite = \"x\"", "stores[0].facts.website"),
    ("[stores.facts]\naddress = \"  \"", "stores[0].facts.address"),
    ("[stores.facts]\naddress = { fr = \"rue\" }", "stores[0].facts.address.fr"),
    ("[stores.facts]\naddress = 12", "stores[0].facts.address"),
    ("[stores.facts]\naddress = {}", "stores[0].facts.address"),
])
def test_facts_are_validated(facts: str, key: str) -> None:
    with pytest.raises(ConfigError) as error:
        store(facts)
    assert error.value.key.endswith(key.split("stores[0]")[1])


def test_the_example_config_has_facts() -> None:
    example = Path(__file__).resolve().parent.parent / "config.example.toml"
    settings = parse_settings(example.read_text(encoding="utf-8"))
    assert set(settings.stores[0].facts) >= {"address", "phone", "warranty", "returns"}


# -- in the chat -------------------------------------------------------------------------------

CHAIN_WITH_FACTS = CHAIN_TOML.replace(
    'fri = "09:00-21:00", sat = "10:00-18:00" }}',
    'fri = "09:00-21:00", sat = "10:00-18:00", sun = "10:00-17:00" }}\n'
    'facts = {{ address = "上海市黄浦区南京东路 100 号" }}')


@pytest.fixture
async def shop(tmp_path: Path):
    w = await start_world(tmp_path / "data", CHAIN_WITH_FACTS)
    yield w
    await w.stop()
    assert w.client.errors == []
    assert w.telegram.html_errors == []


async def test_store_hours_question_is_answered_at_once(shop: World) -> None:
    c = shop.client
    await c.send(shop.customer, "/start s_hq")
    await c.send(shop.customer, "请问你们周日几点关门?")
    answer = c.last(shop.customer)
    assert answer.text == ("您好!旗舰店为您解答:\n\n"
                           "星期日(11月29日):10:00 开门,17:00 关门。\n\n"
                           "如有其他问题,欢迎随时问我。")
    assert answer.buttons == [] and answer.reply_keyboard == []
    assert len(c.inbox(shop.customer)) == 2, "the greeting, then one answer"
    assert shop.db.last_number() == 0 and shop.db.draft_for(shop.customer.id) is None
    assert c.inbox(shop.staff_group) == [] and c.inbox(shop.manager) == []


async def test_english_question_is_answered_in_english(shop: World) -> None:
    await shop.client.send(shop.other_customer, "/start s_hq")
    await shop.client.send(shop.other_customer, "Where is your store? What's the address?")
    assert shop.client.last(shop.other_customer).text.startswith(
        "Hello! Here's the answer from 旗舰店:\n\n<b>Address:</b> 上海市黄浦区南京东路 100 号"
        .replace("<b>", "").replace("</b>", ""))


async def test_question_in_a_chain_is_answered_once_the_store_is_known(shop: World) -> None:
    c = shop.client
    await c.send(shop.customer, "/start")
    await c.send(shop.customer, "周日几点关门?")
    question = c.last(shop.customer)
    await c.press_action(shop.customer, question, Action.STORE, "east")
    assert c.last(shop.customer).text == ("您好!东区店为您解答:\n\n"
                                          "星期日(11月29日):09:00 开门,21:00 关门。\n\n"
                                          "如有其他问题,欢迎随时问我。")
    assert shop.db.draft_for(shop.customer.id) is None and shop.db.last_number() == 0


async def test_question_during_a_draft_leaves_the_draft_alone(shop: World) -> None:
    c = shop.client
    await c.send(shop.customer, "/start s_hq")
    await c.send(shop.customer, "电热水壶漏水了")  # asked what they want
    assert c.last(shop.customer).text == "谢谢您告诉我们。请问您希望我们怎样处理?"
    await c.send(shop.customer, "你们周日几点关门?")
    assert "星期日(11月29日):10:00 开门,17:00 关门。" in c.last(shop.customer).text
    draft = shop.db.draft_for(shop.customer.id)
    assert (draft.text, draft.awaiting) == ("电热水壶漏水了", "want")


async def test_complaint_that_names_a_topic_is_restated_not_answered(shop: World) -> None:
    await shop.client.send(shop.customer, "/start s_hq")
    await shop.client.send(shop.customer, "电热水壶用了两天就坏了,你们地址在哪,我要拿去换货")
    restatement = shop.client.last(shop.customer)
    assert "复述一遍" in restatement.text and "南京东路" not in restatement.text


async def test_unanswerable_question_follows_the_unclear_path_once(shop: World) -> None:
    c = shop.client
    await c.send(shop.manager, "/start")
    await c.send(shop.customer, "/start s_hq")
    await c.send(shop.customer, "请问你们有没有卖咖啡机?")
    (_greeting, filed) = c.inbox(shop.customer)
    assert filed.text == (
        "对不起,这个问题我目前还不能确定。请留下您的联系电话,我会通知公司的专门人员在今天 21:00 前"
        "为您解答。\n\n您的咨询单号:#1")
    assert filed.reply_keyboard[0][0]["request_contact"] is True
    ticket = shop.db.by_number(1)
    assert (ticket.kind, ticket.state) == (Kind.INQUIRY, State.ESCALATED)
    assert ticket.reply_by == "2026-11-23T21:00:00+08:00"
    assert ticket.contact_by is None and ticket.assignee_id is None
    assert [e.action for e in ticket.events] == ["question_filed"]
    card = c.card(shop.staff_group, 1)
    assert card.buttons == [], "no technician claims a question"
    assert "最迟答复时间:今天 11月23日 21:00" in card.text
    alert = c.last(shop.manager)
    assert alert.text.startswith("❓ 旗舰店:客户提出了一个我无法回答的问题(#1)")
    assert "请问你们有没有卖咖啡机?" in alert.text
    assert [b["callback_data"] for row in alert.buttons for b in row] == [
        encode(Action.ANSWERED, 1)]
    said = "\n".join(c.texts(shop.customer))
    for wrong in ("技术人员", "诉求", "无论是谁的责任", "复述"):
        assert wrong not in said

    # The promise is watched like an escalation's: a reminder, then at 21:00 an apology for
    # the question (not for a call that never came) and the managers alerted.
    shop.clock.set(at(20, 0))
    await tick(shop)
    assert c.last(shop.manager).text == "⏰ 旗舰店:投诉单 #1 已向客户承诺在 今天 21:00 前答复,请按时答复客户。"
    shop.clock.set(at(21, 0))
    await tick(shop)
    assert c.last(shop.customer).text.startswith(
        "非常抱歉:我们承诺在 今天 21:00 前解答您的咨询 #1,但没有做到。")
    renewed = shop.db.by_number(1)
    assert "reply_missed" in [e.action for e in renewed.events]
    assert renewed.reply_by == "2026-11-24T21:00:00+08:00", "the next promise is watched too"
    assert c.last(shop.manager).text.startswith("⚠️ 旗舰店")


async def test_manager_answers_the_question_by_replying(shop: World) -> None:
    c = shop.client
    await c.send(shop.manager, "/start")
    await c.send(shop.customer, "/start s_hq")
    await c.send(shop.customer, "请问你们有没有卖咖啡机?")
    alert = c.last(shop.manager)
    await c.send(shop.manager, "有的,二楼家电区有三款,欢迎来看看。", reply_to=alert)
    assert "有的,二楼家电区有三款,欢迎来看看。" in c.last(shop.customer).text
    await c.press(shop.manager, alert, encode(Action.ANSWERED, 1))
    assert shop.db.by_number(1).state is State.CONTACTED


async def test_known_phone_is_not_asked_again(shop: World) -> None:
    c = shop.client
    await c.send(shop.customer, "/start s_hq")
    await c.share_contact(shop.customer, "+8613800138000")
    await c.send(shop.customer, "请问你们有没有卖咖啡机?")
    filed = c.last(shop.customer)
    assert filed.text.startswith("对不起,这个问题我目前还不能确定。我会通知公司的专门人员在今天 21:00 前")
    assert filed.reply_keyboard == []


async def test_a_draft_turned_into_a_question_is_filed_not_acknowledged(shop: World) -> None:
    c = shop.client
    await c.send(shop.customer, "/start s_hq")
    await c.send(shop.customer, "电热水壶漏水,我要换货")
    restatement = c.last(shop.customer)
    await c.press(shop.customer, restatement, restatement.buttons[1][0]["callback_data"])
    key = shop.db.draft_for(shop.customer.id).key
    await c.press(shop.customer, restatement, encode(Action.SET_KIND, key, Kind.INQUIRY.value))
    await c.press(shop.customer, restatement, restatement.buttons[0][0]["callback_data"])
    ticket = shop.db.by_number(1)
    assert (ticket.kind, ticket.state, ticket.assignee_id) == (Kind.INQUIRY, State.ESCALATED,
                                                               None)
    said = "\n".join(c.texts(shop.customer))
    assert "对不起,这个问题我目前还不能确定" in said
    assert "无论是谁的责任" not in said and "技术人员" not in said
