"""Time-bound promises over simulated days: reminders, breaches, retries, callbacks, restarts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from desk.buttons import Action
from desk.i18n import translator
from desk.lifecycle import Reason
from desk.models import Outcome, State
from outbox.refusals import refusal
from schedules.callbacks import JOB_NAME as CALLBACKS
from schedules.deadlines import JOB_NAME as DEADLINES
from tests.conftest import CHAIN_TOML, World, file_complaint, start_world


async def tick(world: World, **advance: float) -> None:
    """Let time pass, then let every sweep run once, as the job queue would."""
    if advance:
        world.clock.advance(**advance)
    for name in (DEADLINES, CALLBACKS):
        (job,) = world.app.job_queue.get_jobs_by_name(name)
        await job.run(world.app)
    await world.client.settle()


def at(hour: int, minute: int = 0, day: int = 23) -> datetime:
    """A Shanghai wall-clock time on November ``day``, 2026, as UTC."""
    return datetime(2026, 11, day, hour - 8, minute, tzinfo=UTC)


async def finish_service(world: World, report: str = "已更换密封圈") -> None:
    c = world.client
    card = c.inbox(world.staff_group)[0]
    for action, *args in ((Action.ACCEPT,), (Action.CONTACTED,), (Action.SERVICE_DONE,),
                          (Action.OUTCOME, Outcome.SOLVED)):
        await c.press_action(world.li, card, action, *args)
    await c.send(world.li, report, group=world.staff_group, reply_to=c.last(world.staff_group))


async def test_reminder_then_breach_alerts_managers_once(world: World) -> None:
    c = world.client
    await c.send(world.manager, "/start")
    await file_complaint(world)
    await c.press_action(world.li, c.last(world.staff_group), Action.ACCEPT)
    card = c.inbox(world.staff_group)[0]
    world.clock.set(at(15, 44))
    await tick(world)
    assert c.last(world.staff_group).text != "⏰", "not yet: an hour before is 15:45"
    world.clock.set(at(15, 45))
    await tick(world)
    reminder = c.last(world.staff_group)
    assert world.told("contact_reminder") == [world.staff_group.id]
    assert "#1" in reminder.text and "16:45" in reminder.text
    assert 'tg://user?id=201' in reminder.html and reminder.reply_to == card.message_id
    await tick(world, minutes=10)
    assert c.last(world.staff_group) is reminder, "one reminder"

    world.clock.set(at(16, 45))
    await tick(world)
    assert world.told("breach") == [world.manager.id]
    assert "#1" in c.last(world.manager).text and "16:45" in c.last(world.manager).text
    ticket = world.db.by_number(1)
    assert ticket.missed is True
    assert [e.action for e in ticket.events][-2:] == ["missed", "promise_renewed"]
    assert "2026年11月23日 16:45" in card.text, "the card shows the missed deadline"
    assert world.told("promise_renewed") == [world.customer.id]
    assert "明天 16:45" in c.texts(world.customer)[-1], "the renewed promise: tomorrow 16:45"
    alerts = len(c.inbox(world.manager))
    told = len(c.texts(world.customer))
    await tick(world, hours=1)
    assert len(c.inbox(world.manager)) == alerts, "one breach alert"
    assert len(c.texts(world.customer)) == told, "one apology"
    assert c.inbox(world.east_manager) == []


async def test_contact_in_time_cancels_reminder_and_breach(world: World) -> None:
    await world.client.send(world.manager, "/start")
    await file_complaint(world)
    card = world.client.inbox(world.staff_group)[0]
    await world.client.press_action(world.li, card, Action.ACCEPT)
    await world.client.press_action(world.li, card, Action.CONTACTED)
    before = len(world.telegram.sent("sendMessage"))
    world.clock.set(at(18, 0))
    await tick(world)
    assert len(world.telegram.sent("sendMessage")) == before
    assert world.db.by_number(1).missed is False


async def test_unclaimed_ticket_nudges_the_group_while_open(world: World) -> None:
    c = world.client
    await file_complaint(world, "店员态度很差,我想要个说法", store="east")  # no roster
    await tick(world, minutes=29)
    assert len(c.inbox(world.east_group)) == 1
    await tick(world, minutes=1)
    assert world.told("nudge") == [world.east_group.id]
    await tick(world, minutes=10)
    assert len(c.inbox(world.east_group)) == 2
    await tick(world, minutes=20)
    assert len(c.inbox(world.east_group)) == 3
    world.clock.set(at(15, 45))
    await tick(world)
    assert world.told("contact_reminder") == [world.east_group.id]
    assert "16:45" in c.last(world.east_group).text


async def test_no_nudges_while_the_store_is_closed(world: World) -> None:
    world.clock.set(at(20, 50))
    await file_complaint(world, "店员态度很差,我想要个说法", store="east")
    world.clock.set(at(23, 0))
    await tick(world)
    assert len(world.client.inbox(world.east_group)) == 1
    world.clock.set(at(9, 0, day=24))
    await tick(world)
    assert world.told("nudge") == [world.east_group.id], "one nudge, at opening"


async def test_late_complaint_is_promised_for_tomorrow(world: World) -> None:
    world.clock.set(at(18, 30))
    await file_complaint(world)
    assert "接下来:旗舰店的技术人员会在明天 16:45 前与您联系。" in world.client.texts(
        world.customer)[-2]
    assert world.db.by_number(1).contact_by == "2026-11-24T16:45:00+08:00", "what was told"


async def test_called_no_answer_retries_and_is_not_contact(world: World) -> None:
    c = world.client
    await file_complaint(world)
    card = c.inbox(world.staff_group)[0]
    await c.press_action(world.li, card, Action.ACCEPT)
    await c.press_action(world.li, card, Action.NO_ANSWER)
    assert world.told("call_attempt") == [world.customer.id]
    ticket = world.db.by_number(1)
    assert ticket.state is State.CLAIMED and ticket.retry_at == "2026-11-23T03:00:00+00:00"
    assert [e.action for e in ticket.events][-1] == "call_attempt"
    await tick(world, minutes=59)
    assert c.last(world.staff_group) is card
    await tick(world, minutes=1)
    assert world.told("retry_reminder") == [world.staff_group.id]
    await tick(world, minutes=30)
    assert len(c.inbox(world.staff_group)) == 2, "one retry reminder"
    assert await c.press_action(world.wang, card, Action.NO_ANSWER) == refusal(
        translator("zh_CN"), Reason.NOT_YOURS, world.db.by_number(1))


async def test_escalation_reply_time_reminder_and_breach(world: World) -> None:
    c = world.client
    await c.send(world.manager, "/start")
    await file_complaint(world)
    await c.press_action(world.li, c.last(world.staff_group), Action.ESCALATE)
    alert = c.last(world.manager)
    await c.press_action(world.manager, alert, Action.REPLY_BY, "today")
    assert alert.actions == [Action.ANSWERED]
    world.clock.set(at(20, 0))
    await tick(world)
    assert world.told("reply_reminder") == [world.manager.id]
    assert "21:00" in c.last(world.manager).text
    world.clock.set(at(21, 0))
    await tick(world)
    assert world.told("reply_breach") == [world.manager.id]
    assert world.told("promise_renewed") == [world.customer.id]
    assert "明天 21:00" in c.texts(world.customer)[-1], "the renewed promise: tomorrow 21:00"
    assert [e.action for e in world.db.by_number(1).events][-2:] == [
        "reply_missed", "promise_renewed"]
    await c.press_action(world.manager, alert, Action.ANSWERED)
    ticket = world.db.by_number(1)
    assert (ticket.state, ticket.assignee_id) == (State.CONTACTED, 201)
    assert alert.actions == [], "the alert says it is recorded"


async def test_satisfaction_callback_full_survey(world: World) -> None:
    c = world.client
    await c.send(world.manager, "/start")
    await file_complaint(world)
    await finish_service(world)
    world.clock.set(at(9, 59, day=24))
    await tick(world)
    assert c.last(world.customer).text.startswith("您的投诉单 #1 服务已完成")
    world.clock.set(at(10, 0, day=24))
    await tick(world)
    question = c.last(world.customer)
    assert question.text == (
        "您好!这里是旗舰店,回访您的投诉单 #1。总体来说,您对我们的服务满意吗?(5 分为非常满意)")
    assert [p.args[1] for p in question.presses] == [1, 2, 3, 4, 5]
    await c.press_action(world.customer, question, Action.SURVEY_OVERALL, 4)
    assert question.text == "您的问题解决了吗?"
    assert [p.args[1] for p in question.presses] == ["fully", "partly", "not"]
    await c.press_action(world.customer, question, Action.SURVEY_SOLVED, "fully")
    assert question.text == (
        "谢谢您,我们需要了解的就是这些。如果您还有一分钟,可以再回答五个关于这次服务的小问题"
        "(1 = 很差,5 = 很好):\n技术人员是否做到了我们答应您的事,并把问题处理好了?")
    assert question.actions[-1] is Action.SURVEY_SKIP
    for score in (5, 4, 4, 5, 3):
        await c.press_action(world.customer, question, Action.SURVEY_DRIVER, score)
    assert question.text == "还有什么想对我们说的吗?请直接输入,或点击“跳过”。"
    await c.send(world.customer, "师傅很专业,谢谢")
    assert c.last(world.customer).text == "谢谢您的反馈!这能帮助我们把服务做得更好。"

    assert c.last(world.manager).text == (
        "📋 技术服务反馈表 · 投诉单 #1\n"
        "门店:旗舰店 · 客户:张女士\n"
        "类型:商品质量投诉 · 技术人员:李工\n"
        "处理结果:已圆满解决\n"
        "服务报告:已更换密封圈\n"
        "\n"
        "总体满意度:4/5\n"
        "是否已圆满解决:已经解决了\n"
        "可靠度 5 · 反应度 4 · 保证 4 · 同情心 5 · 有形化 3\n"
        "服务品质指数:84.2\n"
        "客户意见:“师傅很专业,谢谢”")
    assert world.db.by_number(1) is None, "settled: archived"
    archived = world.db.archived(1)
    assert archived.feedback[0]["overall"] == 4 and archived.feedback[0]["comment"] == (
        "师傅很专业,谢谢")
    await tick(world, days=5)
    asked = [call for call in world.telegram.sent("sendMessage")
             if call.params["chat_id"] == world.customer.id and "回访" in call.params["text"]]
    assert len(asked) == 1, "asked once"


async def test_skipping_the_optional_questions(world: World) -> None:
    c = world.client
    await file_complaint(world)
    await finish_service(world)
    await tick(world, days=1)
    question = c.last(world.customer)
    await c.press_action(world.customer, question, Action.SURVEY_OVERALL, 5)
    await c.press_action(world.customer, question, Action.SURVEY_SOLVED, "fully")
    await c.press_action(world.customer, question, Action.SURVEY_SKIP)  # the third tap ends it
    assert question.text == "谢谢您的反馈!这能帮助我们把服务做得更好。"
    assert world.db.archived(1).feedback[0]["drivers"] == {}


async def test_low_score_reopens_the_ticket(world: World) -> None:
    c = world.client
    await c.send(world.manager, "/start")
    await file_complaint(world)
    await finish_service(world)
    await tick(world, days=1)
    question = c.last(world.customer)
    await c.press_action(world.customer, question, Action.SURVEY_OVERALL, 2)
    await c.press_action(world.customer, question, Action.SURVEY_SOLVED, "partly")
    ticket = world.db.by_number(1)
    assert ticket.state is State.CLAIMED and ticket.assignee_id == 201
    assert ticket.contact_by == "2026-11-24T16:45:00+08:00"
    assert [e.action for e in ticket.events][-1] == "reopened"
    assert c.last(world.customer).text == (
        "很抱歉问题还没有解决。您的投诉单 #1 已重新打开,我们会尽快再次与您联系。")
    assert c.last(world.staff_group).text.startswith(
        "🔁 李工:投诉单 #1 的客户不满意,投诉单已重新打开,请再次联系客户。\n\n"
        "📋 技术服务反馈表 · 投诉单 #1\n")
    assert "总体满意度:2/5\n是否已圆满解决:解决了一部分,还有问题" in c.last(world.staff_group).text
    assert c.last(world.manager).text.startswith(
        "🔁 旗舰店:客户不满意,投诉单 #1 已重新打开。\n\n📋 技术服务反馈表 · 投诉单 #1")
    assert "总体满意度:2/5" in c.last(world.manager).text
    card = c.inbox(world.staff_group)[0]
    assert "状态:已接单" in card.text and "客户评分:2/5 · 解决了一部分,还有问题" in card.text
    # The customer may still finish the optional questions; the ticket stays open.
    await c.press_action(world.customer, question, Action.SURVEY_SKIP)
    assert world.db.by_number(1).state is State.CLAIMED
    assert len(world.db.by_number(1).feedback) == 1


async def test_not_solved_reopens_even_with_a_good_score(world: World) -> None:
    await file_complaint(world)
    await finish_service(world)
    await tick(world, days=1)
    question = world.client.last(world.customer)
    await world.client.press_action(world.customer, question, Action.SURVEY_OVERALL, 4)
    await world.client.press_action(world.customer, question, Action.SURVEY_SOLVED, "not")
    assert world.db.by_number(1).state is State.CLAIMED


async def test_unanswered_callback_gets_one_reminder_then_gives_up(world: World) -> None:
    c = world.client
    await c.send(world.manager, "/start")
    await file_complaint(world)
    await finish_service(world)
    world.clock.set(at(10, 0, day=24))
    await tick(world)
    await tick(world, hours=23, minutes=59)
    assert len([m for m in c.inbox(world.customer) if "回访" in m.text]) == 1
    await tick(world, minutes=1)
    reminder = c.last(world.customer)
    assert reminder.text.startswith("旗舰店温馨提醒:我们仍想了解投诉单 #1 的服务情况")
    assert [p.args[1] for p in reminder.presses] == [1, 2, 3, 4, 5]
    await tick(world, hours=47)
    assert world.db.by_number(1) is not None
    await tick(world, hours=1)
    assert world.db.by_number(1) is None
    assert world.db.archived(1).feedback[0]["stage"] == "unanswered"
    assert c.last(world.manager).text.endswith("客户未回复满意度回访。")
    assert len([m for m in c.inbox(world.customer) if "提醒" in m.text]) == 1


async def test_forged_survey_answers_are_refused(world: World) -> None:
    c = world.client
    await file_complaint(world)
    await finish_service(world)
    await tick(world, days=1)
    question = c.last(world.customer)
    assert await c.press(world.other_customer, question, "s:o:1:5") == "This button is no longer valid."
    assert await c.press(world.customer, question, "s:s:1:fully") == "这个按钮已失效。", "not yet"
    assert await c.press(world.customer, question, "s:o:1:9") == "这个按钮已失效。"
    assert await c.press(world.customer, question, "s:o:2:5") == "这个按钮已失效。"
    assert world.db.by_number(1).survey["stage"] == "overall"


async def test_restart_with_a_pending_callback_fires_it_exactly_once(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "data")
    await file_complaint(world)
    await finish_service(world)
    await world.stop()

    # The bot is down while the callback falls due; a new process starts on the same data.
    clock = world.clock
    clock.set(at(15, 0, day=24))
    again = await start_world(tmp_path / "data", clock=clock)
    await tick(again)
    asked = [m for m in again.client.inbox(again.customer) if "回访" in m.text]
    assert len(asked) == 1
    await again.stop()

    third = await start_world(tmp_path / "data", clock=clock)
    await tick(third, minutes=5)
    assert [m for m in third.client.inbox(third.customer) if "回访" in m.text] == []
    assert third.db.by_number(1).callback_sent is True
    await third.stop()


async def test_steps_missed_while_down_run_at_once_in_order(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "data")
    await world.client.send(world.manager, "/start")
    await file_complaint(world, "店员态度很差,我想要个说法", store="east")
    await world.stop()
    clock = world.clock
    clock.set(at(17, 0))
    before = len(world.client.inbox(world.east_group))
    again = await start_world(tmp_path / "data", clock=clock, telegram=world.telegram)
    await tick(again)
    group = [m.text for m in again.client.inbox(again.east_group)][before:]
    assert group == ["🔔 投诉单 #1 仍在等待接单。"], "one catch-up nudge, no stale reminder"
    assert again.db.by_number(1).missed is True
    await again.stop()


async def test_renewed_contact_promise_is_stored_and_watched(world: World) -> None:
    """The new time the customer is told after a miss is kept like the first: reminded an hour
    before, and when it passes too the managers hear of it again."""
    c = world.client
    await c.send(world.manager, "/start")
    await file_complaint(world)
    await c.click(world.li, c.last(world.staff_group), "接单")
    card = c.inbox(world.staff_group)[0]
    world.clock.set(at(16, 52))
    await tick(world)
    assert "明天 16:45 前" in c.texts(world.customer)[-1]
    ticket = world.db.by_number(1)
    assert datetime.fromisoformat(ticket.contact_by) == at(16, 45, day=24)
    assert "⚠️ 已超过联系期限 2026年11月23日 16:45(遗漏)" in card.text
    assert "明天 11月24日 16:45" in card.text
    alerts = len(c.inbox(world.manager))

    world.clock.set(at(15, 45, day=24))
    await tick(world)
    assert c.last(world.staff_group).text == "⏰ 李工,投诉单 #1 请在 16:45 前联系客户。"
    world.clock.set(at(16, 45, day=24))
    await tick(world)
    assert len(c.inbox(world.manager)) == alerts + 1
    assert c.last(world.manager).text == (
        "⚠️ 旗舰店:投诉单 #1 未能在期限 今天 16:45 前联系客户,已记为遗漏。")
    ticket = world.db.by_number(1)
    assert [datetime.fromisoformat(e.detail["deadline"]) for e in ticket.events
            if e.action == "missed"] == [at(16, 45), at(16, 45, day=24)]
    await tick(world, hours=1)
    assert len(c.inbox(world.manager)) == alerts + 1, "one alert per missed promise"


async def test_a_vips_renewed_promise_keeps_the_vip_rule(tmp_path: Path) -> None:
    """One function gives every contact deadline: the one renewed after a VIP's miss is the
    VIP's (within 120 min here), not the day's end the store gives everyone."""
    toml = CHAIN_TOML.replace('products = ["电热水壶", "空气净化器"]',
                              'products = ["电热水壶"]\npromises = {{ vip_contact_within_minutes = 120 }}')
    world = await start_world(tmp_path / "data", toml=toml)
    c = world.client
    await c.send(world.customer, "/start s_hq")
    world.db.update_customer(world.customer.id, lambda cu: setattr(cu, "tier", "vip"))
    await file_complaint(world)
    ticket = world.db.by_number(1)
    assert ticket.vip and datetime.fromisoformat(ticket.contact_by) == at(12, 0)
    world.clock.set(at(12, 0))
    await tick(world)
    ticket = world.db.by_number(1)
    assert datetime.fromisoformat(ticket.contact_by) == at(14, 0)
    assert "14:00" in c.texts(world.customer)[-1]
    await world.stop()
