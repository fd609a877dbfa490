"""`sundown init`: from an empty folder and a token to a running bot whose `check` passes.

The owner, a technician, a manager and a stranger use the fake Telegram; `run_polling` is
replaced by a driver that plays the set-up conversation on the set-up application, then a
customer's complaint on the complaint desk that `sundown init` starts in the same process.
"""

from __future__ import annotations

import argparse
import asyncio
import re
from pathlib import Path

import pytest
from telegram.ext import Application

import bot
from desk.config import load_settings
from desk.setup import SetupState, nearest_zone, render_config
from handlers import setup as setup_chat
from outbox.context import DESK_KEY
from sandbox.fake_telegram import FakeGroup, FakeTelegram, FakeUser, Shown, TelegramClient

TOKEN = "123456:SECRET-TOKEN-abcdefghijklmnopqrstuv"
OWNER = FakeUser(500, "赵经理")
LI = FakeUser(201, "李工")
QIAN = FakeUser(501, "Qian", language_code="en")
STRANGER = FakeUser(666, "Mallory", language_code="en")
CUSTOMER = FakeUser(1001, "张", "女士")
HQ_GROUP = FakeGroup(-1001, "旗舰店员工群")
EAST_GROUP = FakeGroup(-1002, "东区店员工群")


def data_of(message: Shown, prefix: str) -> str:
    """The callback data of the one button whose data starts with ``prefix``: pressed by its
    action, not by its label."""
    found = [b["callback_data"] for row in message.buttons for b in row
             if b["callback_data"].startswith(prefix)]
    assert len(found) == 1, (prefix, message.buttons)
    return found[0]


def state_of(app: Application) -> SetupState | None:
    with app.bot_data[DESK_KEY].db.transaction() as tx:
        doc = tx.setup_state()
    return SetupState.from_dict(doc) if doc else None


async def send_location(c: TelegramClient, user: FakeUser, lat: float, lon: float) -> None:
    location = {"latitude": lat, "longitude": lon}
    await c._process({"message": c._message(user, None, display="📍", location=location)})


