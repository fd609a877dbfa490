"""Acknowledgement latency: a customer confirms -> the acknowledgement is delivered.

    python bench/intake.py [--samples 300]

The real Application on the fake transport; the durable write and the outbox are included.
Measured with 1k and with 50k closed tickets in the archive (and a customer base to match), to
show that the cost does not grow with history. Targets: p99 <= 20 ms, ratio 50k/1k <= 1.5.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bot
from desk.models import Kind, State, Ticket, Want
from desk.storage.bulk import write_archive_month, write_customer_shard, write_hot_file
from desk.storage.layout import shard_of
from outbox.context import desk_of, outbox_of
from outbox.limits import Limits
from sandbox.fake_telegram import FakeTelegram, FakeUser, TelegramClient
from sandbox.story import DEMO_START, demo_settings

# A busy chain's open tickets, held steady: for each new ticket the oldest one finishes (outside
# the timed span), as in a working store; the closed history is what differs between the runs.
OPEN_TICKETS = 100


def seed_history(data_dir: Path, closed: int) -> None:
    """Write ``closed`` archived tickets over 12 months, and their customers, straight to disk."""
    months: dict[str, dict[str, dict]] = {}
    customers: dict[int, dict[str, dict]] = {}
    for number in range(1, closed + 1):
        month = f"2026-{(number % 11) + 1:02d}"
        customer_id = 10_000_000 + number // 2
        ticket = Ticket(
            key=f"h{number}", store_id="flagship", customer_id=customer_id,
            customer_name="历史客户", language="zh_CN", text="电热水壶漏水,我要换货" * 3,
            kind=Kind.QUALITY, want=Want.EXCHANGE, created_at=f"{month}-10T02:00:00+00:00",
            state=State.DONE, number=number, confirmed_at=f"{month}-10T02:01:00+00:00",
        )
        ticket.record(DEMO_START, customer_id, "confirmed")
        ticket.record(DEMO_START, 201, "done", outcome="solved", report="已更换")
        months.setdefault(month, {})[str(number)] = ticket.to_dict()
        customers.setdefault(shard_of(customer_id), {})[str(customer_id)] = {
            "user_id": customer_id, "name": "历史客户", "language": None,
            "telegram_language": "zh-hans", "store_id": "flagship", "phone": "13800000000",
            "phone_declined": False, "blocked": False, "closed_tickets": [number]}
    write_files(data_dir, months, customers, {}, closed)


def write_files(data_dir: Path, months: dict[str, dict[str, dict]],
                customers: dict[int, dict[str, dict]], hot: dict[str, dict],
                last_number: int) -> None:
    """Archive month files, customer shards and the hot file, as the database keeps them."""
    for month, docs in months.items():
        write_archive_month(data_dir, month, docs)
    for shard, docs in customers.items():
        write_customer_shard(data_dir, shard, docs)
    write_hot_file(data_dir, hot, last_number)


async def measure(closed: int, samples: int) -> list[float]:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "data"
        seed_history(data_dir, closed)
        settings = demo_settings(data_dir)
        telegram = FakeTelegram()
        # The staff group's 20 a minute would hold the cards back: this measures the path from
        # a press to the customer's acknowledgement (bench/burst.py measures the limits).
        application = bot.build_application(settings, request=telegram,
                                            limits=Limits.unlimited())
        await application.initialize()
        outbox_of(application).start()
        client = TelegramClient(application, telegram)
        acked: dict[int, float] = {}

        def on_send(event: str, shown) -> None:
            if event == "send" and shown.from_bot and "#" in shown.text:
                acked.setdefault(shown.chat_id, time.perf_counter())

        telegram.listeners.append(on_send)
        latencies = []
        for i in range(OPEN_TICKETS + samples):
            user = FakeUser(20_000_000 + i, "客户")
            await client.send(user, "/start s_flagship")
            await client.send(user, "电热水壶用了两天就漏水,我要换货")
            restatement = client.last(user)
            started = time.perf_counter()
            await client.click(user, restatement, "✅")
            if i >= OPEN_TICKETS:
                latencies.append((acked[user.id] - started) * 1000)
                db = desk_of(application).db
                oldest = db.open_tickets()[0]
                db.update(oldest.key, finish)
                db.archive(oldest.key)
        await outbox_of(application).stop()
        await application.shutdown()
        return latencies


def finish(ticket: Ticket, _tx) -> None:
    ticket.state = State.DONE


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    results = {}
    for label, closed in (("1k", 1_000), ("50k", 50_000)):
        latencies = asyncio.run(measure(closed, args.samples))
        results[label] = (percentile(latencies, 50), percentile(latencies, 99))
    for label, (p50, p99) in results.items():
        print(f"ack p50 ({label} closed): {p50:.2f} ms")
        print(f"ack p99 ({label} closed): {p99:.2f} ms")
    print(f"ratio p50 50k/1k: {results['50k'][0] / results['1k'][0]:.2f}")
    print(f"ratio p99 50k/1k: {results['50k'][1] / results['1k'][1]:.2f}")


if __name__ == "__main__":
    main()
