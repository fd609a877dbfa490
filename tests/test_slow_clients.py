"""Slow and greedy clients on loopback: the desk's server and the webhook's.

Each test speaks raw HTTP over a socket, as an attacker would: headers a byte at a time, a
body that never comes, a huge Content-Length, more connections than allowed. The servers run
with short limits (a second or less) so that the tests are quick; the defaults are in
webapp/limits.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import start_world
from tests.test_desk_api import DESK_TOML
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

    @classmethod
    async def open(cls, port: int) -> Raw:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

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
