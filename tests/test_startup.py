"""Start-up problems are one clear line and exit code 2, never a traceback, never the token."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import pytest
from telegram.error import NetworkError

import bot
from desk.buttons import Action
from sandbox.fake_telegram import FakeTelegram
from tests.conftest import CHAIN_TOML

TOKEN = "123456:SECRET-TOKEN-abcdefghijklmnopqrstuv"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CHAIN_TOML.format(data_dir=(tmp_path / "data").as_posix()), encoding="utf-8")
    monkeypatch.setenv(bot.TOKEN_ENV, TOKEN)
    return path


def run(config: Path, telegram: FakeTelegram | None = None) -> int:
    return bot.run(argparse.Namespace(config=str(config)), request=telegram or FakeTelegram())


@pytest.mark.parametrize(("path", "content"), [
    ("desk.json", '{"tickets": {"1": {"key": "1", "sto'),
    ("customers/07.json", '{"customers": {"7": '),
    ("archive/2026-10.json", '{"tickets": {"5": {"number": 5, "te'),
])
def test_a_damaged_data_file_stops_start_up_naming_it(
        config: Path, capsys: pytest.CaptureFixture, path: str, content: str) -> None:
    target = config.parent / "data" / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(content, encoding="utf-8")
    assert run(config) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"data error: {target}: ") and "\n" not in err
    assert target.read_text(encoding="utf-8") == content, "never overwritten"


def test_a_rejected_token_is_one_line_without_the_token(
        config: Path, capsys: pytest.CaptureFixture) -> None:
    telegram = FakeTelegram()
    telegram.fail("getMe", "unauthorized")
    assert run(config, telegram) == 2
    err = capsys.readouterr().err.strip()
    assert err == "Telegram rejected the token: check TELEGRAM_BOT_TOKEN"
    assert TOKEN not in err


def test_a_second_instance_on_the_same_data_folder_stops(
        config: Path, capsys: pytest.CaptureFixture) -> None:
    from desk import instance

    held = instance.hold(config.parent / "data")
    try:
        assert run(config) == 2
        err = capsys.readouterr().err.strip()
        assert err == (f"another Sundown is already running on {config.parent / 'data'}: one "
                       "bot per data folder")
        assert (config.parent / "data" / instance.LOCK_FILE).stat().st_mode & 0o777 == 0o600
        assert (config.parent / "data").stat().st_mode & 0o777 == 0o700
    finally:
        held.close()


async def test_command_menus_are_set_per_audience_and_language(tmp_path: Path) -> None:
    from outbox.menus import set_menus
    from tests.conftest import start_world

    world = await start_world(tmp_path / "data")
    world.telegram.fail("setMyCommands", "bad_request")  # one menu refused: the rest is set
    assert await set_menus(world.app) == 1
    import json

    calls = world.telegram.sent("setMyCommands")  # the refused one was tried too

    def scope(call):
        raw = call.params.get("scope")
        return json.loads(raw) if isinstance(raw, str) else raw

    private = [c for c in calls if scope(c)["type"] == "all_private_chats"]
    assert {c.params.get("language_code") for c in private} == {None, "en", "zh"}
    chats = {scope(c).get("chat_id") for c in calls if scope(c)["type"] == "chat"}
    assert chats == {-1001, -1002, 500, 501}
    manager = next(c for c in calls if scope(c).get("chat_id") == 500)
    names = [cmd["command"] for cmd in (json.loads(manager.params["commands"])
                                        if isinstance(manager.params["commands"], str)
                                        else manager.params["commands"])]
    assert names == ["digest", "served", "export", "greetings", "desk", "help"]
    assert world.telegram.sent("setChatMenuButton") == []  # no desk configured
    await world.stop()


async def test_the_heartbeat_status_and_downtime_in_the_digest(
        tmp_path: Path, config: Path, capsys: pytest.CaptureFixture) -> None:
    from datetime import timedelta

    from desk import health
    from schedules.heartbeat import JOB_NAME as HEARTBEAT
    from tests.conftest import START, start_world

    world = await start_world(tmp_path / "data")
    await world.client.send(world.manager, "/start")
    for job in world.app.job_queue.get_jobs_by_name(HEARTBEAT):
        await job.run(world.app)
    beat = health.read(tmp_path / "data")
    assert beat.at == START.isoformat() and beat.backlog == 0 and beat.last_update
    assert health.problems(beat, START + timedelta(minutes=1)) == []
    assert health.problems(beat, START + timedelta(minutes=10))[0].startswith("stale:")
    assert beat.last_poll is None, "nothing polled yet (a webhook never does)"

    # Polls come back, then the Bot API cannot be reached for five minutes: the heartbeat is
    # fresh, yet the bot hears nobody.
    await world.app.bot.get_updates(timeout=0)
    world.clock.advance(minutes=5)
    world.telegram.fail("getUpdates", "network")
    with pytest.raises(NetworkError):
        await world.app.bot.get_updates(timeout=0)
    for job in world.app.job_queue.get_jobs_by_name(HEARTBEAT):
        await job.run(world.app)
    beat = health.read(tmp_path / "data")
    assert beat.last_poll == START.isoformat()
    (problem,) = health.problems(beat, START + timedelta(minutes=5))
    assert problem.startswith("not polling: no answer to getUpdates for 300 s")
    await world.stop()

    # At noon the bot starts again: the digest says it was down since its last heartbeat.
    world = await start_world(tmp_path / "data")
    world.clock.advance(hours=2)
    await bot._started(world.app)
    await world.client.send(world.manager, "/digest")
    digest = next(t for t in world.client.texts(world.manager) if t.startswith("📊"))
    assert "⚠️ 我在 2026年11月23日 10:05 至 2026年11月23日 12:00 期间没有运行(115 分钟)" in digest
    await world.stop()

    assert bot.status(argparse.Namespace(config=str(config))) == 1, "stale: it is not running"
    assert "✗ stale" in capsys.readouterr().out


async def test_a_backup_taken_while_running_restores_every_ticket(
        tmp_path: Path, config: Path) -> None:
    import tarfile

    from desk.backup import backup
    from desk.storage import Database
    from tests.conftest import file_complaint, start_world

    world = await start_world(tmp_path / "data")
    numbers = [await file_complaint(world, user=user) for user in
               (world.customer, world.other_customer)]
    world.db.archive(world.db.by_number(numbers[0]).key)
    target = tmp_path / "backup.tar.gz"
    assert backup(tmp_path / "data", target) >= 2  # the bot is still running
    await world.stop()
    restored = tmp_path / "restored"
    with tarfile.open(target) as archive:
        archive.extractall(restored, filter="data")
    db = Database(restored)
    assert db.archived(numbers[0]) is not None and db.by_number(numbers[1]) is not None
    assert db.customer(world.customer.id) is not None
    db.close()
    assert target.stat().st_mode & 0o777 == 0o600


async def test_ticket_events_are_logged_by_number_without_personal_data(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from tests.conftest import file_complaint, start_world

    world = await start_world(tmp_path / "data")
    await world.client.share_contact(world.customer, "+8613800138000")
    with caplog.at_level(logging.INFO, logger="desk.storage"):
        number = await file_complaint(world, "电热水壶漏水,我要换货")
        await world.client.press_action(world.li, world.client.card(world.staff_group, number), Action.ACCEPT)
    lines = [r.getMessage() for r in caplog.records if r.name == "desk.storage"]
    assert f"ticket #{number}: confirmed by {world.customer.id}" in lines
    assert f"ticket #{number}: accepted by 201" in lines
    logged = caplog.text
    assert "13800138000" not in logged and "漏水" not in logged and "张" not in logged
    await world.stop()


def test_json_log_lines() -> None:
    import json
    import logging

    record = logging.LogRecord("sundown", logging.INFO, __file__, 1, "ticket %s: %s", ("#1", "x"),
                               None)
    line = json.loads(bot.JsonLines().format(record))
    assert (line["level"], line["logger"], line["message"]) == ("INFO", "sundown", "ticket #1: x")


def test_check_shows_every_tick(config: Path, capsys: pytest.CaptureFixture) -> None:
    assert bot.check(argparse.Namespace(config=str(config)), request=FakeTelegram()) == 0
    out = capsys.readouterr().out
    assert "✓ Telegram accepts the token: @SundownDeskBot" in out
    assert "✓ hq: staff group -1001: the bot is a member and may post" in out
    assert "✓ east: manager 501 has started the bot" in out
    assert "✓ hq: time zone Asia/Shanghai, holidays, sunset" in out
    assert "✗" not in out and TOKEN not in out


@pytest.mark.parametrize(("setup", "expected"), [
    (lambda t: t.fail("getMe", "unauthorized"), "✗ Telegram accepts the token\n    → check "),
    (lambda t: t.fail("getMe", "network", times=5), "✗ the Bot API at "),
    (lambda t: setattr(t, "missing_chats", frozenset({-1002})),
     "✗ east: staff group -1002 exists and has the bot\n    → Chat not found: add the bot"),
    (lambda t: setattr(t, "bot_status", {-1001: "left"}),
     "✗ hq: staff group -1001 has the bot\n    → add the bot to the group again"),
    (lambda t: setattr(t, "bot_status", {-1001: "restricted"}),
     "✗ hq: staff group -1001: the bot may post\n    → allow it to send messages"),
    (lambda t: setattr(t, "missing_chats", frozenset({500})),
     "✗ hq: manager 500 has started the bot\n    → the manager opens a private chat"),
    (lambda t: t.blocked.add(501),
     "✗ east: manager 501 has started the bot\n    → the manager has blocked the bot"),
    (lambda t: setattr(t, "migrated", {-1002: -1009}),
     "✗ east: staff group -1002 exists\n    → the group became a supergroup: set "
     "staff_chat_id = -1009"),
    (lambda t: setattr(t, "members_may_post", {-1001: False}),
     "✗ hq: staff group -1001: the bot may post\n    → members may not send messages"),
])
def test_check_shows_each_kind_of_cross(config: Path, capsys: pytest.CaptureFixture,
                                        setup, expected: str) -> None:
    telegram = FakeTelegram()
    setup(telegram)
    assert bot.check(argparse.Namespace(config=str(config)), request=telegram) == 1
    out = capsys.readouterr().out
    assert expected in out and TOKEN not in out
    assert out.count("✗") == 1, "one problem, one cross: the other checks still ran"


def test_check_without_a_token(config: Path, capsys: pytest.CaptureFixture,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(bot.TOKEN_ENV)
    assert bot.check(argparse.Namespace(config=str(config))) == 1
    assert "✗ TELEGRAM_BOT_TOKEN is set" in capsys.readouterr().out


def test_links_print_each_stores_deep_link(config: Path, capsys: pytest.CaptureFixture) -> None:
    assert bot.main(["links", "--config", str(config)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "hq\t旗舰店\thttps://t.me/SundownDeskBot?start=s_hq",
        "east\t东区店\thttps://t.me/SundownDeskBot?start=s_east"]


def test_links_write_each_stores_qr_poster_that_scans_back_to_its_link(
        config: Path) -> None:
    import zxingcpp
    from PIL import Image

    assert bot.main(["links", "--config", str(config)]) == 0
    for store_id in ("hq", "east"):
        path = config.parent / "posters" / f"{store_id}.png"
        image = Image.open(path)
        assert image.format == "PNG" and image.size == (1240, 1754)
        codes = zxingcpp.read_barcodes(image)
        assert [c.text for c in codes] == [f"https://t.me/SundownDeskBot?start=s_{store_id}"]
        assert image.getbbox() is not None


def test_a_posters_title_is_the_stores_name_in_its_own_script() -> None:
    """The name is drawn, not tofu: the same store with another name draws another title."""
    import io

    from PIL import Image, ImageChops

    from desk import poster

    url = "https://t.me/SundownDeskBot?start=s_hq"
    title = (0, 0, poster.WIDTH, poster.MARGIN + 250)
    first = Image.open(io.BytesIO(poster.render("旗舰店", url, "扫码"))).crop(title)
    second = Image.open(io.BytesIO(poster.render("東區店", url, "扫码"))).crop(title)
    blank = Image.new(first.mode, first.size, "white")
    assert ImageChops.difference(first, blank).getbbox() is not None, "a title is drawn"
    assert ImageChops.difference(first, second).getbbox() is not None


async def test_the_webhook_takes_updates_only_with_the_secret(tmp_path: Path) -> None:
    import json
    import socket

    import httpx

    from tests.conftest import start_world

    world = await start_world(tmp_path / "data")
    secret = bot.webhook_secret(tmp_path / "data")
    assert secret == bot.webhook_secret(tmp_path / "data"), "made once, then kept"
    assert (tmp_path / "data" / bot.WEBHOOK_SECRET_FILE).stat().st_mode & 0o777 == 0o600
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    await world.app.updater.start_webhook(
        listen="127.0.0.1", port=port, url_path="sundown",
        webhook_url="https://desk.example.com/sundown", secret_token=secret)
    await world.app.start()
    update = {"update_id": 1, "message": {
        "message_id": 1, "date": 0, "chat": {"id": 1001, "type": "private", "first_name": "张"},
        "from": {"id": 1001, "is_bot": False, "first_name": "张", "language_code": "zh-hans"},
        "text": "/start s_hq", "entities": [{"type": "bot_command", "offset": 0,
                                              "length": 6}]}}
    async with httpx.AsyncClient() as http:
        url = f"http://127.0.0.1:{port}/sundown"
        refused = await http.post(url, content=json.dumps(update),
                                  headers={"Content-Type": "application/json"})
        assert refused.status_code == 403
        taken = await http.post(url, content=json.dumps(update), headers={
            "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret})
        assert taken.status_code == 200
    for _ in range(100):
        if world.client.inbox(1001):
            break
        await asyncio.sleep(0.02)
    assert world.client.texts(1001)[-1].startswith("您好!")
    await world.app.updater.stop()
    await world.app.stop()
    await world.stop()


def test_the_backup_command(config: Path, capsys: pytest.CaptureFixture) -> None:
    from datetime import UTC, datetime

    from desk.storage import Database

    db = Database(config.parent / "data")
    with db.transaction() as tx:  # a data folder with its hot file
        tx.mark("written", datetime.now(UTC))
    db.close()
    target = config.parent / "b.tar.gz"
    assert bot.main(["backup", str(target), "--config", str(config)]) == 0
    assert capsys.readouterr().out.startswith("1 files of ") and target.exists()


@pytest.fixture
def desk_config(config: Path) -> Path:
    """The chain with the managers' desk on a free local port."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config.write_text(f'webapp_url = "https://desk.example.test"\nwebapp_port = {port}\n'
                      + config.read_text(encoding="utf-8"), encoding="utf-8")
    return config


