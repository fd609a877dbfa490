"""Digest cost, and what it costs customers while it runs.

    python bench/digest.py

History of 5k and of 50k archived tickets spread over eleven months, plus a stress case with
all 50k in the digest's own month. Digest time = figures, text and chart. Then customers
confirm complaints (acknowledgement latency, as in bench/intake.py) with no digest running and
while digests are computed back to back. Targets: <= 2 s at 50k; acknowledgements delayed by
<= 50 ms at p99 during a digest.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bot
from bench.intake import percentile, seed_history
from desk.chart import chart_job
from desk.i18n import translator
from desk.storage.bulk import read_archive_month, remove_archive_month, write_archive_month
from desk.storage.layout import archive_files
from outbox import reports
from outbox.context import desk_of, outbox_of
from outbox.digests import build, worker_pool
from outbox.limits import Limits
from sandbox.fake_telegram import FakeTelegram, FakeUser, TelegramClient
from sandbox.story import DEMO_START, demo_settings

SAMPLES = 150


def squeeze_into_one_month(data_dir: Path) -> None:
    """Stress: move every archived ticket into the digest's own month."""
    merged: dict[str, dict] = {}
    for month in archive_files(data_dir):
        docs = read_archive_month(data_dir, month)
        for doc in docs.values():
            doc["confirmed_at"] = doc["created_at"] = "2026-11-20T02:00:00+00:00"
        merged.update(docs)
        remove_archive_month(data_dir, month)
    write_archive_month(data_dir, "2026-11", merged)


async def one_digest(application, store, day) -> float:
    """Figures, text and chart, exactly as a manager's digest is made (in the worker)."""
    started = time.perf_counter()
    digest = await build(application, store, day)
    t = translator(store.language)
    reports.digest_text(t, store, digest)
    await asyncio.get_running_loop().run_in_executor(
        worker_pool(application), chart_job, t.language, "bench", digest.chart)
    return time.perf_counter() - started


async def measure(history: int, one_month: bool = False) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "data"
        seed_history(data_dir, history)
        if one_month:
            squeeze_into_one_month(data_dir)
        telegram = FakeTelegram()
        application = bot.build_application(demo_settings(data_dir), request=telegram,
                                            limits=Limits.unlimited())
        await application.initialize()
        outbox_of(application).start()
        client = TelegramClient(application, telegram)
        store = desk_of(application).settings.stores[0]
        day = DEMO_START.date()
        await one_digest(application, store, day)  # warm-up: imports, font cache
        digest_times = [await one_digest(application, store, day) for _ in range(3)]

        acked: dict[int, float] = {}

        def on_send(event: str, shown) -> None:
            if event == "send" and shown.from_bot and "#" in shown.text:
                acked.setdefault(shown.chat_id, time.perf_counter())

        telegram.listeners.append(on_send)
        counter = iter(range(40_000_000, 50_000_000))

        async def acknowledge() -> float:
            user = FakeUser(next(counter), "客户")
            await client.send(user, "/start s_flagship")
            await client.send(user, "电热水壶漏水,我要换货")
            restatement = client.last(user)
            started = time.perf_counter()
            await client.click(user, restatement, "✅")
            await asyncio.sleep(0.005)  # customers arrive spread out, not back to back
            return (acked[user.id] - started) * 1000

        quiet = [await acknowledge() for _ in range(SAMPLES)]
        busy: list[float] = []
        while len(busy) < SAMPLES:
            task = asyncio.create_task(one_digest(application, store, day))
            while not task.done():
                busy.append(await acknowledge())
            await task
        await outbox_of(application).stop()
        await application.shutdown()
        return {"digest": statistics.median(digest_times),
                "quiet_p99": percentile(quiet, 99), "busy_p99": percentile(busy, 99)}


def main() -> None:
    results = {
        "5k": asyncio.run(measure(5_000)),
        "50k": asyncio.run(measure(50_000)),
        "50k in one month": asyncio.run(measure(50_000, one_month=True)),
    }
    for label, figures in results.items():
        print(f"digest time ({label} history): {figures['digest']:.2f} s")
    for label, figures in results.items():
        print(f"ack p99 without digest ({label}): {figures['quiet_p99']:.1f} ms")
        print(f"ack p99 during digest ({label}): {figures['busy_p99']:.1f} ms")
    for label, figures in results.items():
        print(f"extra ack p99 during digest ({label}): "
              f"{figures['busy_p99'] - figures['quiet_p99']:.1f} ms")
    print(f"ratio digest 50k/5k: {results['50k']['digest'] / results['5k']['digest']:.2f}")


if __name__ == "__main__":
    main()
