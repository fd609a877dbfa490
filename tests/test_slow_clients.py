"""Slow and greedy clients on loopback: the desk's server and the webhook's.

Each test speaks raw HTTP over a socket, as an attacker would: headers a byte at a time, a
body that never comes, a huge Content-Length, more connections than allowed. The servers run
with short limits (a second or less) so that the tests are quick; the defaults are in
webapp/limits.py.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import ClassVar

import pytest

import bot
from desk.clock import FakeClock
from outbox.limits import Limits
from sandbox.fake_telegram import FakeTelegram
from tests.conftest import START, chain_settings, start_world
from tests.test_desk_api import DESK_TOML
from webapp import webhook
from webapp.limits import ServerLimits
from webapp.server import WEBDESK_KEY

SHORT = ServerLimits(header_seconds=0.6, body_seconds=0.6, max_body=64 * 1024,
                     max_connections=8)
HUGE = 100 * 1024 * 1024
SECRET = "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t"


class Raw:
    """One raw connection to the server under test."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader = reader
        self.writer = writer
        self.sent = 0

    opened: ClassVar[list[Raw]] = []

    @classmethod
    async def open(cls, port: int) -> Raw:
        raw = cls(*await asyncio.open_connection("127.0.0.1", port))
        cls.opened.append(raw)
        return raw

    async def send(self, data: bytes) -> bool:
        """False when the server has closed the connection."""
        try:
            self.writer.write(data)
            await self.writer.drain()
        except (ConnectionError, OSError):
            return False
        self.sent += len(data)
        return True

    async def closed_within(self, seconds: float) -> tuple[bytes, float]:
        """Read until the server closes; what it said and how long it took."""
        started = time.monotonic()
        answer = b""
        try:
            async with asyncio.timeout(seconds):
                while chunk := await self.reader.read(65536):
                    answer += chunk
        except ConnectionError:
            pass
        return answer, time.monotonic() - started

    def close(self) -> None:
        self.writer.close()


async def slowloris(port: int, request: bytes, limit: float) -> tuple[bool, float]:
    """Send ``request`` a byte every 0.1 s; whether the server hung up, and when."""
    raw = await Raw.open(port)
    started = time.monotonic()
    try:
        for byte in request:
            if time.monotonic() - started > limit:
                return False, time.monotonic() - started
            if not await raw.send(bytes([byte])):
                return True, time.monotonic() - started
            try:
                async with asyncio.timeout(0.1):
                    if await raw.reader.read(65536) == b"":
                        return True, time.monotonic() - started
            except TimeoutError:
                pass
        return False, time.monotonic() - started
    finally:
        raw.close()


@pytest.fixture(autouse=True)
async def close_every_connection() -> AsyncIterator[None]:
    yield
    for raw in Raw.opened:
        raw.writer.close()
        try:
            await raw.writer.wait_closed()
        except (ConnectionError, OSError):
            pass
    Raw.opened.clear()


def header_block(lines: list[str]) -> bytes:
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


# -- the desk --------------------------------------------------------------------------------


@pytest.fixture
async def desk_port(tmp_path: Path) -> AsyncIterator[int]:
    world = await start_world(tmp_path / "data", DESK_TOML)
    webdesk = world.app.bot_data[WEBDESK_KEY]
    webdesk.limits = SHORT
    port = await webdesk.start("127.0.0.1", 0)
    yield port
    await webdesk.stop()
    await world.stop()


async def test_the_desk_hangs_up_on_headers_sent_a_byte_at_a_time(desk_port: int) -> None:
    request = header_block(["GET /health HTTP/1.1", "Host: desk", "X-Padding: " + "a" * 200])
    hung_up, after = await slowloris(desk_port, request, limit=10)
    assert hung_up and after < SHORT.header_seconds + 1.0, after


async def test_the_desk_hangs_up_on_a_connection_that_says_nothing(desk_port: int) -> None:
    raw = await Raw.open(desk_port)
    answer, after = await raw.closed_within(10)
    assert answer == b"" and after < SHORT.header_seconds + 1.0, after


