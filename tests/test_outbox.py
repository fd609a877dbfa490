"""The outbox: every message reaches its person, within Telegram's limits and through its faults.

Pure rules first (limiters, splitting, callback data), then whole conversations on the fake
Telegram with faults injected, a process killed, a chatty customer, a slow group.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import bot
from desk.buttons import ARGS, Action, decode, encode
from desk.models import Event, Kind, State, Ticket, new_key
from desk.outgoing import Outgoing, Priority, Status
from outbox.limits import Limits, Pacer, SlidingWindow, TokenBucket
from outbox.split import split_html, utf16_len
from sandbox.fake_telegram import FakeTelegram, FakeUser, TelegramLimits, render_html
from sandbox.telegram_html import parse
from schedules.deadlines import JOB_NAME as DEADLINES
from tests.conftest import START, World, file_complaint, start_world

ROOT = Path(__file__).resolve().parent.parent
QUICK_RETRIES = Limits.unlimited(backoff_first=0.01, backoff_max=0.05)


# -- the limiters --------------------------------------------------------------------------------


def test_bulk_pace_is_even() -> None:
    pacer = Pacer(28)
    times = []
    now = 0.0
    for _ in range(56):
        now = pacer.available_at(now)
        pacer.record(now)
        times.append(now)
    assert times[-1] == pytest.approx(55 / 28)
    assert max(sum(1 for t in times if start <= t < start + 1 - 1e-9) for start in times) <= 28


def test_the_bot_sends_at_most_29_messages_in_any_second() -> None:
    window = SlidingWindow(29, 1.0)
    sent = []
    now = 0.0
    while len(sent) < 100:
        now = window.available_at(now)
        window.record(now)
        sent.append(now)
    assert sent[28] == 0.0 and sent[29] == 1.0, "a burst, then the window decides"
    assert max(sum(1 for t in sent if start <= t < start + 1) for start in sent) == 29


def test_a_group_gets_20_messages_per_62_seconds() -> None:
    window = SlidingWindow(20, 62.0)
    for _ in range(20):
        assert window.available_at(0.0) == 0.0
        window.record(0.0)
    assert window.available_at(10.0) == 62.0, "the 21st waits for the first to leave"


def test_a_private_chat_gets_a_small_burst_then_one_a_second() -> None:
    bucket = TokenBucket(3, 1.1)
    for _ in range(3):
        assert bucket.available_at(0.0) == 0.0
        bucket.record(0.0)
    assert bucket.available_at(0.0) == pytest.approx(1.1)
    bucket.record(1.1)
    assert bucket.available_at(1.1) == pytest.approx(2.2)


# -- long texts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "limit", "parts"), [
    ("short", 4096, 1),
    ("\n".join(f"line {i}: " + "投诉" * 20 for i in range(200)), 4096, 3),
    ("<b>" + "\n".join("加粗的一行" * 10 for _ in range(200)) + "</b>", 1024, 11),
    ("一" * 5000, 4096, 2),
    ("😀" * 3000, 4096, 2),  # outside the BMP: two UTF-16 units each
    ("a &amp; b &lt; c\n" * 600, 1024, 10),
])
def test_long_texts_are_split_into_valid_parts(text: str, limit: int, parts: int) -> None:
    pieces = split_html(text, limit)
    assert len(pieces) == parts
    for piece in pieces:
        assert utf16_len(piece) <= limit
        parse(piece)  # every part is markup Telegram accepts
    visible = "".join(parse(p) for p in pieces).replace("\n", "")
    assert visible == parse(text).replace("\n", ""), "nothing lost, nothing added"


# -- callback data -------------------------------------------------------------------------------

SAMPLE_ARGS = {
    Action.STORE: ("hq",), Action.LANGUAGE: ("zh_TW",), Action.FORGET: ("yes",),
    Action.SET_KIND: ("0a1b2c3d", "service"), Action.SET_WANT: ("0a1b2c3d", "refund"),
    Action.OUTCOME: (12, "partly"), Action.TIER: (12, "vip"), Action.CANNED: (12, "call"), Action.REPLY_BY: (12, "next"),
    Action.ASSIGN: (12, 201), Action.SURVEY_OVERALL: (12, 5),
    Action.SURVEY_SOLVED: (12, "not"), Action.SURVEY_DRIVER: (12, "empathy", 4),
    Action.FED_BACK: ("hq", "0a1b2c3d"),
}


@pytest.mark.parametrize("action", list(Action))
def test_every_button_reads_back_as_drawn(action: Action) -> None:
    args = SAMPLE_ARGS.get(action) or (("0a1b2c3d",) if action.value.startswith("c:") else (12,))
    assert len(args) == len(ARGS[action])
    press = decode(encode(action, *args))
    assert press is not None and press.action is action and press.args == args


@pytest.mark.parametrize("data", [
    None, "", "t:claim", "t:claim:", "t:claim:abc", "t:claim:-3", "t:claim:1:2", "t:fly:1",
    "t:out:1:perfect", "c:ok:../../etc", "c:lang:xx_YY_ZZ", "s:o:1:9", "s:d:1:charm:5",
    "m:assign:1:1.5", "d:fed:hq:zz", "t:claim:" + "9" * 30, "x" * 65,
])
def test_forged_button_data_is_not_read(data: str | None) -> None:
    assert decode(data) is None


# -- faults --------------------------------------------------------------------------------------


async def test_under_20_percent_faults_everyone_hears_back_and_each_ticket_has_one_card(
        tmp_path: Path) -> None:
    telegram = FakeTelegram(faults=0.2, seed=3)
    world = await start_world(tmp_path / "data", telegram=telegram, limits=QUICK_RETRIES)
    c = world.client
    await c.send(world.manager, "/start")
    await c.bot_joins(world.staff_group, by=world.li)
    customers = [FakeUser(3000 + i, f"客户{i}") for i in range(12)]
    for customer in customers:
        await file_complaint(world, "电热水壶漏水,我要退款", user=customer)
    await c.press_action(world.li, c.card(world.staff_group, 1), Action.ESCALATE)
    await c.press_action(world.wang, c.card(world.staff_group, 2), Action.ESCALATE)

    for customer in customers:
        texts = c.texts(customer)
        assert any("请问我们理解得对吗?" in t or "✅ 已提交。" in t for t in texts), customer
        assert any(t.startswith("无论是谁的责任") for t in texts), customer
    for number in range(1, 13):
        cards = [m for m in c.inbox(world.staff_group)
                 if m.reply_to is None and f"#{number} ·" in m.text.split("\n")[0]]
        assert len(cards) == 1, f"ticket #{number}: {len(cards)} cards"
        assert world.db.by_number(number).card_message_id == cards[0].message_id
    alerts = [t for t in c.texts(world.manager) if t.startswith("🆘")]
    assert {a.split("投诉单 #")[1].split(" ")[0] for a in alerts} == {"1", "2"}
    assert world.db.outgoing() == [], "everything delivered"
    assert sum(telegram.injected.values()) >= 10 and telegram.injected["lost"] > 0
    await world.stop()


async def test_a_card_duplicated_by_a_lost_answer_is_deleted(world: World) -> None:
    c = world.client
    await c.bot_joins(world.staff_group, by=world.li)
    await file_complaint(world)
    world.telegram.fail("sendMessage", "lost", chat_id=world.staff_group.id)
    await file_complaint(world, "空气净化器异味,我要退款", user=world.other_customer)
    cards = [m for m in c.inbox(world.staff_group) if m.text.startswith("🆕 投诉单 #2")]
    assert len(cards) == 1 and len(world.telegram.deleted) == 1
    assert world.db.by_number(2).card_message_id == cards[0].message_id


async def test_the_first_card_in_a_group_duplicated_by_a_lost_answer_is_deleted(
        world: World) -> None:
    c = world.client
    world.telegram.fail("sendMessage", "lost", chat_id=world.staff_group.id)
    await file_complaint(world)
    cards = [m for m in c.inbox(world.staff_group) if m.text.startswith("🆕 投诉单 #1")]
    assert len(cards) == 1 and len(world.telegram.deleted) == 1
    assert world.db.by_number(1).card_message_id == cards[0].message_id


async def test_bad_request_is_not_retried_and_the_digest_lists_it(world: World) -> None:
    c = world.client
    world.telegram.fail("sendMessage", "bad_request", chat_id=world.customer.id)
    await c.send(world.customer, "/help")
    tries = [x for x in world.telegram.sent("sendMessage")
             if x.params["chat_id"] == world.customer.id]
    assert len(tries) == 1, "a 400 is permanent"
    (failed,) = world.db.failed_outgoing()
    assert failed.kind == "help" and failed.error == "Fake failure"
    await c.send(world.manager, "/digest")
    digest = next(t for t in c.texts(world.manager) if t.startswith("📊"))
    assert "未能送达的消息:1 条\n  · help: Fake failure" in digest


async def test_network_errors_are_retried_for_a_day_then_given_up(world: World) -> None:
    world.telegram.fail("sendMessage", "network", chat_id=world.customer.id, times=10**6)
    await world.client.send(world.customer, "/help", settle=False)
    await asyncio.sleep(0.05)
    assert world.db.failed_outgoing() == [], "still trying"
    world.clock.advance(hours=25)
    await world.client.settle()
    (failed,) = world.db.failed_outgoing()
    assert "fake network failure" in failed.error
    world.telegram._failures.clear()


async def test_a_deleted_card_is_posted_again(world: World) -> None:
    c = world.client
    await file_complaint(world)
    old = c.card(world.staff_group, 1)
    world.telegram.fail("editMessageText", "not_found", chat_id=world.staff_group.id)
    await c.press_action(world.li, old, Action.ACCEPT)
    new = [m for m in c.inbox(world.staff_group) if m.text.startswith("🔧 投诉单 #1")]
    assert len(new) == 1 and new[0].message_id != old.message_id
    assert world.db.by_number(1).card_message_id == new[0].message_id


async def test_html_telegram_rejects_goes_out_as_plain_text(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "data")
    with world.outbox.transaction() as tx:
        world.outbox.send(tx, world.customer.id, "Tom <3 & friends", kind="test")
    await world.client.settle()
    assert world.client.last(world.customer).text == "Tom <3 & friends"
    assert len(world.telegram.html_errors) == 1, "rejected once, then sent without markup"
    await world.stop()


async def test_a_flood_answer_delays_only_that_chat(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "data", limits=Limits())
    c = world.client
    world.telegram.fail("sendMessage", "retry_after", chat_id=world.customer.id)
    start = time.monotonic()
    await c.send(world.customer, "/help", settle=False)
    await c.send(world.other_customer, "/help", settle=False)
    await until(lambda: c.inbox(world.customer) and c.inbox(world.other_customer))
    assert c.inbox(world.other_customer)[0].at - start < 0.3
    assert c.inbox(world.customer)[0].at - start >= 1.0, "Telegram asked for a second"
    await world.stop()


async def until(condition, limit: float = 5.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


# -- limits --------------------------------------------------------------------------------------


async def test_a_chatty_customer_does_not_delay_another(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "data", limits=Limits(),
                              telegram=FakeTelegram(limits=TelegramLimits()))
    c = world.client
    await file_complaint(world)
    delays = []
    for i in range(60):
        await c.send(world.customer, f"补充第 {i} 条", settle=False)
        if i % 20 == 10:
            other = FakeUser(3100 + i, "路人", language_code="en")
            asked = time.monotonic()
            await c.send(other, "/start s_hq", settle=False)
            await until(lambda o=other: c.inbox(o))
            delays.append(c.inbox(other)[0].at - asked)
    assert max(delays) <= 1.0, delays
    assert world.telegram.rejected == 0, "no 429"
    assert world.db.by_number(1).followups[-1]["text"] == "补充第 59 条"
    await world.stop()


async def test_a_card_changed_while_queued_is_edited_once_and_staff_get_one_notice(
        world: World) -> None:
    c = world.client
    await file_complaint(world)
    card = c.card(world.staff_group, 1)
    await world.outbox.stop()  # a slow group: nothing goes out for a while
    for i in range(5):
        await c.send(world.customer, f"补充{i}", settle=False)
    group = [e for e in world.db.outgoing() if e.chat_id == world.staff_group.id]
    assert sorted(e.kind for e in group) == ["card", "followup_notice"]
    world.outbox.start()
    await c.settle()
    assert card.edits == 1 and "补充4" in card.text
    notice = c.last(world.staff_group)
    assert notice.reply_to == card.message_id
    assert re.findall(r"<blockquote>(.*?)</blockquote>", notice.html) == [
        f"补充{i}" for i in range(5)]
    assert c.texts(world.customer).count("已补充到您的投诉单 #1,技术人员会看到。") == 1


async def test_in_a_group_new_cards_go_before_notices_and_notices_before_edits(
        world: World) -> None:
    c = world.client
    await file_complaint(world)
    await c.send(world.other_customer, "/start s_hq")
    await c.send(world.other_customer, "The kettle leaks, I want a refund")
    restatement = c.last(world.other_customer)
    await world.outbox.stop()
    await c.send(world.customer, "补充一下", settle=False)  # an edit of card #1 and a notice
    await c.press_action(world.other_customer, restatement, Action.CONFIRM, settle=False)  # card #2
    before = len(world.telegram.calls)
    world.outbox.start()
    await c.settle()
    order = [(call.method, render_html(call.params.get("text", ""))[:12]) for call in
             world.telegram.calls[before:] if call.params.get("chat_id") == world.staff_group.id]
    assert [m for m, _ in order] == ["sendMessage", "sendMessage", "editMessageText"]
    assert order[0][1].startswith("🆕 投诉单 #2") and order[1][1].startswith("💬")


# -- durability ----------------------------------------------------------------------------------

CHILD = """
import asyncio, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from desk.buttons import Action
from tests.conftest import start_world

