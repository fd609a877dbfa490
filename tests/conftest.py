"""A chain of two stores on an offline Telegram, with a fake clock and the people who use it.

Monday 23 November 2026, 10:00 in Shanghai. Store ``hq`` has two technicians (Li every day,
Wang on weekdays) and manager Zhao; store ``east`` has no roster and manager Qian.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

import bot
from desk.buttons import Action
from desk.clock import FakeClock
from desk.config import Settings, parse_settings
from desk.context import Desk
from desk.storage import Database
from outbox.context import DESK_KEY, OUTBOX_KEY
from outbox.limits import Limits
from outbox.post import Outbox
from sandbox.fake_telegram import FakeGroup, FakeTelegram, FakeUser, TelegramClient

START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai

CHAIN_TOML = """
data_dir = "{data_dir}"
bot_username = "SundownDeskBot"

[[stores]]
id = "hq"
name = "旗舰店"
staff_chat_id = -1001
managers = [500]
timezone = "Asia/Shanghai"
location = {{ lat = 31.23, lon = 121.47 }}
products = ["电热水壶", "空气净化器"]
hours = {{ mon = "09:00-21:00", tue = "09:00-21:00", wed = "09:00-21:00", thu = "09:00-21:00", fri = "09:00-21:00", sat = "10:00-18:00" }}

[[stores.technicians]]
user_id = 201
name = "李工"

[[stores.technicians]]
user_id = 202
name = "王工"
on_duty = ["mon", "tue", "wed", "thu", "fri"]

[[stores]]
id = "east"
name = "东区店"
staff_chat_id = -1002
managers = [501]
timezone = "Asia/Shanghai"
location = {{ lat = 31.2, lon = 121.6 }}
"""


@dataclass
class World:
    """Everything a conversation test touches."""

    app: object
    telegram: FakeTelegram
    client: TelegramClient
    clock: FakeClock
    settings: Settings
    customer: FakeUser
    other_customer: FakeUser
    li: FakeUser
    wang: FakeUser
    outsider: FakeUser
    manager: FakeUser
    east_manager: FakeUser
    staff_group: FakeGroup
    east_group: FakeGroup

    @property
    def desk(self) -> Desk:
        return self.app.bot_data[DESK_KEY]

    @property
    def db(self) -> Database:
        return self.desk.db

    @property
    def outbox(self) -> Outbox:
        return self.app.bot_data[OUTBOX_KEY]

    def told(self, kind: str) -> list[int]:
        """The chats that were sent a message of this ``Outgoing.kind`` ("acknowledgement",
        "card", "alert", ...), in the order delivered: what a test asserts instead of the
        message's words."""
        logs = sorted((self.db.data_dir / "outbox").glob("sent-*.jsonl"))
        records = [json.loads(line) for path in logs
                   for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [r["chat_id"] for r in records if r["kind"] == kind]

    async def stop(self) -> None:
        """Stop as run mode does: the sender finishes what is under way, the rest stays."""
        await self.outbox.stop()
        await self.app.shutdown()


def chain_settings(data_dir: Path, toml: str = CHAIN_TOML) -> Settings:
    return parse_settings(toml.format(data_dir=data_dir.as_posix()))


async def start_world(data_dir: Path, toml: str = CHAIN_TOML,
                      clock: FakeClock | None = None, telegram: FakeTelegram | None = None,
                      limits: Limits | None = None) -> World:
    """The bot on the fake Telegram; by default the sender keeps no rate limits (the tests
    about limits pass Telegram's)."""
    settings = chain_settings(data_dir, toml)
    telegram = telegram or FakeTelegram()
    clock = clock or FakeClock(START)
    telegram.clock = clock
    app = bot.build_application(settings, request=telegram, clock=clock,
                                limits=limits or Limits.unlimited())
    await app.initialize()
    app.bot_data[OUTBOX_KEY].start()
    client = TelegramClient(app, telegram)
    return World(
        app=app, telegram=telegram, client=client, clock=clock, settings=settings,
        customer=FakeUser(1001, "张", "女士"),
        other_customer=FakeUser(1002, "Tom", language_code="en"),
        li=FakeUser(201, "Li"),
        wang=FakeUser(202, "Wang"),
        outsider=FakeUser(299, "Stranger"),
        manager=FakeUser(500, "赵经理"),
        east_manager=FakeUser(501, "钱经理"),
        staff_group=FakeGroup(-1001, "旗舰店员工群"),
        east_group=FakeGroup(-1002, "东区店员工群"),
    )


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    w = await start_world(tmp_path / "data")
    yield w
    await w.stop()
    assert w.client.errors == [], f"unhandled errors: {w.client.errors!r}"
    assert w.telegram.html_errors == [], "Telegram would have rejected these messages"


async def file_complaint(w: World, text: str = "电热水壶用了两天就漏水,我要换货",
                         user: FakeUser | None = None, store: str = "hq") -> int:
    """A customer opens the store's link, complains and confirms; returns the ticket number."""
    user = user or w.customer
    await w.client.send(user, f"/start s_{store}")
    await w.client.send(user, text)
    question = w.client.last(user)
    if any(b["callback_data"].startswith("c:want:") for row in question.buttons for b in row):
        await w.client.press(user, question, question.buttons[0][0]["callback_data"])
    await w.client.press_action(user, w.client.last(user), Action.CONFIRM)
    return w.db.last_number()
