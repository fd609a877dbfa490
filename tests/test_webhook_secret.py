"""Webhook mode: its secret is never empty or short, and `sundown status` sees whether
Telegram's pushes reach the bot (nothing polls in webhook mode)."""

from __future__ import annotations

import argparse
import secrets
from datetime import timedelta
from pathlib import Path

import pytest

import bot
from sandbox.fake_telegram import FakeTelegram
from tests.conftest import CHAIN_TOML

TOKEN = "123456:SECRET-TOKEN-abcdefghijklmnopqrstuv"
URL = "https://desk.example.com/sundown"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CHAIN_TOML.format(data_dir=(tmp_path / "data").as_posix()), encoding="utf-8")
    monkeypatch.setenv(bot.TOKEN_ENV, TOKEN)
    monkeypatch.delenv(bot.WEBHOOK_SECRET_ENV, raising=False)
    return path


def run_webhook(config: Path, telegram: FakeTelegram) -> int:
    args = argparse.Namespace(config=str(config), webhook_url=URL, listen="127.0.0.1", port=0)
    return bot.run(args, request=telegram)


@pytest.mark.parametrize("content", ["", "\n", "short-secret"])
def test_an_empty_or_short_secret_file_stops_start_up(
        config: Path, capsys: pytest.CaptureFixture, content: str) -> None:
    """A 0-byte secret left by an interrupted write made every later start answer 403 to
    Telegram itself, while `status` said ✓."""
    data = config.parent / "data"
    data.mkdir()
    (data / bot.WEBHOOK_SECRET_FILE).write_text(content, encoding="ascii")
    telegram = FakeTelegram()
    assert run_webhook(config, telegram) == 2
    err = capsys.readouterr().err
    assert err.startswith("webhook error: the webhook secret in ") and err.count("\n") == 1
    assert "shorter than 32" in err
    assert telegram.sent("setWebhook") == [], "nothing started"


@pytest.mark.parametrize("given", ["x", "only-twenty-chars-ok", "a" * 40 + "!"])
def test_a_short_or_odd_secret_from_the_environment_stops_start_up(
        config: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch,
        given: str) -> None:
    monkeypatch.setenv(bot.WEBHOOK_SECRET_ENV, given)
    assert run_webhook(config, FakeTelegram()) == 2
    err = capsys.readouterr().err
    assert err.startswith("webhook error: the webhook secret in SUNDOWN_WEBHOOK_SECRET")
    assert given not in err.replace("SUNDOWN_WEBHOOK_SECRET", "")


def test_an_interrupted_first_write_leaves_no_empty_secret(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    data.mkdir()

    def interrupted(_: int) -> str:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(secrets, "token_urlsafe", interrupted)
        with pytest.raises(KeyboardInterrupt):
            bot.webhook_secret(data)
    assert not (data / bot.WEBHOOK_SECRET_FILE).exists(), "no empty secret left behind"
    secret = bot.webhook_secret(data)
    assert len(secret) >= 32 and secret == bot.webhook_secret(data)
    assert (data / bot.WEBHOOK_SECRET_FILE).stat().st_mode & 0o777 == 0o600
    assert not list(data.glob("*.tmp"))


async def test_status_sees_telegrams_pushes_failing_in_webhook_mode(
        tmp_path: Path, config: Path, capsys: pytest.CaptureFixture) -> None:
    from desk import health
    from schedules.heartbeat import JOB_NAME as HEARTBEAT
    from schedules.heartbeat import WEBHOOK_KEY
    from tests.conftest import START, start_world

    world = await start_world(tmp_path / "data")
    world.app.bot_data[WEBHOOK_KEY] = True
    await world.client.send(world.manager, "/start")  # an update arrives at 10:00

    async def beat() -> health.Heartbeat:
        for job in world.app.job_queue.get_jobs_by_name(HEARTBEAT):
            await job.run(world.app)
        return health.read(tmp_path / "data")

    beat_ok = await beat()
    assert beat_ok.webhook_pending == 0 and beat_ok.last_poll is None
    assert health.problems(beat_ok, START + timedelta(seconds=30)) == []

    # The proxy now refuses Telegram (or the secret changed): updates pile up at Telegram.
    world.clock.advance(minutes=3)
    failed_at = START + timedelta(minutes=2)
    world.telegram.webhook_info = {"pending_update_count": 7,
                                   "last_error_date": int(failed_at.timestamp()),
                                   "last_error_message": "Wrong response from the webhook: "
                                                         "403 Forbidden"}
    failing = await beat()
    (problem,) = health.problems(failing, START + timedelta(minutes=3))
    assert problem.startswith("webhook failing: Telegram holds 7 updates")
    assert "403 Forbidden" in problem

    # A push gets through again: an update newer than the failure, and none waiting.
    world.telegram.webhook_info = {"pending_update_count": 0,
                                   "last_error_date": int(failed_at.timestamp()),
                                   "last_error_message": "Wrong response from the webhook"}
    await world.client.send(world.manager, "/start")
    assert health.problems(await beat(), START + timedelta(minutes=3)) == []

    world.telegram.webhook_info = {"pending_update_count": 7,
                                   "last_error_date": int((START + timedelta(minutes=4))
                                                          .timestamp()),
                                   "last_error_message": "Connection refused"}
    world.clock.advance(minutes=2)
    await beat()
    await world.stop()
    assert bot.status(argparse.Namespace(config=str(config))) == 1
    assert "✗ webhook failing" in capsys.readouterr().out
