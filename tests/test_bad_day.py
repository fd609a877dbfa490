"""The bad day: the network down at boot, a stopped bot, a demo in the wrong folder, files and
folders that are not what the config says. Each operator error is one line, what to do, exit 2;
a temporary failure is waited out."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from pathlib import Path

import pytest

import bot
from desk import health, instance
from desk.config import load_settings
from sandbox.fake_telegram import FakeTelegram
from tests.conftest import CHAIN_TOML

TOKEN = "123456:SECRET-TOKEN-abcdefghijklmnopqrstuv"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CHAIN_TOML.format(data_dir=(tmp_path / "data").as_posix()), encoding="utf-8")
    monkeypatch.setenv(bot.TOKEN_ENV, TOKEN)
    return path


def one_line(err: str) -> str:
    err = err.strip()
    assert err and "\n" not in err and "Traceback" not in err, err
    return err


# -- network down at boot ---------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["network", "timeout", "server_error", "retry_after"])
async def test_an_unreachable_bot_api_at_boot_is_waited_for_with_backoff(
        config: Path, kind: str, caplog: pytest.LogCaptureFixture) -> None:
    telegram = FakeTelegram()
    telegram.fail("getMe", kind, times=12)
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    settings = load_settings(config)
    with caplog.at_level(logging.INFO, logger="sundown"):
        await bot._reach_telegram(settings, TOKEN, telegram, sleep=sleep)
    assert len(pauses) == 12, "tried again until it got through"
    if kind != "retry_after":
        assert pauses[:7] == [1, 2, 4, 8, 16, 32, 60] and max(pauses) == 60
    waits = [r for r in caplog.records if r.levelno == logging.WARNING]
    # 12 tries over ~7 minutes: a line at the first failure, then about one a minute.
    assert 1 <= len(waits) <= sum(pauses) / 60 + 1
    assert all("cannot reach the Bot API" in r.getMessage() for r in waits)
    assert "reached the Bot API" in caplog.records[-1].getMessage()
    assert TOKEN not in caplog.text


async def test_a_rejected_token_at_boot_is_not_retried(config: Path) -> None:
    telegram = FakeTelegram()
    telegram.fail("getMe", "network")
    telegram.fail("getMe", "unauthorized")
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    from telegram.error import InvalidToken

    with pytest.raises(InvalidToken):
        await bot._reach_telegram(load_settings(config), TOKEN, telegram, sleep=sleep)
    assert pauses == [1]


def test_the_systemd_unit_restarts_forever_but_not_on_an_operator_error() -> None:
    unit = (ROOT / "deploy" / "sundown.service").read_text(encoding="utf-8")
    lines = {line.split("=", 1)[0]: line.split("=", 1)[1] for line in unit.splitlines()
             if "=" in line and not line.startswith("#")}
    assert lines["StartLimitIntervalSec"] == "0", "systemd never gives up on a temporary failure"
    assert lines["Restart"] in ("on-failure", "always")
    assert "2" in lines["RestartPreventExitStatus"].split(), "exit 2 is an operator's error"
    compose = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    assert "restart: unless-stopped" in compose


# -- status after a stop ----------------------------------------------------------------------

def test_status_says_not_running_as_soon_as_the_bot_has_stopped(
        config: Path, capsys: pytest.CaptureFixture) -> None:
    from datetime import UTC, datetime

    data = config.parent / "data"
    held = instance.hold(data)
    health.write(data, health.Heartbeat(at=datetime.now(UTC).isoformat(), pid=os.getpid(),
                                        last_poll=datetime.now(UTC).isoformat()))
    try:
        assert bot.status(argparse.Namespace(config=str(config))) == 0
        assert "✓ running and keeping up" in capsys.readouterr().out
    finally:
        held.close()  # the bot stops; its heartbeat is seconds old
    assert bot.status(argparse.Namespace(config=str(config))) == 1
    out = capsys.readouterr().out
    assert "✗ not running" in out and "✓" not in out


# -- the demo's own folder --------------------------------------------------------------------

def test_the_demo_refuses_a_running_bots_data_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "data"
    held = instance.hold(folder)
    before = sorted(p.name for p in folder.iterdir())
    try:
        assert bot.main(["demo", "--data-dir", str(folder)]) == 2
    finally:
        held.close()
    assert "in use by a running Sundown" in one_line(capsys.readouterr().err)
    assert sorted(p.name for p in folder.iterdir()) == before, "nothing written"


def test_the_demo_refuses_a_folder_that_is_not_empty(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "desk.json").write_text("{}", encoding="utf-8")
    assert bot.main(["demo", "--data-dir", str(folder)]) == 2
    assert "not an empty folder" in one_line(capsys.readouterr().err)
    assert [p.name for p in folder.iterdir()] == ["desk.json"]


# -- one line instead of a traceback ----------------------------------------------------------

@pytest.mark.parametrize(("encoding", "expected"), [
    ("gbk", "the file is not UTF-8 (saved as GBK?): save it as UTF-8"),
    ("utf-16", "the file is saved as UTF-16: save it as UTF-8"),
])
def test_a_config_not_saved_as_utf8_is_one_line(
        config: Path, capsys: pytest.CaptureFixture, encoding: str, expected: str) -> None:
    config.write_bytes(config.read_text(encoding="utf-8").encode(encoding))
    with pytest.raises(SystemExit) as exit_:
        bot.main(["run", "--config", str(config)])
    assert exit_.value.code == 2
    err = one_line(capsys.readouterr().err)
    assert err.startswith(f"config error: {config}: {expected}")


def test_a_utf8_bom_is_accepted(config: Path) -> None:
    config.write_bytes(config.read_text(encoding="utf-8").encode("utf-8-sig"))
    assert [s.id for s in load_settings(config).stores] == ["hq", "east"]


def test_an_unwritable_data_folder_is_one_line(
        config: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(path: Path, **_: object) -> Path:  # as for a folder owned by another user (tests run as root)
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(instance, "private_folder", denied)
    assert bot.run(argparse.Namespace(config=str(config)), request=FakeTelegram()) == 2
    err = one_line(capsys.readouterr().err)
    assert err.startswith(f"data folder error: {config.parent / 'data'}: permission denied")


def test_a_data_folder_path_through_a_file_is_one_line(
        config: Path, capsys: pytest.CaptureFixture) -> None:
    (config.parent / "afile").write_text("x", encoding="utf-8")
    config.write_text(config.read_text(encoding="utf-8").replace(
        (config.parent / "data").as_posix(), (config.parent / "afile" / "data").as_posix()),
        encoding="utf-8")
    assert bot.run(argparse.Namespace(config=str(config)), request=FakeTelegram()) == 2
    err = one_line(capsys.readouterr().err)
    assert err.startswith(f"data folder error: {config.parent / 'afile' / 'data'}: a file is in "
                          "the way")


def test_a_backup_into_a_missing_folder_is_one_line(
        config: Path, capsys: pytest.CaptureFixture) -> None:
    (config.parent / "data").mkdir()
    target = config.parent / "nowhere" / "b.tar.gz"
    assert bot.main(["backup", str(target), "--config", str(config)]) == 2
    err = one_line(capsys.readouterr().err)
    assert err == (f"backup error: no folder {target.parent} to write b.tar.gz in: create it "
                   "first")
    assert not target.parent.exists()


def test_run_still_exits_2_for_an_operator_error_without_waiting(
        config: Path, capsys: pytest.CaptureFixture) -> None:
    telegram = FakeTelegram()
    telegram.fail("getMe", "unauthorized")
    assert bot.run(argparse.Namespace(config=str(config)), request=telegram) == 2
    assert one_line(capsys.readouterr().err) == (
        "Telegram rejected the token: check TELEGRAM_BOT_TOKEN")




# -- check shows each store's clock -----------------------------------------------------------

def test_check_prints_each_stores_local_time_hours_and_sunset(
        config: Path, capsys: pytest.CaptureFixture) -> None:
    from desk.clock import FakeClock
    from tests.conftest import START

    # east on a valid but wrong zone: UTC-8 (Etc/ names have the sign reversed).
    text = config.read_text(encoding="utf-8")
    at = text.rindex('timezone = "Asia/Shanghai"')
    config.write_text(text[:at] + 'timezone = "Etc/GMT+8"' + text[at + 26:], encoding="utf-8")
    assert bot.check(argparse.Namespace(config=str(config)), request=FakeTelegram(),
                     clock=FakeClock(START)) == 0
    out = capsys.readouterr().out
    assert ("    hq: now Mon 2026-11-23 10:00 (UTC+08:00), open today 09:00-21:00, sunset 16:52"
            in out.splitlines())
    assert ("    east: now Sun 2026-11-22 18:00 (UTC-08:00), open today 09:00-21:00, "
            "sunset 00:52" in out.splitlines()[-1])


# -- quiet, machine-readable logs -------------------------------------------------------------

async def test_a_start_and_stop_raise_no_warning_and_set_the_menus(config: Path) -> None:
    import gc
    import warnings

    gc.collect()  # an earlier test's unclosed file is not this start's warning
    telegram = FakeTelegram()
    application = bot.build_application(load_settings(config), request=telegram, token=TOKEN)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await application.initialize()  # the order of run_polling
        await application.post_init(application)
        await application.start()
        for _ in range(50):
            if telegram.sent("setMyCommands"):
                break
            await asyncio.sleep(0.02)
        await application.stop()
        await application.post_stop(application)
        await application.shutdown()
        await application.post_shutdown(application)
    assert [str(w.message) for w in caught] == []
    assert telegram.sent("setMyCommands"), "the menus are still set at start"


def test_warnings_come_out_as_json_lines_too() -> None:
    import io
    import json
    import warnings

    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.level, list(root.handlers)
    root.handlers.clear()
    logging.captureWarnings(False)  # another test's run mode may have left it on
    handler = bot.configure_logging(logging.WARNING, "json", stream=stream)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn("a library's warning", UserWarning, stacklevel=1)
    finally:
        logging.captureWarnings(False)
        root.removeHandler(handler)
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]
    lines = stream.getvalue().splitlines()
    assert lines, "the warning was logged"
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert records[0]["level"] == "WARNING" and "a library's warning" in records[0]["message"]


async def test_a_dropped_long_poll_is_one_quiet_line(caplog: pytest.LogCaptureFixture) -> None:
    from types import SimpleNamespace

    from telegram.error import NetworkError, TimedOut

    from handlers import errors

    with caplog.at_level(logging.INFO):
        await errors.on_error(None, SimpleNamespace(error=NetworkError(
            "httpx.RemoteProtocolError: Server disconnected without sending a response.")))
        await errors.on_error(None, SimpleNamespace(error=TimedOut()))
    assert [(r.levelno, r.exc_info) for r in caplog.records] == [(logging.WARNING, None)] * 2
    assert "long poll" in caplog.records[0].getMessage()
    caplog.clear()
    with caplog.at_level(logging.INFO):  # a real bug keeps its traceback
        await errors.on_error(None, SimpleNamespace(error=ValueError("bug")))
    assert caplog.records[0].levelno == logging.ERROR and caplog.records[0].exc_info


# -- import time ------------------------------------------------------------------------------

def test_import_bot_loads_no_chart_or_calendar_library() -> None:
    """`--help`, `status` and the health check import bot: matplotlib (most of a second),
    holidays and astral load where a chart is drawn or a day computed. (The time itself is
    measured by bench/imports.py.)"""
    import subprocess
    import sys

    heavy = ("matplotlib", "holidays", "astral", "pylopdf_fonts_zh_cn")
    result = subprocess.run(
        [sys.executable, "-c", "import sys, bot; print(sorted(m for m in sys.modules "
         f"if m.split('.')[0] in {heavy!r}))"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"


# -- make demo installs the runtime only ------------------------------------------------------

@pytest.mark.skipif(not __import__("shutil").which("make"), reason="no make here")
def test_make_demo_installs_the_runtime_only_and_make_test_the_tools(tmp_path: Path) -> None:
    import subprocess

    def planned(target: str) -> str:  # what make would run on a fresh clone (-n: nothing runs)
        return subprocess.run(["make", "-n", "-C", str(ROOT), target,
                               f"VENV={tmp_path / 'venv'}"], capture_output=True, text=True,
                              check=True).stdout

    demo = planned("demo")
    assert "pip install --quiet -e .\n" in demo and "[dev]" not in demo
    assert "First run: installing" in demo and "bot.py demo" in demo
    test = planned("test")
    assert "pip install --quiet -e '.[dev]'" in test and "pytest" in test


# -- --help -----------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["run", "demo", "check", "status", "backup", "links"])
def test_every_option_has_help_and_its_default(command: str,
                                               capsys: pytest.CaptureFixture) -> None:
    import re

    with pytest.raises(SystemExit) as exit_:
        bot.main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    options = out[out.index("options:"):]
    # Each option's entry: its flags, then words (on the same line or the next ones).
    entries = re.split(r"\n  (?=-)", options)[1:]
    assert entries
    for entry in entries:
        flags, _, words = entry.partition("  ")
        if "{" in flags and not words.strip():  # choices: the help is on the next line
            words = entry.split("\n", 1)[1]
        assert words.strip(), f"{command}: {flags.strip()} has no help"
    if command != "demo":
        assert "(default: config.toml)" in " ".join(out.split())
    if command == "run":
        assert "(default: 8443)" in out and "(default: INFO)" in out
    if command == "demo":
        assert "(default: zh_CN)" in out
