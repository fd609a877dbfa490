"""The customer's side: greeting, restatement, confirmation, follow-ups, their own tickets."""

from __future__ import annotations

from desk.models import Kind, State, Want
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


async def test_deep_link_greets_in_chinese_and_binds_the_store(world: World) -> None:
    await world.client.send(world.customer, "/start s_hq")
    assert world.client.texts(world.customer) == [
        "您好!我是旗舰店的客服助手。请用一两句话告诉我您遇到的问题或想咨询的事情;"
        "也可以发一张带文字说明的照片。"
    ]
    assert world.db.customer(world.customer.id).store_id == "hq"


async def test_greeting_follows_telegram_language(world: World) -> None:
    await world.client.send(world.other_customer, "/start s_east")
    assert world.client.last(world.other_customer).text.startswith(
        "Hello! I'm the customer service assistant at 东区店.")


async def test_complaint_is_restated_then_confirmed_into_a_ticket(world: World) -> None:
    c = world.client
    await c.send(world.customer, "/start s_hq")
    await c.send(world.customer, "电热水壶用了两天就漏水,我要换货")
    restatement = c.last(world.customer)
    assert restatement.text == RESTATEMENT
    assert restatement.labels == ["✅ 对,提交", "🔄 更改类型", "✏️ 修改描述", "🎯 修改诉求"]
    assert world.db.last_number() == 0, "nothing becomes a ticket before confirmation"
    assert c.inbox(world.staff_group) == []

    await c.click(world.customer, restatement, "提交")

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


async def test_missing_want_is_one_question_before_the_restatement(world: World) -> None:
    c = world.client
    await c.send(world.customer, "/start s_hq")
    await c.send(world.customer, "空气净化器有异味")
    question = c.last(world.customer)
    assert question.text == "谢谢您告诉我们。请问您希望我们怎样处理?"
    assert question.labels == ["退款", "换货", "维修", "给个说法", "道歉", "赔偿", "送货",
                               "请负责人联系我", "其他"]
    await c.click(world.customer, question, "维修")
    assert "希望我们为您维修" in question.text, "the question turns into the restatement in place"
    assert question.labels[0] == "✅ 对,提交"


async def test_chain_without_link_asks_the_store_first(world: World) -> None:
    c = world.client
    await c.send(world.customer, "/start")
    assert c.last(world.customer).text == "您好!请问您要反映的是哪家门店?"
    assert c.last(world.customer).labels == ["旗舰店", "东区店"]
    await c.send(world.customer, "店员态度很差,我想要个说法")
    question = c.last(world.customer)
    assert question.text == "谢谢您!请问您要反映的是哪家门店?"
    await c.click(world.customer, question, "东区店")
    assert question.text == "门店:东区店"
    restatement = c.last(world.customer)
    assert "类型:服务投诉" in restatement.text and "希望我们给您一个说法" in restatement.text
    await c.click(world.customer, restatement, "提交")
    assert world.db.by_number(1).store_id == "east"
    assert c.last(world.east_group).text.startswith("🆕 投诉单 #1 · 服务投诉")
    assert c.inbox(world.staff_group) == []


async def test_unknown_store_link_is_answered_politely(world: World) -> None:
    await world.client.send(world.customer, "/start s_nowhere")
    assert world.client.texts(world.customer) == [
        "抱歉,这个链接不属于我们的任何一家门店。", "您好!请问您要反映的是哪家门店?"]


async def test_customer_changes_the_kind(world: World) -> None:
    c = world.client
    await c.send(world.customer, "/start s_hq")
    await c.send(world.customer, "电热水壶用了两天就漏水,我要换货")
    restatement = c.last(world.customer)
    await c.click(world.customer, restatement, "更改类型")
    assert restatement.labels == ["购销合同投诉", "• 商品质量投诉", "服务投诉", "咨询"]
    await c.click(world.customer, restatement, "购销合同投诉")
    assert "类型:购销合同投诉" in restatement.text
    await c.click(world.customer, restatement, "提交")
    assert world.db.by_number(1).kind is Kind.CONTRACT


async def test_customer_corrects_the_text(world: World) -> None:
    c = world.client
    await c.send(world.customer, "/start s_hq")
    await c.send(world.customer, "电热水壶用了两天就漏水,我要换货")
    await c.click(world.customer, c.last(world.customer), "修改描述")
    assert c.last(world.customer).text == "请重新发送完整的描述,我会再为您复述一遍。"
    await c.send(world.customer, "电热水壶底座漏电,我要退款")
    restatement = c.last(world.customer)
    assert "您反映的是电热水壶的问题:漏电,希望我们为您退款。" in restatement.text
    assert "希望我们为您退款" in restatement.text
    await c.click(world.customer, restatement, "提交")
    assert world.db.by_number(1).text == "电热水壶底座漏电,我要退款"


