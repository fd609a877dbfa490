"""The managers' desk: how fast the open tickets' list and a search answer over a big archive.

    python bench/dashboard.py

Archives of 1,000 and 50,000 tickets over eleven months (varied customers, phones, products
and words) and 300 open tickets in the hot file, on disk as the bot keeps them. The bot runs
with its managers' desk listening on a local port; each figure is the whole HTTP round trip a
manager's phone makes (init data checked, the database read, JSON written), measured from a
client on the same loop. Searches mix phone numbers, names, products, ticket numbers, words,
and misses.
Target: list and search p99 <= 200 ms at 50k.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bot
from bench.intake import percentile, write_files
from desk.clock import FakeClock
from desk.models import Kind, State, Ticket, Want
from desk.storage.layout import shard_of
from outbox.context import outbox_of
from outbox.limits import Limits
from sandbox.fake_telegram import FakeTelegram
from sandbox.story import DEMO_START, demo_settings
from webapp import auth
from webapp.server import WEBDESK_KEY

OPEN = 300
REQUESTS = 200
MANAGER = {"id": 500, "first_name": "赵经理", "language_code": "zh-hans"}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
PRODUCTS = ["电热水壶", "空气净化器", "电饭煲", "吸尘器", "微波炉", "洗碗机", "热水器",
            "电风扇", "加湿器", "豆浆机"]
PROBLEMS = ["漏水", "噪音很大", "不通电", "有异味", "按键失灵", "送货晚了三天", "安装师傅迟到",
            "发票开错了", "外壳有裂纹", "用了两天就坏了"]
WANTS = list(Want)


def phone_of(customer: int) -> str:
    return f"13{customer % 10}{customer:08d}"[-11:]


def ticket_doc(number: int, customer: int, rng: random.Random, month: str | None) -> dict:
    product = rng.choice(PRODUCTS)
    problem = rng.choice(PROBLEMS)
    confirmed = (f"{month}-{rng.randint(1, 28):02d}T02:01:00+00:00" if month
                 else (DEMO_START - timedelta(minutes=rng.randint(1, 600))).isoformat())
    ticket = Ticket(
        key=f"k{number}", store_id="flagship", customer_id=customer,
        customer_name=rng.choice(SURNAMES) + rng.choice(["女士", "先生"]), language="zh_CN",
        text=f"{product}{problem},希望尽快处理", kind=rng.choice([Kind.QUALITY, Kind.SERVICE,
                                                             Kind.CONTRACT]),
        want=rng.choice(WANTS), product=product, created_at=confirmed,
        state=State.DONE if month else rng.choice([State.NEW, State.CLAIMED, State.CONTACTED,
                                                   State.ESCALATED]),
        number=number, confirmed_at=confirmed)
    if not month:
        ticket.contact_by = (DEMO_START + timedelta(minutes=rng.randint(-120, 480))).isoformat()
        if ticket.state is not State.NEW:
            ticket.assignee_id, ticket.assignee_name = rng.choice([(201, "李工"), (202, "王工")])
    ticket.record(DEMO_START, customer, "confirmed")
    return ticket.to_dict()


def seed(data_dir: Path, archived: int) -> list[str]:
    """The archive, the open tickets and the customers on disk; returns search queries."""
    rng = random.Random(archived)
    months: dict[str, dict[str, dict]] = {}
    customers: dict[int, dict[str, dict]] = {}
    hot: dict[str, dict] = {}
    queries: list[str] = []
    for number in range(1, archived + OPEN + 1):
        customer = 30_000_000 + number // 2
        month = f"2026-{(number % 11) + 1:02d}" if number <= archived else None
        doc = ticket_doc(number, customer, rng, month)
        (months.setdefault(month, {}) if month else hot)[
            str(number) if month else doc["key"]] = doc
        customers.setdefault(shard_of(customer), {})[str(customer)] = {
            "user_id": customer, "name": doc["customer_name"], "language": None,
            "telegram_language": "zh-hans", "store_id": "flagship", "phone": phone_of(customer),
            "phone_declined": False, "blocked": False, "closed_tickets": []}
        if number % (max(archived, 1000) // 40) == 0:
            queries += [phone_of(customer)[-8:], doc["customer_name"], f"#{number}",
                        f"{doc['product']} {PROBLEMS[number % len(PROBLEMS)]}"]
    queries += ["洗衣机", "19999999999", "没有这个词"]  # misses scan everything
    write_files(data_dir, months, customers, hot, archived + OPEN)
    return queries


async def timed(http: httpx.AsyncClient, path: str, params: dict, headers: dict) -> float:
    started = time.perf_counter()
    response = await http.get(path, params=params, headers=headers)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed * 1000


async def measure(archived: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "data"
        queries = seed(data_dir, archived)
        settings = dataclasses.replace(demo_settings(data_dir),
                                       webapp_url="https://desk.example.test", webapp_port=0)
        clock = FakeClock(DEMO_START)
        application = bot.build_application(settings, request=FakeTelegram(), clock=clock,
                                            limits=Limits.unlimited())
        await application.initialize()
        outbox_of(application).start()
        webdesk = application.bot_data[WEBDESK_KEY]
        started = time.perf_counter()
        await asyncio.to_thread(webdesk.index.refresh)
        index_seconds = time.perf_counter() - started
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        port = await webdesk.start("127.0.0.1", 0)
        headers = {"Authorization": "tma " + auth.init_data_for(
            MANAGER, application.bot.token, int(clock().timestamp()))}
        rng = random.Random(7)
        filters = [{}, {"overdue": "1"}, {"technician": "201"}, {"state": "escalated"},
                   {"kind": "quality"}, {"technician": "0"}]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            for _ in range(5):  # warm-up
                await timed(http, "/api/tickets", {}, headers)
                await timed(http, "/api/search", {"q": queries[0]}, headers)
            lists = [await timed(http, "/api/tickets", rng.choice(filters), headers)
                     for _ in range(REQUESTS)]
            searches = [await timed(http, "/api/search", {"q": rng.choice(queries)}, headers)
                        for _ in range(REQUESTS)]
        await webdesk.stop()
        await outbox_of(application).stop()
        await application.shutdown()
        return {"list": percentile(lists, 99), "search": percentile(searches, 99),
                "list_median": percentile(lists, 50), "search_median": percentile(searches, 50),
                "index": index_seconds, "rss": rss_before / 1024}


def main() -> None:
    results = {n: asyncio.run(measure(n)) for n in (1_000, 50_000)}
    for n, label in ((1_000, "1k"), (50_000, "50k")):
        r = results[n]
        print(f"archive index read ({label}): {r['index']:.2f} s")
        print(f"peak process memory, seeding included ({label}): {r['rss']:.0f} MB")
        print(f"list median ({label}): {r['list_median']:.1f} ms")
        print(f"list p99 ({label}): {r['list']:.1f} ms")
        print(f"search median ({label}): {r['search_median']:.1f} ms")
        print(f"search p99 ({label}): {r['search']:.1f} ms")
    big = results[50_000]
    print(f"ratio search p99 50k/1k: {big['search'] / results[1_000]['search']:.2f}")
    print(f"goal list and search p99 <= 200 ms at 50k: "
          f"{'met' if big['list'] <= 200 and big['search'] <= 200 else 'NOT met'}")


if __name__ == "__main__":
    main()