async def test_the_desk_gives_up_a_body_that_does_not_come(desk_port: int) -> None:
    raw = await Raw.open(desk_port)
    await raw.send(header_block(["POST /api/tickets/1/assign HTTP/1.1", "Host: desk",
                                 "Content-Type: application/json", "Content-Length: 100"]))
    await raw.send(b'{"techn')
    answer, after = await raw.closed_within(10)
    assert after < SHORT.body_seconds + 1.0, after
    assert answer.startswith(b"HTTP/1.1 408")


async def test_the_desk_refuses_a_huge_body_without_reading_it(desk_port: int) -> None:
    raw = await Raw.open(desk_port)
    await raw.send(header_block(["POST /api/tickets/1/assign HTTP/1.1", "Host: desk",
                                 "Content-Type: application/json", f"Content-Length: {HUGE}"]))
    answer, after = await raw.closed_within(5)
    assert answer.startswith(b"HTTP/1.1 413") and after < 1.0, (answer[:40], after)
    assert b'"error"' in answer
    assert not await raw.send(b"x" * 1024 * 1024), "the connection should be closed"


async def test_the_desk_holds_at_most_its_connections(desk_port: int) -> None:
    held = [await Raw.open(desk_port) for _ in range(SHORT.max_connections)]
    await asyncio.sleep(0.05)
    extra = await Raw.open(desk_port)
    answer, after = await extra.closed_within(0.5)
    assert answer == b"" and after < 0.3, "one connection over the limit is closed at once"
    for raw in held:
        raw.close()
    await asyncio.sleep(0.1)
    fresh = await Raw.open(desk_port)
    await fresh.send(header_block(["GET /health HTTP/1.1", "Host: desk", "Connection: close"]))
    answer, _ = await fresh.closed_within(2)
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"sundown desk")


# -- the webhook -----------------------------------------------------------------------------

WEBHOOK_SHORT = ServerLimits(header_seconds=0.6, body_seconds=0.6, max_body=1024 * 1024,
                             max_connections=8)
UPDATE = {"update_id": 1, "message": {
    "message_id": 1, "date": 0, "chat": {"id": 1001, "type": "private", "first_name": "张"},
    "from": {"id": 1001, "is_bot": False, "first_name": "张", "language_code": "zh-hans"},
    "text": "/start s_hq", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}


def post(path: str, body_length: int, *, secret: str | None = SECRET,
         content_type: str = "application/json") -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: bot", f"Content-Type: {content_type}",
             f"Content-Length: {body_length}"]
    if secret is not None:
        lines.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
    return header_block(lines)


@pytest.fixture
async def hook(tmp_path: Path) -> AsyncIterator[tuple[int, asyncio.Queue]]:
    app = bot.build_application(chain_settings(tmp_path / "data"), request=FakeTelegram())
    queue: asyncio.Queue = asyncio.Queue()
    server = webhook.WebhookServer(app.bot, queue, SECRET, "sundown", WEBHOOK_SHORT)
    port = server.start("127.0.0.1", 0)
    yield port, queue
    await server.stop()


async def test_the_webhook_takes_an_update_with_the_secret(hook) -> None:
    port, queue = hook
    body = json.dumps(UPDATE).encode()
    raw = await Raw.open(port)
    await raw.send(post("/sundown", len(body)) + body)
    answer = await raw.reader.readuntil(b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200")
    update = queue.get_nowait()
    assert update.message.text == "/start s_hq"
    raw.close()


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET[:-1], SECRET + "x"])
async def test_the_webhook_refuses_a_call_without_the_secret_before_its_body(
        hook, secret: str | None) -> None:
    """A 100 MB body announced: the answer (403) and the hang-up come before a byte of it."""
    port, queue = hook
    raw = await Raw.open(port)
    await raw.send(post("/sundown", HUGE, secret=secret))
    answer, after = await raw.closed_within(5)
    assert answer.startswith(b"HTTP/1.1 403") and after < 1.0, (answer[:40], after)
    assert raw.sent < 1024, "only the headers were sent"
    assert not await raw.send(b"x" * 1024 * 1024), "the connection should be closed"
    assert queue.empty()