async def test_hours_question_is_answered_from_the_opening_hours(world: World) -> None:
    c = world.client
    await c.send(world.customer, "/start s_hq")
    await c.send(world.customer, "请问你们周末几点开门?")
    assert c.texts(world.customer)[1:] == [
        "您好!旗舰店为您解答:\n\n"
        "星期六(11月28日):10:00 开门,18:00 关门。\n"
        "星期日(11月29日):休息,不营业。\n\n"
        "如有其他问题,欢迎随时问我。"]
    assert world.db.last_number() == 0 and world.db.draft_for(world.customer.id) is None
    assert c.inbox(world.staff_group) == []


async def test_inquiry_uses_the_unclear_question_wording_once(world: World) -> None:
    c = world.client
    await c.send(world.customer, "/start s_hq")
    await c.send(world.customer, "请问你们有没有上门回收旧家电的服务?")
    assert c.texts(world.customer)[1:] == [
        "对不起,这个问题我目前还不能确定。请留下您的联系电话,我会通知公司的专门人员在今天 21:00 前"
        "为您解答。\n\n您的咨询单号:#1"]
    ticket = world.db.by_number(1)
    assert (ticket.kind, ticket.state, ticket.assignee_id, ticket.contact_by) == (
        Kind.INQUIRY, State.ESCALATED, None, None)
    assert c.last(world.staff_group).text.startswith("🆘 投诉单 #1 · 咨询")


async def test_follow_ups_attach_to_the_open_ticket(world: World) -> None:
    number = await file_complaint(world)
    card = world.client.last(world.staff_group)
    world.clock.advance(minutes=5)
    await world.client.send(world.customer, "补充一下:订单号 A20261120")
    assert world.client.last(world.customer).text == "已补充到投诉单 #1,技术人员会看到。".replace(
        "投诉单", "您的投诉单")
    assert world.db.last_number() == number == 1, "no duplicate ticket"
    assert world.db.by_number(1).followups[0]["text"] == "补充一下:订单号 A20261120"
    assert "客户补充:\n · 10:05 补充一下:订单号 A20261120" in card.text
    card_again, notice = world.client.inbox(world.staff_group)
    assert card_again is card, "the card is edited, not re-posted"
    assert notice.reply_to == card.message_id, "an edit notifies nobody: a reply under the card"
    assert notice.html.endswith("\n<blockquote>补充一下:订单号 A20261120</blockquote>")


async def test_photo_with_caption_is_a_complaint(world: World) -> None:
    c = world.client
    await c.send(world.customer, "/start s_hq")
    await c.send_photo(world.customer, caption="空气净化器外壳裂了,要换货")
    assert "照片:1 张" in c.last(world.customer).text
    await c.click(world.customer, c.last(world.customer), "提交")
    assert world.db.by_number(1).photos == ["photo-1"]


async def test_photo_without_caption_asks_for_words(world: World) -> None:
    c = world.client
    await c.send(world.customer, "/start s_hq")
    await c.send_photo(world.customer)
    assert c.last(world.customer).text == "谢谢您的照片。请再用一两句话描述遇到的问题。"
    await c.send(world.customer, "水壶把手断了,我要维修")
    restatement = c.last(world.customer)
    assert "您反映的是电热水壶的问题:有破损,希望我们为您维修。" in restatement.text
    assert "照片:1 张" in restatement.text


async def test_two_messages_in_a_row_are_one_story(world: World) -> None:
    c = world.client
    await c.send(world.customer, "/start s_hq")
    await c.send(world.customer, "电热水壶漏水")
    await c.send(world.customer, "我要退款")
    restatement = c.last(world.customer)
    assert "您反映的是电热水壶的问题:漏水,希望我们为您退款。" in restatement.text
    assert "希望我们为您退款" in restatement.text
    assert world.db.draft_for(world.customer.id).text == "电热水壶漏水\n我要退款"


async def test_share_contact_puts_the_phone_on_the_card(world: World) -> None:
    await file_complaint(world)
    await world.client.share_contact(world.customer, "+8613800000000")
    assert world.client.last(world.customer).text == "谢谢!我们的技术人员会拨打 +8613800000000 与您联系。"
    assert world.db.customer(world.customer.id).phone == "+8613800000000"
    assert "客户:张女士 · 📞 +8613800000000" in world.client.card(world.staff_group, 1).text
    notice = world.client.last(world.staff_group)
    assert notice.reply_to == world.client.card(world.staff_group, 1).message_id
    assert "+8613800000000" in notice.text, "staff notice a new phone number: not only an edit"


async def test_someone_elses_contact_is_refused(world: World) -> None:
    await file_complaint(world)
    await world.client.share_contact(world.customer, "+8613900000000", owner=42)
    assert world.client.last(world.customer).text == "请用下面的按钮分享您本人的电话号码。"
    assert world.db.customer(world.customer.id).phone is None