async def main():
    world = await start_world(Path({data!r}))
    c = world.client
    await c.send(world.customer, "/start s_hq")
    await c.send(world.customer, "电热水壶漏水,我要退款")
    await world.outbox.stop()  # from here on the sender is too slow to send anything
    await c.press_action(world.customer, c.last(world.customer), Action.CONFIRM, settle=False)
    print("confirmed", flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


def kill_after_confirmation(data: Path) -> None:
    """A bot process confirms a complaint and is killed before it sends anything."""
    child = subprocess.Popen([sys.executable, "-c", CHILD.format(root=str(ROOT), data=str(data))],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "confirmed"
    child.send_signal(signal.SIGKILL)
    child.wait()


@pytest.mark.slow
async def test_sigkill_between_a_confirmation_and_its_sends(tmp_path: Path) -> None:
    data = tmp_path / "data"
    kill_after_confirmation(data)
    queued = json.loads((data / "desk.json").read_text(encoding="utf-8"))["outbox"]
    assert {e["kind"] for e in queued.values()} >= {"acknowledgement", "card"}

    world = await start_world(data)
    await world.client.settle()
    texts = world.client.texts(world.customer)
    assert len([t for t in texts if t.startswith("无论是谁的责任")]) == 1
    assert len([t for t in world.client.texts(world.staff_group) if "投诉单 #1" in t]) == 1
    assert world.db.by_number(1).card_message_id is not None
    assert world.db.outgoing() == [] or all(e.kind == "restatement"
                                             for e in world.db.failed_outgoing()), (
        "the restatement's edit targets a message of the dead process's fake")
    await world.stop()


async def test_startup_sweeps_run_within_a_second(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "data")
    await world.client.send(world.manager, "/start")
    await file_complaint(world)
    await world.stop()
    world.clock.set(START + timedelta(hours=12))  # long past sunset: the deadline was missed
    telegram = FakeTelegram()
    telegram.clock = world.clock
    app = bot.build_application(world.settings, request=telegram, clock=world.clock,
                                limits=Limits.unlimited())
    await app.initialize()
    started = time.monotonic()
    await app.start()
    await app.post_init(app)
    while not any(m.text.startswith("⚠️ 旗舰店:投诉单 #1") for m in telegram.chats.get(500, [])):
        assert time.monotonic() - started < 1.0, "the breach alert should go out at start-up"
        await asyncio.sleep(0.01)
    await app.stop()
    await app.post_stop(app)
    await app.shutdown()


async def test_a_note_press_and_a_sweep_together_remind_once(world: World) -> None:
    c = world.client
    await file_complaint(world)
    card = c.card(world.staff_group, 1)
    await c.press_action(world.li, card, Action.ACCEPT)
    world.telegram.latency = 0.05  # every request takes a while
    world.clock.set(START + timedelta(hours=5, minutes=52))  # an hour before sunset
    (sweep,) = world.app.job_queue.get_jobs_by_name(DEADLINES)
    await asyncio.gather(c.press_action(world.li, card, Action.NOTE, settle=False), sweep.run(world.app))
    await c.settle()
    await sweep.run(world.app)
    await c.settle()
    reminders = [t for t in c.texts(world.staff_group) if t.startswith("⏰")]
    assert len(reminders) == 1
    ticket = world.db.by_number(1)
    assert ticket.contact_reminded and ticket.note_prompt_id is not None


async def test_a_long_digest_arrives_in_parts_with_the_lists_cut(world: World) -> None:
    with world.db.transaction() as tx:
        for number in range(1, 301):
            confirmed = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
            ticket = Ticket(key=new_key(), store_id="hq", customer_id=5000 + number,
                            customer_name=f"客户{number}", language="zh_CN",
                            text=f"第{number}个问题:" + "描述" * 30, kind=Kind.QUALITY,
                            created_at=confirmed.isoformat(), state=State.NEW,
                            number=tx.next_number(), confirmed_at=confirmed.isoformat(),
                            contact_by=(confirmed + timedelta(hours=6)).isoformat(),
                            missed=True)
            ticket.events = [Event(confirmed.isoformat(), 0, "confirmed"),
                             Event((confirmed + timedelta(hours=6)).isoformat(), 0, "missed")]
            tx.save(ticket)
    await world.client.send(world.manager, "/digest")
    texts = [m for m in world.client.inbox(world.manager) if m.kind == "text"]
    assert all(utf16_len(m.text) <= 4096 for m in texts)
    digest = "\n".join(m.text for m in texts)
    assert "已记录但无人接单,已逾期:#1 #2" in digest and "另有 280 项" in digest
    assert world.db.outgoing() == []


def test_outgoing_records_round_trip() -> None:
    entry = Outgoing(id="x", chat_id=-1, kind="card", priority=Priority.CARD,
                     status=Status.FAILED, source=(1, 2))
    assert Outgoing.from_dict(json.loads(json.dumps(entry.to_dict()))) == entry


async def test_each_message_is_pending_then_sent_with_its_message_id(world: World) -> None:
    c = world.client
    await world.outbox.stop()
    await c.send(world.customer, "/start s_hq", settle=False)
    (pending,) = [e for e in world.db.outgoing() if e.chat_id == world.customer.id]
    assert pending.status.value == "pending" and pending.id
    world.outbox.start()
    await c.settle()
    assert world.db.outgoing() == []
    sent = world.db.sent_log(world.clock().date())
    record = next(r for r in sent if r["id"] == pending.id)
    assert record["status"] == "sent"
    assert record["message_ids"] == [c.last(world.customer).message_id]