async def set_up(app: Application, telegram: FakeTelegram) -> None:
    """The whole conversation, as the owner and the staff go through it."""
    c = TelegramClient(app, telegram)
    code = state_of(app).code

    # A stranger cannot become the owner, with a guessed code or without one.
    await c.send(STRANGER, "/start setup-0123456789abcdef")
    await c.send(STRANGER, "/start")
    assert state_of(app).owner_id is None
    assert "not valid" in c.texts(STRANGER)[0] and "set up" in c.texts(STRANGER)[1]

    await c.send(OWNER, f"/start setup-{code}")
    assert state_of(app).owner_id == OWNER.id
    assert "店" in c.last(OWNER).text  # asks the store's name, in the owner's Chinese
    await c.send(STRANGER, f"/start setup-{code}")  # the same link, once more: spent
    assert state_of(app).owner_id == OWNER.id
    assert "not valid" in c.last(STRANGER).text

    # First store: a city button for the place, then the hours by buttons.
    await c.send(OWNER, "旗舰店")
    store_id = state_of(app).stores[0].id
    await c.press(OWNER, c.last(OWNER), data_of(c.last(OWNER), f"u:city:{store_id}:shanghai"))
    await c.press(OWNER, c.last(OWNER), data_of(c.last(OWNER), f"u:open:{store_id}:0900"))
    await c.press(OWNER, c.last(OWNER), data_of(c.last(OWNER), f"u:close:{store_id}:2100"))
    await c.press(OWNER, c.last(OWNER), data_of(c.last(OWNER), f"u:days:{store_id}:mon_sat"))
    assert "startgroup=setup" in c.last(OWNER).html

    # The bot is added to the staff group: it asks which store; only the owner may answer.
    await c.bot_joins(HQ_GROUP, by=OWNER)
    question = c.last(HQ_GROUP)
    answer = await c.press(STRANGER, question, data_of(question, f"u:group:{store_id}"))
    assert answer and "owner" in answer
    assert state_of(app).stores[0].staff_chat_id is None
    await c.press(OWNER, question, data_of(question, f"u:group:{store_id}"))
    assert state_of(app).stores[0].staff_chat_id == HQ_GROUP.id
    assert telegram.find(HQ_GROUP.id, question.message_id).buttons == [], "answered once"

    # A technician and a manager join by one-time links.
    menu = c.last(OWNER)
    await c.press(OWNER, menu, data_of(menu, f"u:tech:{store_id}"))
    link = re.search(r"start=(join-[0-9a-f]+)", c.inbox(OWNER)[-2].text).group(1)
    await c.send(LI, f"/start {link}")
    await c.send(STRANGER, f"/start {link}")  # forwarded on: spent
    assert "not valid" in c.last(STRANGER).text
    assert state_of(app).stores[0].technicians == [{"user_id": LI.id, "name": "李工"}]

    # Finishing too early says what is missing and changes nothing.
    await c.press(OWNER, c.last(OWNER), "u:add")
    await c.send(OWNER, "东区店")
    east_id = state_of(app).stores[1].id
    await c.press(OWNER, c.last(OWNER), "u:done")
    assert not app.bot_data[setup_chat.SETUP_KEY].done
    assert "东区店" in c.last(OWNER).text

    # Second store: a shared location gives the coordinates and the nearest zone.
    await send_location(c, OWNER, 31.2, 121.6)
    east = state_of(app).stores[1]
    assert (east.lat, east.lon, east.timezone) == (31.2, 121.6, "Asia/Shanghai")
    await c.press(OWNER, c.last(OWNER), data_of(c.last(OWNER), f"u:open:{east_id}:1000"))
    await c.press(OWNER, c.last(OWNER), data_of(c.last(OWNER), f"u:close:{east_id}:2000"))
    await c.press(OWNER, c.last(OWNER), data_of(c.last(OWNER), f"u:days:{east_id}:all"))
    await c.bot_joins(EAST_GROUP, by=OWNER)
    await c.press(OWNER, c.last(EAST_GROUP), data_of(c.last(EAST_GROUP), f"u:group:{east_id}"))
    menu = c.last(OWNER)
    await c.press(OWNER, menu, data_of(menu, f"u:mgr:{east_id}"))
    link = re.search(r"start=(join-[0-9a-f]+)", c.inbox(OWNER)[-2].text).group(1)
    await c.send(QIAN, f"/start {link}")
    assert "manager of 东区店" in c.last(QIAN).text

    await c.press(OWNER, c.last(OWNER), "u:done")
    assert app.bot_data[setup_chat.SETUP_KEY].done
    assert "sundown links" in c.last(OWNER).text
    assert c.last(HQ_GROUP).text == "大家好!旗舰店的新投诉单会以卡片形式出现在这里。"
    assert state_of(app) is None, "the set-up's document goes with the last write"
    assert c.errors == [] and telegram.html_errors == []


async def complain(app: Application, telegram: FakeTelegram) -> None:
    """The complaint desk, started from the written config: a customer's ticket reaches the
    staff group, offered to the technician who joined by link."""
    c = TelegramClient(app, telegram)
    await c.send(CUSTOMER, "/start s_" + app.bot_data[DESK_KEY].settings.stores[0].id)
    await c.send(CUSTOMER, "电热水壶用了两天就漏水,我要换货")
    question = c.last(CUSTOMER)
    if any(b["callback_data"].startswith("c:want:") for row in question.buttons for b in row):
        await c.press(CUSTOMER, question, question.buttons[0][0]["callback_data"])
    await c.press(CUSTOMER, c.last(CUSTOMER), data_of(c.last(CUSTOMER), "c:ok"))
    card = c.card(HQ_GROUP, 1)
    assert "李工" in card.text
    await c.send(OWNER, "/start")
    assert "旗舰店" in c.last(OWNER).text and "/digest" in c.last(OWNER).text
    assert c.errors == [] and telegram.html_errors == []


