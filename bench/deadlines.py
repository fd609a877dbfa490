"""Start-up and sweep cost of the promises: re-deriving every pending step from the store.

    python bench/deadlines.py

1k open tickets (in every state that has a pending step), with 1k and with 50k archived
tickets. Start-up = open the database, build and initialise the Application, and run the first
sweeps (which do whatever fell due while the bot was down). A tick = one run of both sweeps.
Targets: start-up <= 1 s, ratio 50k/1k <= 1.5.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bot
from bench.intake import seed_history
from desk.clock import FakeClock
from desk.models import Kind, State, Ticket, Want
from desk.storage.bulk import write_hot_file
from sandbox.fake_telegram import FakeTelegram
from sandbox.story import DEMO_START, demo_settings, sweep

OPEN = 1_000
TICKS = 20
STATES = (State.NEW, State.OFFERED, State.CLAIMED, State.CONTACTED, State.ESCALATED, State.DONE)


def seed_open(data_dir: Path, first_number: int) -> None:
    """1k open tickets whose steps fall due over the next day, a few already due."""
    docs = {}
    for i in range(OPEN):
        number = first_number + i
        state = STATES[i % len(STATES)]
        due = DEMO_START + timedelta(minutes=(i % 600) - 5)
        ticket = Ticket(
            key=f"o{number}", store_id="flagship", customer_id=30_000_000 + i,
            customer_name="客户", language="zh_CN", text="电热水壶漏水,我要换货",
            kind=Kind.QUALITY, want=Want.EXCHANGE, created_at=DEMO_START.isoformat(),
            state=state, number=number, confirmed_at=DEMO_START.isoformat(),
            contact_by=(due + timedelta(hours=2)).isoformat(),
            assignee_id=None if state is State.NEW else 201,
            assignee_name=None if state is State.NEW else "李工",
            reply_by=(due + timedelta(hours=3)).isoformat()
            if state is State.ESCALATED else None,
            callback_at=(due + timedelta(hours=20)).isoformat() if state is State.DONE else None,
            card_message_id=1,
        )
        ticket.record(DEMO_START, ticket.customer_id, "confirmed")
        docs[str(i + 1)] = ticket.to_dict()
    write_hot_file(data_dir, docs, first_number + OPEN)


async def measure(archived: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "data"
        seed_history(data_dir, archived)
        seed_open(data_dir, archived + 1)
        clock = FakeClock(DEMO_START)
        started = time.perf_counter()
        settings = demo_settings(data_dir)
        telegram = FakeTelegram()
        telegram.clock = clock
        application = bot.build_application(settings, request=telegram, clock=clock)
        await application.initialize()
        await sweep(application)
        startup = time.perf_counter() - started
        ticks = []
        for _ in range(TICKS):
            clock.advance(seconds=30)
            tick_started = time.perf_counter()
            await sweep(application)
            ticks.append(time.perf_counter() - tick_started)
        await application.shutdown()
        return startup, statistics.median(ticks)


def main() -> None:
    results = {label: asyncio.run(measure(n)) for label, n in (("1k", 1_000), ("50k", 50_000))}
    for label, (startup, tick) in results.items():
        print(f"start-up (1k open, {label} archived): {startup * 1000:.0f} ms")
        print(f"sweep tick (1k open, {label} archived): {tick * 1000:.1f} ms")
    print(f"ratio tick 50k/1k: {results['50k'][1] / results['1k'][1]:.2f}")
    print(f"ratio start-up 50k/1k: {results['50k'][0] / results['1k'][0]:.2f}")


if __name__ == "__main__":
    main()
