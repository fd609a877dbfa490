"""A rush at one store: 60 customers confirm complaints within 20 s while one sends 60 follow-ups.

    python bench/burst.py [--customers 60] [--seconds 20] [--topics]

The real Application with the sender and limits of ``run`` mode, on the fake transport that
enforces Telegram's limits (30 messages a second, 20 a minute in a group, about one a second in
a private chat; 429 past them). Updates are handled one at a time, as the Updater does. A
customer's "reply" is the first thing the bot shows in their chat after they act (the
greeting, the restatement, the acknowledgement). Then the same rush with 20% of message
requests failing (500, 502, timeouts, executed with the answer lost).

Goals: reply p99 during the burst <= 1.5 s; 0 x 429; 0 duplicate cards; nobody without an
acknowledgement; <= 20 group messages in any 60 s; the last card visible <= 200 s after the
first confirmation (60 cards at 20 a minute need 180 s).

``--topics``: the same rush (without faults) into a forum group in topics mode, after the
clean rush in card mode: each ticket opens a topic (a group message) and posts its card in it
(another), pinned (not a message). Goals: 0 x 429, 0 duplicate cards, nobody without an
acknowledgement, reply p99 as in card mode, and the last card visible within 1.1 x the least
time Telegram's 20 a minute allows for the group messages sent until then (N messages need
at least floor((N - 1) / 20) minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bot
from desk.clock import FakeClock
from desk.models import State
from outbox.context import desk_of, outbox_of
from sandbox.fake_telegram import (
    MESSAGE_METHODS,
    FakeGroup,
    FakeTelegram,
    FakeUser,
    Shown,
    TelegramClient,
    TelegramLimits,
)
from sandbox.story import DEMO_START, demo_settings

COMPLAINT = "电热水壶用了两天就漏水,我要换货"
CHATTY_ID = 70_000_000
FIRST_CUSTOMER = 70_000_100
# How long a customer takes to read the bot's answer and type the next thing.
READING = 1.0
SETTLE_LIMIT = 600.0


@dataclass
class Rush:
    """What one run saw."""

    idle: list[float] = field(default_factory=list)
    burst: list[float] = field(default_factory=list)
    group_times: list[float] = field(default_factory=list)
    first_confirmation: float = 0.0
    last_card: float = 0.0
    rejected: int = 0
    rejected_by: str = ""
    duplicates: int = 0
    unacknowledged: int = 0
    without_card: int = 0
    unsettled: int = 0
    group_messages: int = 0  # sent to the group until the last card showed (topics counted)
    topics: int = 0


class Chats:
    """When the bot last showed something in each chat; lets a customer wait for an answer."""

    def __init__(self, telegram: FakeTelegram, group: int):
        self.group = group
        self.events: dict[int, list[float]] = {}
        self.group_times: list[float] = []
        telegram.listeners.append(self._seen)

    def _seen(self, event: str, shown: Shown) -> None:
        if not shown.from_bot:
            return
        now = time.monotonic()
        self.events.setdefault(shown.chat_id, []).append(now)
        if shown.chat_id == self.group:
            self.group_times.append(now)

    def count(self, chat_id: int) -> int:
        return len(self.events.get(chat_id, []))

    async def answer_after(self, chat_id: int, before: int, asked: float,
                           limit: float = 60.0) -> float | None:
        """Seconds from ``asked`` until the bot showed something new in the chat."""
        while self.count(chat_id) <= before:
            if time.monotonic() - asked > limit:
                return None
            await asyncio.sleep(0.005)
        return self.events[chat_id][before] - asked


async def rush(customers: int, seconds: float, faults: float, topics: bool = False) -> Rush:
    with tempfile.TemporaryDirectory() as folder:
        settings = demo_settings(Path(folder) / "data")
        # The demo's store has topics mode on: card mode turns it off.
        settings = dataclasses.replace(settings, stores=tuple(
            dataclasses.replace(s, staff_topics=topics) for s in settings.stores))
        store = settings.stores[0]
        telegram = FakeTelegram(limits=TelegramLimits(), faults=faults, seed=7)
        if topics:
            telegram.forum(FakeGroup(store.staff_chat_id, store.name))
        clock = FakeClock(DEMO_START)
        telegram.clock = clock
        application = bot.build_application(settings, request=telegram, clock=clock)
        await application.initialize()
        outbox = outbox_of(application)
        outbox.start()
        client = TelegramClient(application, telegram)
        chats = Chats(telegram, store.staff_chat_id)
        updates = asyncio.Lock()  # one update at a time, as the Updater hands them over
        result = Rush()

        async def act(user: FakeUser, action) -> float | None:
            before = chats.count(user.id)
            asked = time.monotonic()
            async with updates:
                await action()
            return await chats.answer_after(user.id, before, asked)

        async def customer(user: FakeUser, delay: float, into: list[float]) -> None:
            await asyncio.sleep(delay)
            await record(into, await act(user, lambda: client.send(
                user, f"/start s_{store.id}", settle=False)))
            await asyncio.sleep(READING)
            await record(into, await act(user, lambda: client.send(
                user, COMPLAINT, settle=False)))
            await asyncio.sleep(READING)
            restatement = client.last(user)
            if not result.first_confirmation:
                result.first_confirmation = time.monotonic()
            await record(into, await act(user, lambda: client.click(
                user, restatement, "✅", settle=False)))

        async def record(into: list[float], seconds: float | None) -> None:
            into.append(seconds if seconds is not None else float("inf"))

        # Idle: a quiet morning, one customer after another says hello.
        for i in range(20):
            user = FakeUser(FIRST_CUSTOMER - 50 + i, "客户")
            await record(result.idle, await act(user, lambda u=user: client.send(
                u, f"/start s_{store.id}", settle=False)))
            await asyncio.sleep(0.05)

        # The rush: the chatty customer files first, then talks on while the others arrive.
        chatty = FakeUser(CHATTY_ID, "话多")
        people = [FakeUser(FIRST_CUSTOMER + i, "客户") for i in range(customers)]
        await customer(chatty, 0.0, [])

        async def talk() -> None:
            for i in range(60):
                async with updates:
                    await client.send(chatty, f"补充第 {i} 条:还有一个问题", settle=False)
                await asyncio.sleep(seconds / 60)

        spread = max(0.0, seconds - 2 * READING)
        await asyncio.gather(talk(), *(
            customer(person, spread * i / max(1, customers - 1), result.burst)
            for i, person in enumerate(people)))

        # Let the sender finish: cards at 20 a minute, retries with backoff.
        sender = outbox.sender
        deadline = time.monotonic() + SETTLE_LIMIT
        while time.monotonic() < deadline:
            if not (sender.backlog() or sender.flying):
                break
            await asyncio.sleep(0.2)
        result.unsettled = sender.backlog()

        db = desk_of(application).db
        everyone = [chatty, *people]
        numbers: dict[int, int] = {}
        for person in everyone:
            ticket = next((t for t in db.tickets_of(person.id) if t.state is not State.DRAFT),
                          None)
            if ticket is None or not any(f"#{ticket.number}" in text
                                         for text in client.texts(person)):
                result.unacknowledged += 1
            if ticket is not None:
                numbers[ticket.number] = 0
        card_times = []
        for message in client.inbox(store.staff_chat_id):
            first = message.text.split("\n", 1)[0]
            found = re.search(r"#(\d+)\b", first)
            # In a topic, notices reply to nothing (the topic is the thread): a card is the
            # message with the ticket's buttons.
            if message.reply_to is None and found and int(found[1]) in numbers \
                    and (not topics or message.buttons):
                numbers[int(found[1])] += 1
                card_times.append(message.at)
        result.duplicates = sum(n - 1 for n in numbers.values() if n > 1)
        result.without_card = sum(1 for n in numbers.values() if n == 0)
        result.last_card = max(card_times) - result.first_confirmation if card_times else 0.0
        last = max(card_times, default=0.0)
        result.group_messages = sum(
            1 for call in telegram.calls if call.method in MESSAGE_METHODS
            and str(call.params.get("chat_id")) == str(store.staff_chat_id) and call.at <= last)
        result.topics = len(telegram.topic_list(store.staff_chat_id))
        if topics:  # a topic made or renamed is a group message too
            result.group_times = sorted(
                call.at for call in telegram.calls if call.method in MESSAGE_METHODS
                and str(call.params.get("chat_id")) == str(store.staff_chat_id))
        result.group_times = result.group_times or chats.group_times
        result.rejected = telegram.rejected
        result.rejected_by = ", ".join(f"{k} {v}" for k, v in sorted(
            telegram.rejected_by.items()))
        await outbox.stop()
        await application.shutdown()
        return result


def p99(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def busiest_minute(times: list[float]) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 60.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def least_time(messages: int, per_minute: int = 20) -> float:
    """The least time Telegram's group limit allows for ``messages``: 20 at once, then 20 more
    each minute."""
    return 60.0 * ((messages - 1) // per_minute) if messages else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--topics", action="store_true",
                        help="card mode, then the same rush in topics mode (no faults)")
    args = parser.parse_args()
    clean = asyncio.run(rush(args.customers, args.seconds, faults=0.0))
    print(f"customer reply p99 (idle): {p99(clean.idle):.2f} s")
    print(f"customer reply p99 (burst): {p99(clean.burst):.2f} s")
    print(f"429 answers: {clean.rejected} {clean.rejected_by}".rstrip())
    print(f"duplicate cards: {clean.duplicates}")
    print(f"customers without acknowledgement: {clean.unacknowledged}")
    print(f"group messages in the busiest 60 s: {busiest_minute(clean.group_times)}")
    print(f"last card visible after: {clean.last_card:.0f} s")
    if args.topics:
        topics(args, clean)
        return
    faulty = asyncio.run(rush(args.customers, args.seconds, faults=0.2))
    print(f"customer reply p99 (burst, faults): {p99(faulty.burst):.2f} s")
    print(f"429 answers (faults): {faulty.rejected}")
    print(f"duplicate cards (faults): {faulty.duplicates}")
    print(f"customers without acknowledgement (faults): {faulty.unacknowledged}")
    print(f"tickets without card (faults): {faulty.without_card}")
    print("goals: reply p99 <= 1.5 s, 0 x 429, 0 duplicates, 0 lost, <= 20 per 60 s, "
          "last card <= 200 s")


def topics(args: argparse.Namespace, cards: Rush) -> None:
    forum = asyncio.run(rush(args.customers, args.seconds, faults=0.0, topics=True))
    least = least_time(forum.group_messages)
    print("topics mode:")
    print(f"customer reply p99 (burst, topics): {p99(forum.burst):.2f} s "
          f"(card mode {p99(cards.burst):.2f} s)")
    print(f"429 answers (topics): {forum.rejected} {forum.rejected_by}".rstrip())
    print(f"duplicate cards (topics): {forum.duplicates}")
    print(f"customers without acknowledgement (topics): {forum.unacknowledged}")
    print(f"tickets without card (topics): {forum.without_card}")
    print(f"topics made: {forum.topics}")
    print(f"group messages in the busiest 60 s (topics): {busiest_minute(forum.group_times)}")
    print(f"group messages until the last card (topics and cards): {forum.group_messages}")
    print(f"last card visible after (topics): {forum.last_card:.0f} s; least time the group "
          f"limit allows: {least:.0f} s; ratio {forum.last_card / least if least else 0:.3f}")
    print("goals (topics): 0 x 429, 0 duplicates, 0 lost, reply p99 as in card mode, "
          "ratio <= 1.1")


if __name__ == "__main__":
    main()
