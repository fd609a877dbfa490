"""The sunset rule and the callback time, case by case (times are the store's local time).
A promised time is the quarter hour before: sunset at 16:52 promises 16:45."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from desk.calendar import (
    callback_time,
    contact_deadline,
    is_open_on,
    quarter_before,
    ticket_contact_deadline,
)
from desk.config import parse_settings
from desk.promises import reply_options
from tests.conftest import CHAIN_TOML, chain_settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
HQ = chain_settings(Path("/tmp/unused")).store("hq")  # Mon-Fri 09-21, Sat 10-18, Sun closed
# The same store configured closed on public holidays (open on them by default).
HQ_CLOSED = parse_settings(CHAIN_TOML.format(data_dir="/tmp/unused").replace(
    'products = ["电热水壶", "空气净化器"]',
    'products = ["电热水壶", "空气净化器"]\nclosed_on_holidays = true')).store("hq")

BERLIN_TOML = CHAIN_TOML + """
[[stores]]
id = "berlin"
name = "Berlin"
staff_chat_id = -1003
managers = [502]
timezone = "Europe/Berlin"
holidays_country = "DE"
holidays_subdivision = "BE"
location = {{ lat = 52.52, lon = 13.40 }}
hours = {{ mon = "10:00-20:00", tue = "10:00-20:00", wed = "10:00-20:00", thu = "10:00-20:00", fri = "10:00-20:00", sat = "10:00-20:00" }}
closed_dates = [2026-12-24]
closed_on_holidays = true
"""
BERLIN = parse_settings(BERLIN_TOML.format(data_dir="/tmp/unused")).store("berlin")
NO_SUNSET = parse_settings(CHAIN_TOML.format(data_dir="/tmp/unused").replace(
    'products = ["电热水壶", "空气净化器"]',
    'products = ["电热水壶"]\npromises = { use_sunset = false }')).store("hq")


def local(*args: int, tz: ZoneInfo = SHANGHAI) -> datetime:
    return datetime(*args, tzinfo=tz)


@pytest.mark.parametrize(("case", "store", "received", "deadline"), [
    ("before opening", HQ, local(2026, 11, 23, 7, 30), local(2026, 11, 23, 16, 45)),
    ("mid-day, sunset before closing", HQ, local(2026, 11, 23, 10, 0),
     local(2026, 11, 23, 16, 45)),
    ("after sunset in December", HQ, local(2026, 12, 21, 17, 30),
     local(2026, 12, 22, 16, 45)),
    ("after 17:30 in June the sun is still up", HQ, local(2026, 6, 22, 17, 30),
     local(2026, 6, 22, 19, 0)),
    ("Friday evening: Saturday has shorter hours", HQ, local(2026, 11, 27, 20, 0),
     local(2026, 11, 28, 16, 45)),
    ("Saturday evening before a closed Sunday", HQ, local(2026, 11, 28, 17, 0),
     local(2026, 11, 30, 16, 45)),
    ("eve of Spring Festival: holidays skipped", HQ_CLOSED, local(2027, 2, 4, 19, 0),
     local(2027, 2, 11, 17, 30)),
    ("eve of Spring Festival, open on holidays", HQ, local(2027, 2, 4, 19, 0),
     local(2027, 2, 5, 17, 30)),
    ("National Day, open on holidays", HQ, local(2026, 10, 1, 10, 0),
     local(2026, 10, 1, 17, 30)),
    ("sunset switched off: closing time", NO_SUNSET, local(2026, 12, 21, 17, 30),
     local(2026, 12, 21, 21, 0)),
    ("another time zone", BERLIN, local(2026, 12, 21, 15, 0, tz=ZoneInfo("Europe/Berlin")),
     local(2026, 12, 21, 15, 45, tz=ZoneInfo("Europe/Berlin"))),
    ("another country's holidays and an extra closed date", BERLIN,
     local(2026, 12, 23, 18, 0, tz=ZoneInfo("Europe/Berlin")),
     local(2026, 12, 28, 15, 45, tz=ZoneInfo("Europe/Berlin"))),
])
def test_contact_deadline(case: str, store, received: datetime, deadline: datetime) -> None:
    assert contact_deadline(store, received) == deadline, case


def test_public_holidays_close_a_store_configured_closed() -> None:
    assert not is_open_on(HQ_CLOSED, date(2026, 10, 1))  # National Day
    assert not is_open_on(HQ_CLOSED, date(2027, 2, 6))  # Spring Festival
    assert is_open_on(HQ_CLOSED, date(2026, 11, 23))
    assert is_open_on(HQ, date(2026, 10, 1)) and is_open_on(HQ, date(2027, 2, 6))
    assert not is_open_on(BERLIN, date(2026, 12, 25))  # Christmas in Germany
    assert is_open_on(BERLIN, date(2026, 10, 1))


@pytest.mark.parametrize(("done", "callback"), [
    (local(2026, 11, 23, 15, 0), local(2026, 11, 24, 10, 0)),  # next opening day, 10:00
    (local(2026, 11, 28, 15, 0), local(2026, 11, 30, 10, 0)),  # Saturday -> Monday
    (local(2026, 9, 30, 15, 0), local(2026, 10, 1, 10, 0)),  # open on the National Day
])
def test_callback_time(done: datetime, callback: datetime) -> None:
    assert callback_time(HQ, done) == callback


def test_callback_time_over_a_closed_holiday_week() -> None:
    assert callback_time(HQ_CLOSED, local(2026, 9, 30, 15, 0)) == local(2026, 10, 8, 10, 0)


def test_callback_time_stays_inside_opening_hours() -> None:
    early = parse_settings(CHAIN_TOML.format(data_dir="/tmp/unused").replace(
        'products = ["电热水壶", "空气净化器"]',
        'products = ["电热水壶"]\npromises = { callback_time = "08:00" }')).store("hq")
    assert callback_time(early, local(2026, 11, 27, 15, 0)) == local(2026, 11, 28, 10, 0)


HQ_HOURS = ('hours = {{ mon = "09:00-21:00", tue = "09:00-21:00", wed = "09:00-21:00", '
            'thu = "09:00-21:00", fri = "09:00-21:00", sat = "10:00-18:00" }}')


@pytest.mark.parametrize(("hours", "at", "expected"), [
    # (Tuesday's opening hours, callback_time, the callback on Tuesday 2026-11-24)
    ("09:00-21:00", "10:00", (10, 0)),  # the set time, well inside
    ("09:00-21:00", "08:00", (9, 0)),  # before opening: at opening
    ("09:00-21:00", "20:50", (20, 30)),  # too near closing: half an hour before it
    ("09:00-10:00", "10:00", (9, 30)),  # one hour open: half an hour before closing
    ("09:00-09:30", "10:00", (9, 0)),  # exactly 30 minutes: at opening
    ("09:00-09:20", "10:00", (9, 0)),  # shorter than 30 minutes: at opening, not before it
    ("09:00-09:01", "08:00", (9, 0)),
    ("09:00-09:20", "09:10", (9, 0)),
])
def test_callback_time_is_inside_short_opening_hours(hours: str, at: str,
                                                     expected: tuple[int, int]) -> None:
    store = parse_settings(CHAIN_TOML.format(data_dir="/tmp/unused").replace(
        HQ_HOURS.format(), HQ_HOURS.format().replace('tue = "09:00-21:00"', f'tue = "{hours}"'))
        .replace('products = ["电热水壶", "空气净化器"]',
                 f'products = ["电热水壶"]\npromises = {{ callback_time = "{at}" }}')).store("hq")
    assert store.hours[1] is not None and store.hours[1][1].strftime("%H:%M") == hours[-5:]
    moment = callback_time(store, local(2026, 11, 23, 15, 0))
    assert moment == local(2026, 11, 24, *expected)
    opening, closing = store.hours[1]
    assert opening <= moment.timetz().replace(tzinfo=None) < closing


@pytest.mark.parametrize(("moment", "rounded"), [
    (local(2026, 11, 23, 16, 52), local(2026, 11, 23, 16, 45)),
    (local(2026, 11, 23, 16, 45), local(2026, 11, 23, 16, 45)),
    (local(2026, 11, 23, 16, 44, 59), local(2026, 11, 23, 16, 30)),
    (local(2026, 11, 23, 17, 0, 30), local(2026, 11, 23, 17, 0)),
    (local(2026, 11, 23, 9, 14), local(2026, 11, 23, 9, 0)),
])
def test_a_promise_is_the_quarter_hour_before(moment: datetime, rounded: datetime) -> None:
    assert quarter_before(moment) == rounded


URGENT_VIP = parse_settings(CHAIN_TOML.format(data_dir="/tmp/unused").replace(
    'products = ["电热水壶", "空气净化器"]',
    'products = ["电热水壶"]\npromises = { urgent_contact_minutes = 30, '
    'vip_contact_within_minutes = 120 }')).store("hq")


@pytest.mark.parametrize(("case", "received", "vip", "urgent", "deadline"), [
    ("ordinary", local(2026, 11, 23, 10, 7), False, False, local(2026, 11, 23, 16, 45)),
    ("urgent: 10:37 rounds down", local(2026, 11, 23, 10, 7), False, True,
     local(2026, 11, 23, 10, 30)),
    ("VIP: 12:07 rounds down", local(2026, 11, 23, 10, 7), True, False,
     local(2026, 11, 23, 12, 0)),
    ("urgent before opening: 09:30", local(2026, 11, 23, 7, 52), False, True,
     local(2026, 11, 23, 9, 30)),
    ("VIP late in the day: the day's deadline", local(2026, 11, 23, 16, 0), True, False,
     local(2026, 11, 23, 16, 45)),
])
def test_every_contact_deadline_is_a_quarter_hour(case: str, received: datetime, vip: bool,
                                                  urgent: bool, deadline: datetime) -> None:
    """Item 8: what the customer is told is what is stored and watched, so the one place that
    computes a new ticket's deadline rounds it."""
    assert ticket_contact_deadline(URGENT_VIP, received, vip=vip, urgent=urgent) == deadline, case


def test_reply_options_are_quarter_hours() -> None:
    store = parse_settings(CHAIN_TOML.format(data_dir="/tmp/unused").replace(
        HQ_HOURS.format(), HQ_HOURS.format().replace('mon = "09:00-21:00"',
                                                     'mon = "09:00-20:50"'))).store("hq")
    assert reply_options(store, local(2026, 11, 23, 10, 0)) == [
        ("today", local(2026, 11, 23, 20, 45)), ("next", local(2026, 11, 24, 21, 0)),
        ("third", local(2026, 11, 26, 21, 0))]
