"""Golden transcripts: a few conversations whose every word is checked, as the customer, the
staff group and the managers read them in Simplified Chinese.

These are the only conversation tests that compare whole texts; the rest assert what happened
(state, who was told which kind of message, the buttons' actions), so a translator who
rewords a message changes this file only. After changing a text on purpose, update the
transcript here from what the test prints.
"""

from __future__ import annotations

from desk.buttons import Action
from desk.models import Kind, Outcome, State, Want
from tests.conftest import World, file_complaint

RESTATEMENT = (
    "感谢您提出意见!为确保我们理解无误,我把您的意见复述一遍:\n"
    "\n"
    "您反映的是电热水壶的问题:漏水,希望我们为您换货。\n"
    "\n"
    "类型:商品质量投诉\n"
    "\n"
    "请问我们理解得对吗?"
)

ACKNOWLEDGEMENT = (
    "无论是谁的责任,首先谢谢您使用了我们的产品,并感谢您的意见,也对由此向您造成的不便表示歉意。\n"
    "\n"
    "您的投诉单号:#1\n"
    "\n"
    "接下来:旗舰店的技术人员会在今天 16:45 前与您联系。每一步进展我都会在这里通知您。"
)


async def test_complaint_is_restated_then_confirmed_into_a_ticket(world: World) -> None:
    c = world.client
    await c.send(world.customer, "/start s_hq")
    await c.send(world.customer, "电热水壶用了两天就漏水,我要换货")
    restatement = c.last(world.customer)
    assert restatement.text == RESTATEMENT
    assert restatement.labels == ["✅ 对,提交", "🔄 更改类型", "✏️ 修改描述", "🎯 修改诉求"]
    assert world.db.last_number() == 0, "nothing becomes a ticket before confirmation"
    assert c.inbox(world.staff_group) == []

    await c.press_action(world.customer, restatement, Action.CONFIRM)

    ticket = world.db.by_number(1)
    assert ticket.state is State.OFFERED and ticket.assignee_id == 201
    assert ticket.contact_by == "2026-11-23T16:45:00+08:00"
    assert (ticket.kind, ticket.want, ticket.product) == (Kind.QUALITY, Want.EXCHANGE, "电热水壶")
    assert [e.action for e in ticket.events] == ["confirmed", "offered"]
    assert restatement.text.endswith("✅ 已提交。") and restatement.labels == []
    assert c.texts(world.customer)[-2:] == [
        ACKNOWLEDGEMENT,
        "我们的技术人员会电话跟进。请问您愿意留下联系电话吗?不方便也没关系。",
    ]
    assert c.last(world.customer).reply_keyboard[0][0]["request_contact"] is True
    card = c.last(world.staff_group)
    assert card.text == (
        "🆕 投诉单 #1 · 商品质量投诉\n"
        "客户:张女士\n"
        "收到:2026年11月23日 10:00\n"
        "产品/订单:电热水壶\n"
        "经过:“电热水壶用了两天就漏水,我要换货”\n"
        "客户诉求:换货\n"
        "\n"
        "状态:待技术人员接单\n"
        "已分配给 李工:请接单或转交。\n"
        "联系期限:今天 11月23日 16:45"
    )
    assert 'href="tg://user?id=201"' in card.html, "the offered technician is mentioned"
    assert card.labels == ["✅ 接单", "↩️ 转交", "🆘 无法解决,上报经理", "⭐ 常客", "💎 VIP", "🛍 到店", "📝 备注", "💬 标准答复"]


async def test_whole_service_with_report(world: World) -> None:
    c = world.client
    await file_complaint(world)
    card = c.last(world.staff_group)
    await c.press_action(world.li, card, Action.ACCEPT)
    world.clock.advance(minutes=30)
    await c.press_action(world.li, card, Action.CONTACTED)
    assert c.last(world.customer).text == (
        "技术人员已就投诉单 #1 与您取得联系。如有补充,直接在这里发给我即可。")
    await c.press_action(world.li, card, Action.SERVICE_DONE)
    assert card.labels == ["已圆满解决", "部分解决", "短期内无法解决", "↩️ 返回"]
    await c.press_action(world.li, card, Action.OUTCOME, Outcome.SOLVED)
    prompt = c.last(world.staff_group)
    assert prompt.text == "李工,请回复本消息,用一句话写下投诉单 #1 的服务报告。"
    assert card.labels == [], "no buttons while the report is awaited"
    await c.send(world.li, "已上门更换密封圈,测试不再漏水", group=world.staff_group, reply_to=prompt)

    done = world.db.by_number(1)
    assert done.state is State.DONE and done.outcome is Outcome.SOLVED
    assert done.report == "已上门更换密封圈,测试不再漏水"
    assert done.callback_at == "2026-11-24T10:00:00+08:00", "next opening day, 10:00"
    assert [(e.action, e.actor) for e in done.events] == [
        ("confirmed", 1001), ("offered", 0), ("accepted", 201), ("contacted", 201),
        ("outcome_chosen", 201), ("done", 201)]
    assert done.events[3].at == "2026-11-23T02:30:00+00:00"
    assert card.text.endswith("状态:服务已完成\n负责人:李工\n处理结果:已圆满解决\n"
                              "服务报告:已上门更换密封圈,测试不再漏水\n"
                              "满意度回访:2026年11月24日 10:00")
    assert c.last(world.customer).text == (
        "您的投诉单 #1 服务已完成,处理结果:已圆满解决。谢谢您的耐心!")
    await c.send(world.customer, "/mytickets")
    assert c.last(world.customer).text == "您的投诉单:\n#1 · 商品质量投诉 · 服务已完成 · 11月23日 10:00"


async def test_escalation_alerts_managers_and_promises_a_reply_time(world: World) -> None:
    c = world.client
    await c.send(world.manager, "/start")
    await file_complaint(world)
    card = c.last(world.staff_group)
    await c.press_action(world.li, card, Action.ACCEPT)
    await c.press_action(world.li, card, Action.ESCALATE)
    assert world.db.by_number(1).state is State.ESCALATED
    assert card.text.endswith("等待经理确定最迟答复时间。")
    alert = c.last(world.manager)
    assert alert.text.startswith("🆘 旗舰店:投诉单 #1 员工无法解决,需要您的支持。")
    assert alert.labels == ["今天打烊前(21:00)", "下一个营业日打烊前(明天 21:00)",
                            "第三个营业日打烊前(11月26日 21:00)", "👤 交给技术人员"]
    assert c.inbox(world.east_manager) == [], "only the store's own managers"

    assert await c.press_action(world.east_manager, alert, Action.REPLY_BY, "next") == "只有本店经理可以进行此操作。"
    await c.press_action(world.manager, alert, Action.REPLY_BY, "next")
    assert alert.text == "已完成:已告知客户最迟在 明天 21:00 前答复。"
    assert world.db.by_number(1).reply_by == "2026-11-24T21:00:00+08:00"
    assert card.text.endswith("最迟答复时间:明天 11月24日 21:00")
    assert c.last(world.customer).text == (
        "您的投诉单 #1 需要门店经理亲自处理,我们已第一时间通知经理。"
        "经理最迟会在 明天 21:00 前给您答复,请您耐心等候。")
    assert await c.press(world.manager, alert, "m:reply:1:0") == "这张卡片已过期:投诉单状态已经变化。"
    assert await c.press(world.manager, alert, "m:reply:1:today") == "这张卡片已过期:投诉单状态已经变化。"
    # The buttons carry the option's key: an index no alert ever drew is data we never drew.
    assert await c.press(world.manager, alert, "m:reply:1:7") == "这个按钮已失效。"
