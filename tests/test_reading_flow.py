"""Issue 20 in conversation: wants as a set corrected in taps, urgent tickets (safety, threats)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from desk.buttons import Action, encode
from desk.calendar import urgent_contact_deadline
from desk.export import to_csv
from desk.listing import Filters, open_tickets
from desk.models import Kind, State, Ticket, Urgency, Want
from tests.conftest import START, World, file_complaint


def _data(message, action: Action) -> str:
    """The callback data of the message's button for this action (buttons by action, not label)."""
    return next(b["callback_data"] for row in message.buttons for b in row
                if b["callback_data"].split(":")[:2] == action.value.split(":"))


async def test_wants_are_toggled_under_the_restatement(world: World) -> None:
    c = world.client
    await c.send(world.customer, "/start s_hq")
    await c.send(world.customer, "电热水壶漏水,我要退款")
    restatement = c.last(world.customer)
    key = world.db.draft_for(world.customer.id).key
    assert "您反映的是电热水壶的问题:漏水,希望我们为您退款。" in restatement.text
    assert "“" not in restatement.text, "the customer's words are not parroted back"

    await c.press(world.customer, restatement, _data(restatement, Action.SHOW_WANTS))
    assert "✓ 退款" in restatement.labels and "✅ 完成" in restatement.labels
    await c.press(world.customer, restatement, encode(Action.SET_WANT, key, "apology"))
    assert world.db.draft_for(world.customer.id).wants == [Want.REFUND, Want.APOLOGY]
    assert "希望我们为您退款并向您正式道歉。" in restatement.text
    assert "✓ 道歉" in restatement.labels
    await c.press(world.customer, restatement, encode(Action.SET_WANT, key, "refund"))
    assert world.db.draft_for(world.customer.id).wants == [Want.APOLOGY]
    await c.press(world.customer, restatement, _data(restatement, Action.WANTS_DONE))
    assert restatement.labels[0] == "✅ 对,提交"

    await c.press(world.customer, restatement, _data(restatement, Action.CONFIRM))
    ticket = world.db.by_number(1)
    assert ticket.wants == [Want.APOLOGY] and ticket.urgency == []
    card = c.card(world.staff_group, 1).text
    assert "客户诉求:道歉" in card and "经过:“电热水壶漏水,我要退款”" in card
    assert "🚨" not in card
    assert c.inbox(world.manager) == [], "an ordinary complaint does not alert the manager"


async def test_removing_the_last_want_asks_the_question_again(world: World) -> None:
    c = world.client
    await c.send(world.customer, "/start s_hq")
    await c.send(world.customer, "电热水壶漏水,我要退款")
    restatement = c.last(world.customer)
    key = world.db.draft_for(world.customer.id).key
    await c.press(world.customer, restatement, _data(restatement, Action.SHOW_WANTS))
    await c.press(world.customer, restatement, encode(Action.SET_WANT, key, "refund"))
    assert restatement.text == "谢谢您告诉我们。请问您希望我们怎样处理?"
    assert world.db.draft_for(world.customer.id).awaiting == "want"
    # Answering the question is one tap: it sets that want and shows the restatement again.
    await c.press(world.customer, restatement, encode(Action.SET_WANT, key, "repair"))
    assert world.db.draft_for(world.customer.id).wants == [Want.REPAIR]
    assert restatement.labels[0] == "✅ 对,提交"


async def test_a_safety_complaint_is_urgent(world: World) -> None:
    c = world.client
    number = await file_complaint(world, "电热水壶底座冒烟了,还有焦味,我要退款")
    ticket = world.db.by_number(number)
    assert ticket.urgency == [Urgency.SAFETY] and ticket.urgency_words == ["冒烟"]
    # Monday 10:00 in Shanghai, open: within the store's urgent 60 minutes, not by sunset.
    assert datetime.fromisoformat(ticket.contact_by) == START + timedelta(minutes=60)
    alert = c.last(world.manager).text
    assert alert.startswith("🚨 旗舰店:新投诉单 #1 情况紧急,请务必在 今天 11:00 前与客户取得联系。")
    assert "🚨 紧急:涉及人身安全(“冒烟”)" in alert
    assert "🚨 紧急:涉及人身安全(“冒烟”)" in c.card(world.staff_group, number).text
    assert "联系期限:今天 11月23日 11:00" in c.card(world.staff_group, number).text
    assert "电热水壶底座冒烟了" in c.card(world.staff_group, number).text


