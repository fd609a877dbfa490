"""Greeting campaign at scale: 10k regulars, Telegram's 30 messages/s, and a crash midway.

    python bench/greetings.py [--regulars 10000]

The fake transport enforces 30 messages/s (429 with retry_after beyond it) and, standing in for
Telegram's side, appends every delivered greeting to a file outside the bot's process. Run 1:
the whole campaign. Run 2: the bot process is SIGKILLed mid-campaign and started again on the
same data. Printed: achieved rate (target >= 27/s, 90% of the cap), duplicates and misses
(targets 0), for both runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bot
from desk.clock import FakeClock
from desk.storage.bulk import write_customer_shard
from desk.storage.layout import shard_of
from outbox.campaigns import TASKS_KEY
from outbox.context import outbox_of
from sandbox.fake_telegram import FakeTelegram, TelegramLimits
from sandbox.story import demo_settings
from schedules.greetings import JOB_NAME

SPRING_FESTIVAL_0900 = datetime(2027, 2, 6, 1, 0, tzinfo=UTC)
FIRST_ID = 50_000_000
TELEGRAM_CAP = 30


def seed_regulars(data_dir: Path, count: int) -> None:
    shards: dict[int, dict[str, dict]] = {}
    for i in range(count):
        user_id = FIRST_ID + i
        shards.setdefault(shard_of(user_id), {})[str(user_id)] = {
            "user_id": user_id, "name": f"客户{i}", "language": None,
            "telegram_language": "zh-hans", "store_id": "flagship", "phone": None,
            "phone_declined": False, "blocked": False, "closed_tickets": [], "tier": "regular",
            "notes": [], "visits": [], "completed": 0, "greetings": True}
    for shard, docs in shards.items():
        write_customer_shard(data_dir, shard, docs)


async def child(data_dir: Path, server_log: Path) -> None:
    """The bot: run the greeting sweep and wait for the campaign to finish."""
    telegram = FakeTelegram(limits=TelegramLimits(overall=TELEGRAM_CAP))
    delivered = server_log.open("a", encoding="utf-8")

    def on_send(event: str, shown) -> None:
        if event == "send" and "快乐" in shown.text:
            delivered.write(f"{shown.chat_id} {time.time():.4f}\n")
            delivered.flush()  # the kernel has it: a SIGKILL of this process cannot lose it

    telegram.listeners.append(on_send)
    clock = FakeClock(SPRING_FESTIVAL_0900)
    # The sender keeps the limits of run mode.
    application = bot.build_application(demo_settings(data_dir), request=telegram, clock=clock)
    await application.initialize()
    outbox_of(application).start()
    job = application.job_queue.get_jobs_by_name(JOB_NAME)[0]
    await job.run(application)
    await asyncio.gather(*application.bot_data[TASKS_KEY].values())
    await outbox_of(application).stop()
    await application.shutdown()
    print(f"rejected by the rate limit: {telegram.rejected}", file=sys.stderr)


def spawn(data_dir: Path, server_log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, __file__, "--child", str(data_dir), str(server_log)])


def deliveries(server_log: Path) -> list[tuple[int, float]]:
    if not server_log.exists():
        return []
    rows = []
    for line in server_log.read_text(encoding="utf-8").splitlines():
        chat, at = line.split()
        rows.append((int(chat), float(at)))
    return rows


def summarise(label: str, rows: list[tuple[int, float]], count: int) -> None:
    per_chat = Counter(chat for chat, _ in rows)
    duplicates = sum(n - 1 for n in per_chat.values() if n > 1)
    misses = sum(1 for i in range(count) if per_chat[FIRST_ID + i] == 0)
    times = sorted(at for _, at in rows)
    rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    print(f"achieved rate ({label}): {rate:.1f} msg/s")
    print(f"duplicates ({label}): {duplicates}")
    print(f"misses ({label}): {misses}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regulars", type=int, default=10_000)
    parser.add_argument("--child", nargs=2, metavar=("DATA_DIR", "SERVER_LOG"))
    args = parser.parse_args()
    if args.child:
        asyncio.run(child(Path(args.child[0]), Path(args.child[1])))
        return
    with tempfile.TemporaryDirectory() as folder:
        for label, crash in (("one run", False), ("killed and restarted", True)):
            data_dir = Path(folder) / label.replace(" ", "-") / "data"
            server_log = data_dir.parent / "telegram-deliveries.log"
            seed_regulars(data_dir, args.regulars)
            process = spawn(data_dir, server_log)
            if crash:
                while len(deliveries(server_log)) < args.regulars * 0.4:
                    time.sleep(0.2)
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
                print(f"killed after {len(deliveries(server_log))} deliveries", file=sys.stderr)
                process = spawn(data_dir, server_log)
            process.wait()
            summarise(label, deliveries(server_log), args.regulars)
    print(f"target rate: {0.9 * TELEGRAM_CAP:.0f} msg/s (90% of {TELEGRAM_CAP})")


if __name__ == "__main__":
    main()
