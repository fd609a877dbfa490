"""A crash costs at most the messages in flight: SIGKILL just after a burst, count duplicates.

A bot process (run mode's limits; a fake Telegram over a network, 50 ms each way) has 20
customers with open tickets among 120; each sends a follow-up at once, and each gets "added to
your ticket". The fake Telegram, standing in for Telegram's side, appends every acknowledgement
it executes to a file outside the bot's process. The process is killed with SIGKILL 0.4 s after
the 20th was executed (their answers were back after 50 ms), then started again on the same
data; whatever it sends again is a duplicate. At least once stays: every customer has theirs.

Before the sender recorded its deliveries in batches: 13 to 19 duplicates per kill (one
rewrite of the hot file per delivery, each 50-100 ms here, fell behind the burst).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CUSTOMERS = 20
BACKGROUND = 100  # other open tickets in the hot file: each write rewrites them all
LATENCY = 0.05  # seconds a request takes to Telegram, and its answer back
KILL_AFTER = 0.4  # seconds after the last acknowledgement was executed
ACK = "已补充到您的投诉单"

CHILD = """
import asyncio, secrets, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from desk.models import Ticket
from outbox.limits import Limits
from sandbox.fake_telegram import FakeTelegram, FakeUser
from tests.conftest import file_complaint, start_world

LOG = open({log!r}, "a", encoding="utf-8")

def on_send(event, shown):
    if event == "send" and {ack!r} in shown.text:
        LOG.write(f"{{shown.chat_id}}\\n")
        LOG.flush()  # the kernel has it: a SIGKILL of this process cannot lose it

class Network(FakeTelegram):
    \"\"\"Telegram over a network: a request travels, is executed, and its answer travels back.\"\"\"
    async def do_request(self, *args, **kwargs):
        answer = await super().do_request(*args, **kwargs)
        await asyncio.sleep(self.latency)
        return answer

async def main(phase):
    telegram = Network()
    telegram.listeners.append(on_send)
    limits = Limits() if phase == "burst" else Limits.unlimited()
    world = await start_world(Path({data!r}), telegram=telegram, limits=limits)
    customers = [FakeUser(3000 + i, f"顾客{{i}}") for i in range({customers})]
    if phase == "setup":
        for user in customers:
            await file_complaint(world, user=user)
        await world.outbox.settle(limit=120)
        with world.db.transaction() as tx:  # a busy store's other open tickets
            model = tx.ticket_by_number(1).to_dict()
            for i in range({background}):
                tx.save(Ticket.from_dict({{**model, "key": secrets.token_hex(4),
                                          "number": tx.next_number(), "customer_id": 5000 + i}}))
        await world.stop()
        return
    if phase == "burst":
        telegram.latency = {latency}  # each way
        for user in customers:
            await world.client.send(user, "补充:底座也有裂缝", settle=False)
        print("burst", flush=True)
        await asyncio.sleep(60)
    else:  # restarted: send what is still queued
        await world.outbox.settle(limit=60)
        await world.stop()

asyncio.run(main(sys.argv[1]))
"""


def child(script: Path, phase: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(script), phase], stdout=subprocess.PIPE,
                            text=True, **kwargs)


def acknowledged(log: Path) -> list[int]:
    if not log.exists():
        return []
    return [int(line) for line in log.read_text(encoding="utf-8").split()]


def kill_after_burst(tmp_path: Path) -> tuple[int, int]:
    """Duplicates after one SIGKILL, and customers without their acknowledgement."""
    data, log = tmp_path / "data", tmp_path / "telegram-acks.log"
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(root=str(ROOT), data=str(data), log=str(log), ack=ACK,
                                   customers=CUSTOMERS, background=BACKGROUND,
                                   latency=LATENCY), encoding="utf-8")
    assert child(script, "setup").wait(timeout=120) == 0
    process = child(script, "burst")
    try:
        assert process.stdout.readline().strip() == "burst"
        deadline = time.monotonic() + 60
        while len(acknowledged(log)) < CUSTOMERS:
            assert time.monotonic() < deadline, "the burst was never acknowledged"
            time.sleep(0.002)
        time.sleep(KILL_AFTER)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    assert child(script, "restart").wait(timeout=120) == 0
    counts = Counter(acknowledged(log))
    duplicates = sum(n - 1 for n in counts.values())
    missing = CUSTOMERS - len(counts)
    return duplicates, missing


@pytest.mark.slow
def test_a_kill_just_after_a_burst_resends_at_most_the_messages_in_flight(
        tmp_path: Path) -> None:
    duplicates, missing = kill_after_burst(tmp_path)
    print(f"duplicates after a kill: {duplicates} of {CUSTOMERS}")
    assert missing == 0, "at least once: every customer has their acknowledgement"
    assert duplicates <= 2
