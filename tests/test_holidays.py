"""Public holidays (issue 19, item 7): retail is open on them unless a store is configured
closed; a closed stretch shifts the contact deadline, and a complaint that waits more than one
closed day is brought to the managers once."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

from desk.calendar import contact_deadline, is_open_on
from desk.config import parse_settings
from tests.conftest import CHAIN_TOML, chain_settings, file_complaint, start_world
from tests.test_promises import tick

ROOT = Path(__file__).resolve().parent.parent
CLOSED_TOML = CHAIN_TOML.replace('products = ["电热水壶", "空气净化器"]',
                                 'products = ["电热水壶", "空气净化器"]\nclosed_on_holidays = true')


def shanghai(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour - 8, minute, tzinfo=UTC)


def test_stores_are_open_on_public_holidays_by_default() -> None:
    hq = chain_settings(Path("/tmp/unused")).store("hq")
    assert not hq.closed_on_holidays
    assert is_open_on(hq, date(2026, 10, 1))  # National Day, a Thursday
    deadline = contact_deadline(hq, shanghai(10, 1, 10))
    assert deadline.astimezone(hq.timezone).date() == date(2026, 10, 1), "not 8 October"


def test_an_explicit_closed_on_holidays_still_closes() -> None:
    hq = parse_settings(CLOSED_TOML.format(data_dir="/tmp/unused")).store("hq")
    assert hq.closed_on_holidays
    assert not is_open_on(hq, date(2026, 10, 1))
    deadline = contact_deadline(hq, shanghai(10, 1, 10))
    assert deadline.astimezone(hq.timezone).date() == date(2026, 10, 8)


def test_the_example_config_keeps_stores_open_on_holidays() -> None:
    raw = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    assert all(store.get("closed_on_holidays", False) is False for store in raw["stores"])


async def test_a_national_day_complaint_is_promised_the_same_day(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "data")
    world.clock.set(shanghai(10, 1, 10))
    await file_complaint(world)
    ticket = world.db.by_number(1)
    assert ticket.contact_by == "2026-10-01T17:30:00+08:00"
    assert "接下来:旗舰店的技术人员会在今天 17:30 前与您联系。" in world.client.texts(
        world.customer)[-2]


async def test_a_long_closed_wait_alerts_the_managers_once(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "data", toml=CLOSED_TOML)
    c = world.client
    await c.send(world.manager, "/start")
    world.clock.set(shanghai(9, 30, 20))  # after sunset on the eve of the National Day week
    await file_complaint(world)
    ticket = world.db.by_number(1)
    assert ticket.contact_by.startswith("2026-10-08T"), "the closed week shifts the deadline"
    before = len(c.inbox(world.manager))
    await tick(world)
    alert = c.last(world.manager)
    assert len(c.inbox(world.manager)) == before + 1
    assert alert.text.startswith("📅 旗舰店:投诉单 #1 来时门店连续休息 7 天")
    assert "10月8日 17:" in alert.text
    assert [e.action for e in world.db.by_number(1).events][-1] == "long_wait"
    await tick(world, hours=2)
    assert len(c.inbox(world.manager)) == before + 1, "once"
    assert c.inbox(world.east_manager) == [], "only the store's own managers"


async def test_one_closed_day_alerts_nobody(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "data", toml=CLOSED_TOML)
    c = world.client
    await c.send(world.manager, "/start")
    world.clock.set(shanghai(11, 28, 19))  # Saturday after closing; Sunday closed
    await file_complaint(world)
    assert world.db.by_number(1).contact_by.startswith("2026-11-30T")
    before = len(c.inbox(world.manager))
    await tick(world)
    assert len(c.inbox(world.manager)) == before
    assert "long_wait" not in [e.action for e in world.db.by_number(1).events]
