"""Start-up problems are one clear line and exit code 2, never a traceback, never the token."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

import bot
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


def test_an_unreachable_bot_api_is_one_line(config: Path, capsys: pytest.CaptureFixture) -> None:
    telegram = FakeTelegram()
    telegram.fail("getMe", "network", times=10)
    assert run(config, telegram) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("cannot reach the Bot API at https://api.telegram.org/bot: ")
    assert "\n" not in err and TOKEN not in err


def test_a_second_instance_on_the_same_data_folder_stops(
        config: Path, capsys: pytest.CaptureFixture) -> None:
    from desk import instance

    held = instance.hold(config.parent / "data")
    try:
        assert run(config) == 2
        err = capsys.readouterr().err.strip()
        assert err == (f"another Sundown is already running on {config.parent / 'data'}: one "
                       "bot per data folder")
    finally:
        held.close()