def test_check_reaches_the_desk_through_its_public_address(
        desk_config: Path, capsys: pytest.CaptureFixture) -> None:
    """The reverse proxy, stood in for by a fetch that forwards the public address to the port:
    before going live a stand-in answers on the desk's port."""
    import httpx

    from desk.config import load_settings

    port = load_settings(desk_config).webapp_port
    asked = []

    async def through_the_proxy(url: str) -> tuple[int, str]:
        asked.append(url)
        async with httpx.AsyncClient() as client:
            answer = await client.get(url.replace("https://desk.example.test",
                                                  f"http://127.0.0.1:{port}"))
            return answer.status_code, answer.text

    assert bot.check(argparse.Namespace(config=str(desk_config)), request=FakeTelegram(),
                     fetch=through_the_proxy) == 0
    assert asked == ["https://desk.example.test/health"]
    assert "✓ the desk answers at https://desk.example.test" in capsys.readouterr().out


@pytest.mark.parametrize(("answer", "expected"), [
    (OSError("Name or service not known"), "the address must reach this machine over HTTPS"),
    ((502, "Bad Gateway"), "got HTTP 502 from someone else: point the reverse proxy at"),
])
def test_check_says_when_the_desk_does_not_answer(desk_config: Path,
                                                 capsys: pytest.CaptureFixture,
                                                 answer, expected: str) -> None:
    async def broken(url: str) -> tuple[int, str]:
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert bot.check(argparse.Namespace(config=str(desk_config)), request=FakeTelegram(),
                     fetch=broken) == 1
    out = capsys.readouterr().out
    assert "✗ the desk answers at https://desk.example.test" in out and expected in out
