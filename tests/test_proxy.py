"""The `proxy` config key carries every call to the Bot API: the application's, and the calls
`sundown run` and `sundown check` make before it starts.

The Bot API's address here cannot be resolved (`.invalid`), so a call that bypasses the proxy
fails; a local HTTP proxy answers as Telegram would (through a FakeTelegram) and counts what
went through it. No network: everything is on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

import bot
from desk.config import load_settings
from outbox.context import desk_of
from sandbox.fake_telegram import FakeTelegram
from tests.conftest import CHAIN_TOML

TOKEN = "123456:PROXY-TEST-TOKEN-abcdefghijklmnopq"
UNREACHABLE = "http://bot-api.invalid/bot"


class FakeProxy:
    """An HTTP proxy (absolute-URI requests, as clients send to an http:// proxy) in a thread
    of its own, answering every Bot API call with what the fake Telegram says."""

    def __init__(self) -> None:
        self.telegram = FakeTelegram()
        self.seen: list[str] = []  # methods called through the proxy
        self.port = 0
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> FakeProxy:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    break
                _, target, _ = request_line.decode().split(" ", 2)
                headers = {}
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                method = urlsplit(target).path.rsplit("/", 1)[-1]
                self.seen.append(method)
                params = dict(parse_qsl(body.decode())) if body else {}
                answer = getattr(self.telegram, "_api_" + method)(params, {})
                payload = json.dumps({"ok": True, "result": answer}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             + f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
                await writer.drain()
        finally:
            writer.close()


@pytest.fixture
def proxy() -> Iterator[FakeProxy]:
    with FakeProxy() as running:
        yield running


def write_config(tmp_path: Path, proxy: FakeProxy | None) -> Path:
    lines = [f'telegram_base_url = "{UNREACHABLE}"']
    if proxy is not None:
        lines.append(f'proxy = "http://127.0.0.1:{proxy.port}"')
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + CHAIN_TOML.format(data_dir=(tmp_path / "data").as_posix()),
                    encoding="utf-8")
    return path


def test_check_goes_through_the_proxy(tmp_path: Path, proxy: FakeProxy,
                                      monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv(bot.TOKEN_ENV, TOKEN)
    config = write_config(tmp_path, proxy)
    assert bot.check(argparse.Namespace(config=str(config))) == 0, capsys.readouterr().out
    assert "✓ Telegram accepts the token: @SundownDeskBot" in capsys.readouterr().out
    assert proxy.seen[0] == "getMe" and "getChatMember" in proxy.seen


def test_without_the_proxy_the_bot_api_is_unreachable(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture) -> None:
    """The control: the address really is unreachable, so the test above proves the proxy."""
    monkeypatch.setenv(bot.TOKEN_ENV, TOKEN)
    config = write_config(tmp_path, None)
    assert bot.check(argparse.Namespace(config=str(config))) == 1
    assert f"✗ the Bot API at {UNREACHABLE} answers" in capsys.readouterr().out


async def test_start_up_and_the_application_go_through_the_proxy(
        tmp_path: Path, proxy: FakeProxy) -> None:
    settings = load_settings(write_config(tmp_path, proxy))
    await bot._reach_telegram(settings, TOKEN, None)  # the getMe before start-up
    assert proxy.seen == ["getMe"]
    application = bot.build_application(settings, token=TOKEN)
    async with application.bot:  # initialize: getMe, on the connection that sends
        await application.bot.get_me()
        # The long poll has a connection of its own.
        assert await application.bot.get_updates(timeout=0) == ()
    assert proxy.seen == ["getMe", "getMe", "getMe", "getUpdates"]
    desk_of(application).db.close()