async def test_declining_the_phone_is_fine(world: World) -> None:
    await file_complaint(world)
    await world.client.send(world.customer, "不用了")
    assert world.client.last(world.customer).text == "好的,我们会在这里答复您。"
    assert world.db.customer(world.customer.id).phone_declined is True
    assert world.db.by_number(1).followups == [], "declining is not a follow-up"
    await world.client.send(world.customer, "店员态度也很差")
    assert world.db.last_number() == 1, "the open ticket takes the message as a follow-up"
    assert world.db.by_number(1).followups[0]["text"] == "店员态度也很差"


async def test_my_tickets_lists_only_my_own(world: World) -> None:
    await file_complaint(world)
    await file_complaint(world, "Kettle leaks, I want a refund", user=world.other_customer)
    await world.client.send(world.customer, "/mytickets")
    assert world.client.last(world.customer).text == (
        "您的投诉单:\n#1 · 商品质量投诉 · 待技术人员接单 · 11月23日 10:00")
    await world.client.send(world.other_customer, "/mytickets")
    assert world.client.last(world.other_customer).text == (
        "Your tickets:\n#2 · Product quality complaint · Offered to a technician · Nov 23, 10:00")


async def test_cancel_drops_a_draft(world: World) -> None:
    c = world.client
    await c.send(world.customer, "/start s_hq")
    await c.send(world.customer, "电热水壶漏水,我要退款")
    restatement = c.last(world.customer)
    await c.send(world.customer, "/cancel")
    assert c.last(world.customer).text == "草稿已放弃。有需要随时找我。"
    assert world.db.draft_for(world.customer.id) is None
    answer = await c.click(world.customer, restatement, "提交")
    assert answer == "这个按钮已失效。"
    assert world.db.last_number() == 0
    await c.send(world.customer, "/cancel")
    assert c.last(world.customer).text == "您目前没有未提交的草稿。"


async def test_language_command_switches_to_english(world: World) -> None:
    c = world.client
    await c.send(world.customer, "/language")
    choice = c.last(world.customer)
    assert choice.labels == ["简体中文", "繁體中文", "English"]
    await c.click(world.customer, choice, "English")
    assert choice.text == "I will write to you in English."
    await c.send(world.customer, "/start s_hq")
    assert c.last(world.customer).text.startswith("Hello! I'm the customer service assistant")


async def test_traditional_chinese_customer(world: World) -> None:
    world.customer.language_code = "zh-hant"
    await world.client.send(world.customer, "/start s_hq")
    await world.client.send(world.customer, "電熱水壺漏水,我要退款")
    assert world.client.last(world.customer).text.startswith("感謝您提出意見!")
    assert "類型:商品品質客訴" in world.client.last(world.customer).text


async def test_unsupported_content_gets_a_polite_answer(world: World) -> None:
    c = world.client
    await c.send(world.customer, "/start s_hq")
    await c.send_sticker(world.customer)
    assert c.texts(world.customer)[-1] == (
        "抱歉,我只能接收文字、照片、语音、视频和文件。请您用文字描述一下问题。")
    assert world.db.hot_tickets() == []


async def test_edited_message_changes_nothing(world: World) -> None:
    await file_complaint(world)
    before = world.db.by_number(1).to_dict()
    await world.client.edit(world.customer, world.client.chat(world.customer)[1], "改过的内容")
    assert world.client.last(world.customer).text.startswith("我注意到您修改了一条消息。")
    assert world.db.by_number(1).to_dict() == before


async def test_long_text_is_kept_whole_and_quoted_short(world: World) -> None:
    long_text = "水壶漏水。" * 800  # 4,000 characters
    await world.client.send(world.customer, "/start s_hq")
    await world.client.send(world.customer, long_text + "我要退款")
    restatement = world.client.last(world.customer)
    assert len(restatement.text) < 1000
    await world.client.click(world.customer, restatement, "提交")
    assert world.db.by_number(1).text == (long_text + "我要退款")[:4096]
    assert len(world.client.last(world.staff_group).text) < 4096


async def test_unknown_command_in_private_shows_help(world: World) -> None:
    await world.client.send(world.customer, "/frobnicate")
    assert world.client.last(world.customer).text.startswith("请告诉我您遇到的问题")


async def test_single_store_needs_no_store_question(tmp_path) -> None:
    from tests.conftest import CHAIN_TOML, start_world

    single = CHAIN_TOML[: CHAIN_TOML.index('[[stores]]\nid = "east"')]
    world = await start_world(tmp_path / "data", toml=single)
    await world.client.send(world.customer, "/start")
    assert world.client.last(world.customer).text.startswith("您好!我是旗舰店的客服助手。")
    await world.client.send(world.customer, "电热水壶漏水,我要退款")
    assert world.client.last(world.customer).text.startswith("感谢您提出意见!")
    await world.stop()