def unlimited(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sender without Telegram's pace (this test is not about limits)."""
    from outbox.limits import Limits
    from outbox.sender import Sender

    monkeypatch.setattr(bot, "Sender", lambda b, db, clock, limits=None: Sender(
        b, db, clock, Limits.unlimited()))


async def _as_run_polling(app: Application, play) -> None:
    await app.initialize()
    await app.post_init(app)
    try:
        await play()
    finally:
        await app.post_stop(app)
        await app.shutdown()
        await app.post_shutdown(app)


def test_sundown_init_from_an_empty_folder_to_a_running_bot_whose_check_passes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    telegram = FakeTelegram()
    config = tmp_path / "config.toml"
    ran: list[str] = []

    def run_polling(self: Application, **kwargs) -> None:
        if setup_chat.SETUP_KEY in self.bot_data:
            ran.append("set-up")
            asyncio.run(_as_run_polling(self, lambda: set_up(self, telegram)))
        else:
            ran.append("desk")
            asyncio.run(_as_run_polling(self, lambda: complain(self, telegram)))

    monkeypatch.setattr(Application, "run_polling", run_polling)
    unlimited(monkeypatch)
    monkeypatch.setenv(bot.TOKEN_ENV, TOKEN)
    assert list(tmp_path.iterdir()) == []
    assert bot.init(argparse.Namespace(config=str(config)), request=telegram) == 0
    assert ran == ["set-up", "desk"], "the bot goes on running, in the same process"
    out = capsys.readouterr().out
    assert "https://t.me/SundownDeskBot?start=setup-" in out and TOKEN not in out

    assert config.stat().st_mode & 0o777 == 0o600
    settings = load_settings(config)
    hq, east = settings.stores
    assert (hq.name, hq.staff_chat_id, hq.managers, str(hq.timezone)) == (
        "旗舰店", -1001, (500,), "Asia/Shanghai")
    assert [(t.user_id, t.name) for t in hq.technicians] == [(201, "李工")]
    assert hq.hours[6] is None and str(hq.hours[5][0]) == "09:00:00"
    assert (east.staff_chat_id, east.managers, east.latitude) == (-1002, (500, 501), 31.2)
    assert str(east.hours[6][1]) == "20:00:00"
    assert settings.bot_username == "SundownDeskBot"
    text = config.read_text(encoding="utf-8")
    assert text.count("\n#") >= 3, "a commented file a person can edit"

    capsys.readouterr()
    assert bot.check(argparse.Namespace(config=str(config)), request=telegram) == 0, \
        capsys.readouterr().out


def test_init_refuses_an_existing_config_and_a_missing_token(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    config = tmp_path / "config.toml"
    monkeypatch.delenv(bot.TOKEN_ENV, raising=False)
    assert bot.init(argparse.Namespace(config=str(config)), request=FakeTelegram()) == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in capsys.readouterr().err
    config.write_text("# mine\n", encoding="utf-8")
    monkeypatch.setenv(bot.TOKEN_ENV, TOKEN)
    assert bot.init(argparse.Namespace(config=str(config)), request=FakeTelegram()) == 2
    assert "already exists" in capsys.readouterr().err
    assert config.read_text(encoding="utf-8") == "# mine\n"


def test_an_interrupted_set_up_goes_on_where_it_stopped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    """Stopped before Finish: exit 1, no config; the next `sundown init` keeps the owner and
    the stores, and prints no new owner link."""
    telegram = FakeTelegram()
    config = tmp_path / "config.toml"

    async def name_a_store(app: Application) -> None:
        c = TelegramClient(app, telegram)
        await c.send(OWNER, f"/start setup-{state_of(app).code}")
        await c.send(OWNER, "旗舰店")

    plays = [name_a_store, None]

    def run_polling(self: Application, **kwargs) -> None:
        play = plays.pop(0)
        if play is None:
            assert [s.name for s in state_of(self).stores] == ["旗舰店"]
            assert state_of(self).owner_id == OWNER.id
            return
        asyncio.run(_as_run_polling(self, lambda: play(self)))

    monkeypatch.setattr(Application, "run_polling", run_polling)
    monkeypatch.setenv(bot.TOKEN_ENV, TOKEN)
    args = argparse.Namespace(config=str(config))
    assert bot.init(args, request=telegram) == 1
    assert "start=setup-" in capsys.readouterr().out
    assert bot.init(args, request=telegram) == 1
    assert "start=setup-" not in capsys.readouterr().out
    assert not config.exists() and plays == []


def test_the_nearest_zone_of_a_shared_location() -> None:
    assert nearest_zone(22.28, 114.16) == "Asia/Hong_Kong"
    assert nearest_zone(25.04, 121.5) == "Asia/Taipei"
    assert nearest_zone(43.8, 87.6) == "Asia/Shanghai"  # Ürümqi keeps Beijing time
    assert nearest_zone(1.29, 103.85) == "Asia/Singapore"


def test_a_rendered_config_escapes_names_and_loads(tmp_path: Path) -> None:
    from desk.config import parse_settings
    from desk.setup import DraftStore

    state = SetupState.new()
    state.bot_username, state.language = "SundownDeskBot", "zh_TW"
    state.stores = [DraftStore(
        id="store1", name='老王 "修理"\\店', language="zh_TW", managers=[7],
        technicians=[{"user_id": 8, "name": "李 \"工\""}], staff_chat_id=-100, group_title="x",
        timezone="Asia/Taipei", lat=25.03, lon=121.56, opens="09:00", closes="21:00",
        days="mon_fri")]
    settings = parse_settings(render_config(state, "2026-12-08"), base_dir=tmp_path)
    assert settings.stores[0].name == '老王 "修理"\\店'
    assert settings.stores[0].technicians[0].name == "李 \"工\""
    assert settings.default_language == "zh_TW"


async def setup_mode(tmp_path: Path, telegram: FakeTelegram) -> Application:
    """The set-up application as `sundown init` starts it, on the fake Telegram."""
    from desk.setup import setup_settings
    from outbox.context import outbox_of
    from outbox.limits import Limits

    config = tmp_path / "config.toml"
    app = bot.build_setup_application(setup_settings(config), config, request=telegram,
                                      limits=Limits.unlimited())
    with app.bot_data[DESK_KEY].db.transaction() as tx:
        tx.save_setup_state(SetupState.new(bot_username="SundownDeskBot").to_dict())
    await app.initialize()
    outbox_of(app).start()
    return app


async def test_the_group_question_is_asked_once_when_the_bot_arrives_with_a_start(
        tmp_path: Path) -> None:
    from outbox.context import outbox_of

    telegram = FakeTelegram()
    app = await setup_mode(tmp_path, telegram)
    c = TelegramClient(app, telegram)
    await c.send(OWNER, f"/start setup-{state_of(app).code}")
    await c.send(OWNER, "旗舰店")
    await c.bot_joins(HQ_GROUP, by=OWNER)
    await c.send(OWNER, "/start setup", group=HQ_GROUP)  # what the startgroup link sends
    await c.send(STRANGER, "/start", group=HQ_GROUP)
    assert [m.kind for m in c.inbox(HQ_GROUP)] == ["text"]
    assert "只有赵经理可以选择" in c.last(HQ_GROUP).text
    await outbox_of(app).stop()
    await app.shutdown()


async def test_bad_answers_and_forged_buttons_change_nothing(tmp_path: Path) -> None:
    from outbox.context import outbox_of

    telegram = FakeTelegram()
    app = await setup_mode(tmp_path, telegram)
    c = TelegramClient(app, telegram)
    await c.send(OWNER, f"/start setup-{state_of(app).code}")
    await c.send(OWNER, "店" * 41)
    assert state_of(app).stores == [] and "40" in c.last(OWNER).text
    await c.send(OWNER, "旗舰店")
    before = state_of(app)
    prompt = c.last(OWNER)
    for data in ("u:open:store1:0930", "u:close:store1:2100", "u:city:store1:paris",
                 "u:days:nostore:all", "u:group:store1", "u:zzz", "u:city:store1:shanghai:x"):
        answer = await c.press(OWNER, prompt, data)
        assert answer == "这个按钮已失效。", data
    answer = await c.press(STRANGER, prompt, data_of(prompt, "u:city:store1:shanghai"))
    assert answer == "Only the owner who is setting up the bot can choose this."
    await c.send(STRANGER, "我要投诉")
    assert "set up" in c.last(STRANGER).text
    assert state_of(app) == before
    assert c.errors == [] and telegram.html_errors == []
    await outbox_of(app).stop()
    await app.shutdown()
