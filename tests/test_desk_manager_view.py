"""The manager's view in the desk (issue 19, item 10), over the API: what needs the manager
first with its clock, 今天/明天 times, reply choices that say what they are and what each
decision will tell whom, an offered ticket that does not look taken, and a miss rate of the
deadlines that have passed only."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from desk.listing import Filters, deadline, open_tickets
from desk.models import Kind, State, Ticket
from tests.conftest import chain_settings, file_complaint
from tests.test_desk_api import Desk, desk  # noqa: F401 (the fixture)
from tests.test_promises import tick

BASE = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
HQ = chain_settings(Path("/tmp/unused")).store("hq")


def ticket(number: int, state: State, **extra) -> Ticket:
    return Ticket(key=f"k{number}", store_id="hq", customer_id=number, customer_name="x",
                  language="zh_CN", text="x", kind=Kind.QUALITY, created_at=BASE.isoformat(),
                  state=state, number=number, confirmed_at=BASE.isoformat(), **extra)


def test_an_escalation_waiting_for_the_manager_has_a_clock_and_comes_first() -> None:
    waiting = ticket(1, State.ESCALATED, contact_by="2026-11-23T16:45:00+08:00")
    promised = ticket(2, State.ESCALATED, reply_by="2026-11-23T21:00:00+08:00")
    soon = ticket(3, State.CLAIMED, contact_by="2026-11-23T11:00:00+08:00")
    # The manager must decide by the same-day rule from the escalation: today 16:45.
    assert deadline(waiting, HQ) == datetime.fromisoformat("2026-11-23T16:45:00+08:00")
    listed = open_tickets([soon, promised, waiting], Filters(store_ids=frozenset({"hq"})),
                          BASE, {"hq": HQ})
    assert [t.number for t in listed] == [1, 3, 2]


def test_a_ticket_only_offered_is_not_taken() -> None:
    offered = ticket(1, State.OFFERED, assignee_id=201, assignee_name="李工")
    claimed = ticket(2, State.CLAIMED, assignee_id=201, assignee_name="李工")
    untaken = Filters(store_ids=frozenset({"hq"}), technician=0)
    li = Filters(store_ids=frozenset({"hq"}), technician=201)
    assert [t.number for t in open_tickets([offered, claimed], untaken, BASE)] == [1]
    assert [t.number for t in open_tickets([offered, claimed], li, BASE)] == [2]


async def test_the_managers_list_and_ticket(desk: Desk) -> None:  # noqa: F811
    w = desk.world
    offered = await file_complaint(w, "空气净化器有异味", user=w.other_customer)
    number = await file_complaint(w)
    await w.client.share_contact(w.customer, "+86 138 0013 8000")
    ticket = w.db.by_number(number)
    assert ticket.state is State.OFFERED
    offered_to = next(x for x in (w.li, w.wang) if x.id == ticket.assignee_id)
    await w.client.click(offered_to, w.client.card(w.staff_group, number), "接单")
    await w.client.click(offered_to, w.client.card(w.staff_group, number), "无法解决")
    assert w.db.by_number(number).state is State.ESCALATED
    tickets = (await desk.get("/api/tickets")).json()["tickets"]
    first = tickets[0]
    assert first["number"] == number, "what needs the manager first"
    assert first["needs_manager"] is True
    assert first["deadline"] == "今天 16:45", "the decision's clock, not 无时限"
    line = next(t for t in tickets if t["number"] == offered)
    assert line["assignee"] == "" and line["offered_to"] in ("李工", "王工")
    assert line["deadline"] == "今天 16:45"

    detail = (await desk.get(f"/api/tickets/{number}")).json()
    assert detail["phone"] == "+86 138 0013 8000"
    assert detail["phone_link"] == "tel:+8613800138000"
    assert detail["decide_by"] == "今天 16:45"
    assert detail["contact_by"] == "今天 16:45"
    choices = detail["actions"]["reply_choices"]
    assert [c["label"] for c in choices] == [
        "今天打烊前(21:00)", "下一个营业日打烊前(明天 21:00)", "第三个营业日打烊前(11月26日 21:00)"]
    assert [c["choice"] for c in choices] == ["today", "next", "third"], "keys, not indexes"
    assert choices[1]["confirm"] == (
        "将告诉客户 张女士:最迟答复时间为 明天 21:00;员工群中的卡片随之更新。")
    hand = detail["actions"]["technicians"]
    other = "李工" if offered_to is w.wang else "王工"
    assert [x["name"] for x in hand] == [other]
    assert hand[0]["confirm"] == (
        f"将告诉 {other}:投诉单 #{number} 现在由他/她负责;并告诉客户 张女士 由 {other} 联系。")
    offered_detail = (await desk.get(f"/api/tickets/{offered}")).json()
    assert offered_detail["assignee"] == "" and offered_detail["offered_to"]


async def test_the_miss_rate_counts_only_deadlines_that_have_passed(desk: Desk) -> None:  # noqa: F811
    w = desk.world
    w.clock.set(BASE)
    urgent = await file_complaint(w, "电热水壶底座冒烟了,还有焦味,我要退款")  # due 11:00
    w.clock.set(datetime(2026, 11, 23, 3, 5, tzinfo=UTC))  # 11:05
    await tick(w)
    assert w.db.by_number(urgent).missed
    later = await file_complaint(w, "空气净化器有异味", user=w.other_customer)
    due = datetime.fromisoformat(w.db.by_number(later).contact_by)
    assert w.clock() < due < datetime(2026, 11, 23, 16, tzinfo=UTC), "due today, not yet"
    controls = (await desk.get("/api/trends", days="7")).json()["controls"]
    assert (controls["missed"], controls["deadlines_due"]) == (1, 1)
    assert controls["miss_rate"] == "100.0%"


def test_the_digest_counts_a_deadline_only_once_it_has_passed() -> None:
    from desk import digest

    t = ticket(1, State.CLAIMED, contact_by="2026-11-23T16:45:00+08:00")
    t.record(BASE, 0, "confirmed", contact_by=t.contact_by)
    day = BASE.astimezone(HQ.timezone).date()
    noon = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    evening = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # 20:00, the digest time
    assert digest.compute(HQ, [t], day, noon, {}, set()).today.deadlines_due == 0
    assert digest.compute(HQ, [t], day, evening, {}, set()).today.deadlines_due == 1
