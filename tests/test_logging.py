"""The log, as `sundown run` sets it up: ticket events by number, and never the token or a
customer's phone number, even at --log-level DEBUG."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from telegram import Bot
from telegram.error import InvalidToken

import bot
from desk.buttons import Action
from sandbox.fake_telegram import FakeTelegram
from schedules.deadlines import JOB_NAME as DEADLINES
from tests.conftest import file_complaint, start_world

TOKEN = "123456:LOGGED-TOKEN-abcdefghijklmnopqrstu"
PHONE = "13800138000"


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The run mode's handler at DEBUG, writing into a buffer; everything put back after."""
    root = logging.getLogger()
    saved = root.level, {name: logging.getLogger(name).level for name in bot.QUIET_LOGGERS}
    buffer = io.StringIO()
    handler = bot.configure_logging(logging.DEBUG, secrets=[TOKEN], stream=buffer)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(saved[0])
    for name, level in saved[1].items():
        logging.getLogger(name).setLevel(level)


async def test_debug_logs_carry_neither_the_token_nor_a_phone_number(
        tmp_path: Path, log_lines: io.StringIO) -> None:
    world = await start_world(tmp_path / "data")
    await world.client.share_contact(world.customer, f"+86{PHONE}")
    number = await file_complaint(world, "电热水壶漏水,我要换货")
    await world.client.press_action(world.li, world.client.card(world.staff_group, number), Action.ACCEPT)
    world.clock.advance(hours=12)  # the contact deadline passes: the sweep has work
    for job in world.app.job_queue.get_jobs_by_name(DEADLINES):
        await job.run(world.app)
    await world.stop()
    assert any(PHONE in text for text in world.client.texts(world.staff_group)), \
        "the phone number did go through Telegram (on the staff card)"

    # PTB puts the token into the message of the InvalidToken it raises.
    telegram = FakeTelegram()
    telegram.fail("getMe", "unauthorized")
    with pytest.raises(InvalidToken) as rejected:
        await Bot(TOKEN, request=telegram).initialize()
    assert TOKEN in str(rejected.value)
    logging.getLogger("telegram.ext.Updater").error("polling stopped", exc_info=rejected.value)

    logged = log_lines.getvalue()
    assert f"ticket #{number}: confirmed by {world.customer.id}" in logged
    assert f"ticket #{number}: accepted by {world.li.id}" in logged
    assert f"sweep: 1 done (#{number} " in logged
    assert "polling stopped" in logged and "<secret>" in logged
    assert TOKEN not in logged and TOKEN.split(":")[1] not in logged
    assert PHONE not in logged
    assert "漏水" not in logged, "nor what the customer wrote"


def test_json_lines_are_redacted_too() -> None:
    import json

    inner = bot.JsonLines()
    formatter = bot.Redacting(inner, [TOKEN])
    record = logging.LogRecord("telegram", logging.ERROR, __file__, 1, "bad token %s", (TOKEN,),
                               None)
    line = json.loads(formatter.format(record))
    assert line["message"] == "bad token <secret>"