async def test_the_webhook_refuses_a_body_over_a_megabyte_unread(hook) -> None:
    port, queue = hook
    raw = await Raw.open(port)
    await raw.send(post("/sundown", HUGE))
    answer, after = await raw.closed_within(5)
    assert answer.startswith(b"HTTP/1.1 400") and after < 1.0, (answer[:40], after)
    assert raw.sent < 1024
    assert queue.empty()


async def test_the_webhook_refuses_other_content_and_garbage(hook) -> None:
    port, queue = hook
    for request, status in ((post("/sundown", 2, content_type="text/plain") + b"{}", b"403"),
                            (post("/sundown", 5) + b"{nope", b"400"),
                            (post("/sundown", 2) + b"[]", b"400"),
                            (post("/elsewhere", 2) + b"{}", b"404")):
        raw = await Raw.open(port)
        await raw.send(request)
        answer = await raw.reader.readuntil(b"\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 " + status), (request[:30], answer[:40])
        raw.close()
    assert queue.empty()


async def test_the_webhook_hangs_up_on_slow_headers_and_idle_connections(hook) -> None:
    port, _queue = hook
    request = post("/sundown", 2) + b"{}"
    hung_up, after = await slowloris(port, request, limit=10)
    assert hung_up and after < WEBHOOK_SHORT.header_seconds + 1.0, after
    raw = await Raw.open(port)
    answer, after = await raw.closed_within(10)
    assert answer == b"" and after < WEBHOOK_SHORT.header_seconds + 1.0, after


async def test_the_webhook_gives_up_a_body_that_does_not_come(hook) -> None:
    port, queue = hook
    raw = await Raw.open(port)
    await raw.send(post("/sundown", 100) + b'{"update_id"')
    _answer, after = await raw.closed_within(10)
    assert after < WEBHOOK_SHORT.body_seconds + 1.0, after
    assert queue.empty()


async def test_the_webhook_holds_at_most_its_connections(hook) -> None:
    port, queue = hook
    held = [await Raw.open(port) for _ in range(WEBHOOK_SHORT.max_connections)]
    await asyncio.sleep(0.05)
    extra = await Raw.open(port)
    answer, after = await extra.closed_within(0.5)
    assert answer == b"" and after < 0.3, "one connection over the limit is closed at once"
    for raw in held:
        raw.close()
    await asyncio.sleep(0.1)
    body = json.dumps(UPDATE).encode()
    fresh = await Raw.open(port)
    await fresh.send(post("/sundown", len(body)) + body)
    assert (await fresh.reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")
    assert not queue.empty()


async def test_webhook_mode_runs_the_bot_on_this_server(tmp_path: Path) -> None:
    """``serve``: post_init (the sender starts), setWebhook with the secret, updates answered,
    and on the stop signal the application is stopped and shut down."""
    telegram = FakeTelegram()
    telegram.clock = FakeClock(START)
    app = bot.build_application(chain_settings(tmp_path / "data"), request=telegram,
                                clock=telegram.clock, limits=Limits.unlimited())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    stop = asyncio.Event()
    running = asyncio.create_task(webhook.serve(
        app, listen="127.0.0.1", port=port, url_path="sundown",
        webhook_url="https://desk.example.com/sundown", secret=SECRET,
        allowed_updates=["message"], stop=stop))
    body = json.dumps(UPDATE).encode()
    for _ in range(100):
        try:
            raw = await Raw.open(port)
            break
        except OSError:
            await asyncio.sleep(0.05)
    await raw.send(post("/sundown", len(body), secret=None) + body)
    assert (await raw.reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 403")
    raw = await Raw.open(port)
    await raw.send(post("/sundown", len(body)) + body)
    assert (await raw.reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")
    for _ in range(200):
        if telegram.chats.get(1001):
            break
        await asyncio.sleep(0.02)
    assert telegram.chats[1001][-1].text.startswith("您好!")
    hooked = telegram.sent("setWebhook")[-1].params
    assert hooked["url"] == "https://desk.example.com/sundown"
    assert hooked["secret_token"] == SECRET
    stop.set()
    await asyncio.wait_for(running, 10)
    assert not app.running
    with pytest.raises(OSError):
        await Raw.open(port)