async def test_a_threat_is_urgent_and_first_in_the_desk_list(world: World) -> None:
    await file_complaint(world, "电热水壶漏水,我要换货")
    world.clock.advance(minutes=5)
    await file_complaint(world, "电热水壶漏水三次了,再不给退款我就打12315投诉", user=world.other_customer)
    urgent = world.db.by_number(2)
    assert urgent.urgency == [Urgency.THREAT] and urgent.urgency_words == ["12315"]
    assert world.client.last(world.manager).text.startswith("🚨 旗舰店:新投诉单 #2")
    now = START + timedelta(minutes=6)
    listed = open_tickets([world.db.by_number(1), urgent],
                          Filters(store_ids=frozenset({"hq"})), now)
    assert [t.number for t in listed] == [2, 1]
    assert all(t.state in (State.NEW, State.OFFERED) for t in listed)


async def test_a_follow_up_that_turns_dangerous_makes_the_ticket_urgent_once(
        world: World) -> None:
    """Urgency is read in follow-ups too: "现在冒烟了" on an open ticket makes it urgent, the
    contact deadline the shortest the store allows, and the managers are told once."""
    c = world.client
    number = await file_complaint(world, "电热水壶用了两天就漏水,我要换货")
    ticket = world.db.by_number(number)
    assert ticket.urgency == []
    before = datetime.fromisoformat(ticket.contact_by)
    alerts = len(c.inbox(world.manager))
    world.clock.advance(minutes=5)
    await c.send(world.customer, "现在冒烟了")
    ticket = world.db.by_number(number)
    assert ticket.urgency == [Urgency.SAFETY] and ticket.urgency_words == ["冒烟"]
    contact_by = datetime.fromisoformat(ticket.contact_by)
    # 10:05 + the urgent hour is 11:05, promised as the quarter hour before.
    assert contact_by == START + timedelta(minutes=60) < before
    assert [m.text.split("\n")[0] for m in c.inbox(world.manager)[alerts:]] == [
        "🚨 旗舰店:投诉单 #1 因客户补充的信息变为紧急。"]
    assert "联系期限:今天 11月23日 11:00" in c.last(world.manager).text
    card = c.card(world.staff_group, number).text
    assert "🚨 紧急:涉及人身安全(“冒烟”)" in card and "联系期限:今天 11月23日 11:00" in card
    # More of the same, and then a threat: the reasons grow, the managers are not told again,
    # and the deadline already set stays (it is not pushed later).
    world.clock.advance(minutes=5)
    await c.send(world.customer, "插头都烧黑了,再不来人我就打12315")
    ticket = world.db.by_number(number)
    assert ticket.urgency == [Urgency.SAFETY, Urgency.THREAT]
    assert ticket.urgency_words == ["冒烟", "12315"]
    assert datetime.fromisoformat(ticket.contact_by) == contact_by
    assert len(c.inbox(world.manager)) == alerts + 1
    # A calm follow-up changes nothing.
    await c.send(world.customer, "补充一下:订单号 A20261120")
    assert world.db.by_number(number).urgency == [Urgency.SAFETY, Urgency.THREAT]
    assert len(c.inbox(world.manager)) == alerts + 1


def test_urgent_deadline_counts_from_opening_when_closed(world: World) -> None:
    store = world.desk.store("hq")
    night = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # Monday 22:00 in Shanghai: closed
    deadline = urgent_contact_deadline(store, night)
    assert deadline == datetime(2026, 11, 24, 2, 0, tzinfo=UTC), "Tuesday 09:00 + 60 min"
    evening = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # 16:30, the day's deadline is 16:45
    assert urgent_contact_deadline(store, evening) < evening + timedelta(minutes=61)
    assert urgent_contact_deadline(store, evening) <= datetime(2026, 11, 23, 8, 52, tzinfo=UTC)


def test_the_export_lists_every_want() -> None:
    ticket = Ticket(key="k1", store_id="hq", customer_id=1, customer_name="张女士",
                    language="zh_CN", text="漏水", kind=Kind.QUALITY,
                    created_at="2026-11-23T02:00:00+00:00", wants=[Want.REFUND, Want.APOLOGY],
                    number=7)
    rows = list(csv.DictReader(io.StringIO(to_csv([ticket], {}).decode("utf-8-sig"))))
    assert rows[0]["want"] == "refund,apology"


async def test_a_safety_complaint_is_told_what_to_do_first(world: World) -> None:
    """A smoking appliance or a sick child: the restatement opens with what to do for safety,
    which an ordinary complaint never hears."""
    c = world.client
    await c.send(world.customer, "/start s_hq")
    await c.send(world.customer, "电热水壶烧水的时候冒烟了,我要退款")
    draft = world.db.draft_for(world.customer.id)
    assert Urgency.SAFETY in draft.urgency
    assert "为了您的安全,请先停止使用或食用" in c.last(world.customer).text
    await c.send(world.other_customer, "/start s_hq")
    await c.send(world.other_customer, "电热水壶漏水,我要退款")
    assert "为了您的安全" not in c.last(world.other_customer).text
