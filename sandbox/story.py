"""The demo: the real bot, all handlers, on the offline fake Telegram, playing a scripted story.

    python bot.py demo            # Chinese
    python bot.py demo --lang en  # English

A customer complains, the bot restates, the customer confirms (and is promised contact before
today's sunset) and shares a phone number; the offered technician accepts, records contact and
finishes with a service report. A second customer's ticket is claimed but not contacted: the
technician is reminded an hour before sunset, the manager is alerted at the breach, and the
technician escalates it; the manager promises the latest reply time. Next morning the first
customer gets the satisfaction callback, and the manager the feedback record; that evening the
manager gets the daily digest, whose chart is saved to a file. On New Year's Day the regular
gets a holiday greeting by name, and the manager a list of regulars to call instead. Simulated
time; every chat is printed as its user would read it.
"""

from __future__ import annotations

import asyncio
import tempfile
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from telegram.ext import Application

from desk.clock import FakeClock
from desk.config import Settings, parse_settings
from outbox.campaigns import TASKS_KEY
from outbox.context import outbox_of
from outbox.limits import Limits
from sandbox.fake_telegram import FakeGroup, FakeTelegram, FakeUser, Shown, TelegramClient
from schedules import callbacks, deadlines, digest, greetings

DEMO_START = datetime(2026, 11, 23, 1, 47, tzinfo=UTC)  # Monday 09:47 in Shanghai

DEMO_TOML = """
data_dir = "{data_dir}"
default_language = "{lang}"

[[stores]]
id = "flagship"
name = "{store}"
staff_chat_id = -1001
managers = [500]
timezone = "Asia/Shanghai"
language = "{lang}"
location = {{ lat = 31.2304, lon = 121.4737 }}
products = {products}

[stores.hours]
mon = "09:00-21:00"
tue = "09:00-21:00"
wed = "09:00-21:00"
thu = "09:00-21:00"
fri = "09:00-21:00"
sat = "10:00-18:00"

[[stores.technicians]]
user_id = 201
name = "{li}"

[[stores.technicians]]
user_id = 202
name = "{wang}"
"""

# What the people in the story say and are called; the bot's own words come from the catalogs.
CAST = {
    "zh_CN": {"store": "旗舰店", "products": '["电热水壶", "空气净化器"]', "li": "李工",
              "wang": "王工", "customer": ("张", "女士"), "second": ("王", "先生"),
              "manager": "赵经理", "group": "旗舰店员工群", "code": "zh-hans",
              "complaint": "电热水壶用了两天就漏水,我要换货",
              "followup": "补充一下:是上周六在店里买的",
              "report": "已上门更换新壶,客户确认不再漏水",
              "second_complaint": "上门安装的师傅迟到了两个小时,态度也很敷衍",
              "comment": "师傅很专业,换得很快,谢谢!",
              "blocked": "不能直接换,这是本店的规定。",
              "relay": "您好,我下午两点带新壶上门给您更换,可以吗?",
              "photo": "漏水的位置在壶底这里", "yes": "可以,两点见",
              "photo_back": "新壶已经备好,就是这款"},
    "zh_TW": {"store": "旗艦店", "products": '["電熱水壺", "空氣清淨機"]', "li": "李工",
              "wang": "王工", "customer": ("張", "女士"), "second": ("王", "先生"),
              "manager": "趙經理", "group": "旗艦店員工群", "code": "zh-hant",
              "complaint": "電熱水壺用了兩天就漏水,我要換貨",
              "followup": "補充一下:是上週六在店裡買的",
              "report": "已到府更換新壺,客戶確認不再漏水",
              "second_complaint": "到府安裝的師傅遲到了兩個小時,態度也很敷衍",
              "comment": "師傅很專業,換得很快,謝謝!",
              "blocked": "不能直接換,這是本店的規定。",
              "relay": "您好,我下午兩點帶新壺到府為您更換,可以嗎?",
              "photo": "漏水的位置在壺底這裡", "yes": "可以,兩點見",
              "photo_back": "新壺已經備好,就是這款"},
    "en": {"store": "Flagship Store", "products": '["kettle", "air purifier"]', "li": "Li",
           "wang": "Wang", "customer": ("Anna", "Zhang"), "second": ("Tom", "Wang"),
           "manager": "Manager Zhao", "group": "Flagship staff", "code": "en",
           "complaint": "My kettle started leaking after two days, I'd like an exchange",
           "followup": "To add: I bought it in the store last Saturday",
           "report": "Replaced the kettle at the customer's home; no more leaking",
           "second_complaint": "The technician came two hours late and was rude",
           "comment": "Very professional, quick exchange, thank you!",
           "blocked": "We can't exchange it just like that, this is the store's rule.",
           "relay": "Hello, I can bring a new kettle to your home at 2 pm and swap it. "
                    "Does that work for you?",
           "photo": "This is where it leaks, at the bottom", "yes": "Yes, see you at two",
           "photo_back": "The new kettle is ready, it's this model"},
}


def demo_settings(data_dir: Path, language: str = "zh_CN") -> Settings:
    """The demo chain's one store, in ``language``, keeping its data in ``data_dir``."""
    cast = CAST[language]
    return parse_settings(DEMO_TOML.format(
        data_dir=data_dir.as_posix(), lang=language, store=cast["store"],
        products=cast["products"], li=cast["li"], wang=cast["wang"]))


async def sweep(application) -> None:
    """Run the schedules' sweeps once, as the job queue does every half minute, and let the
    outbox deliver what they said."""
    for name in (deadlines.JOB_NAME, callbacks.JOB_NAME, digest.JOB_NAME, greetings.JOB_NAME):
        for job in application.job_queue.get_jobs_by_name(name):
            await job.run(application)
    await outbox_of(application).settle()


class Transcript:
    """Prints every message as the chat it lands in shows it; an edit shows what changed."""

    def __init__(self, names: dict[int, str], out=print, files: Path | None = None):
        self.names = names
        self.out = out
        self.files = files or Path(tempfile.gettempdir())
        self.current_chat: int | None = None
        self.seen: dict[tuple[int, int], list[str]] = {}

    def __call__(self, event: str, shown: Shown) -> None:
        if shown.chat_id != self.current_chat:
            self.current_chat = shown.chat_id
            self.out("")
            self.out(f"══ {self.names.get(shown.chat_id, shown.chat_id)} ══")
        key = (shown.chat_id, shown.message_id)
        lines = shown.text.splitlines() or [""]
        if shown.kind in ("photo", "document") and shown.document:
            suffix = Path(shown.filename or "chart.png").suffix or ".png"
            path = self.files / f"sundown-demo-{shown.chat_id}-{shown.message_id}{suffix}"
            path.write_bytes(shown.document)
            lines = [f"🖼 {lines[0]}", f"[{path}]"]
        elif shown.kind != "text" and shown.from_bot:  # a photo or voice message passed on
            icon = {"photo": "📷", "voice": "🎤", "video": "🎬"}.get(shown.kind, "📎")
            lines = [f"{icon} {lines[0]}", *lines[1:]]
        if event == "edit":
            before = self.seen.get(key, [])
            changed = [line for line in lines if line not in before] or ["(buttons)"]
            self.out(f"🤖 ✎ #{shown.message_id}: {changed[0]}")
            self._rest(changed[1:])
        else:
            who = "🤖" if shown.from_bot else self.names.get(shown.sender_id, shown.sender_id)
            self.out(f"{who} #{shown.message_id}: {lines[0]}" if shown.from_bot
                     else f"{who}: {lines[0]}")
            self._rest(lines[1:])
        self.seen[key] = lines
        buttons = [f"[{label}]" for label in shown.labels]
        buttons += [f"[{b['text']}]" for row in shown.reply_keyboard for b in row]
        if buttons and shown.from_bot:
            self.out("    " + " ".join(buttons))

    def _rest(self, lines: list[str]) -> None:
        for line in lines:
            self.out(textwrap.indent(line, "    ") if line else "")


async def play(build: Callable[..., Application], language: str = "zh_CN",
               data_dir: str | None = None, out=print) -> None:
    """Play the story on ``build`` (``bot.build_application``: the real bot, handed in so the
    sandbox never imports the entry point)."""
    cast = CAST[language]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(data_dir or scratch)
        settings = demo_settings(folder, language)
        telegram = FakeTelegram()
        clock = FakeClock(DEMO_START)
        telegram.clock = clock
        # Simulated time jumps hours ahead; the sender's pacing in real seconds would only
        # slow the story down.
        application = build(settings, request=telegram, clock=clock,
                                            limits=Limits.unlimited())
        await application.initialize()
        outbox_of(application).start()
        client = TelegramClient(application, telegram)

        customer = FakeUser(1001, *cast["customer"], language_code=cast["code"])
        second = FakeUser(1002, *cast["second"], language_code=cast["code"])
        li = FakeUser(201, cast["li"], language_code=cast["code"])
        wang = FakeUser(202, cast["wang"], language_code=cast["code"])
        manager = FakeUser(500, cast["manager"], language_code=cast["code"])
        group = FakeGroup(-1001, cast["group"])
        names = {customer.id: customer.full_name, second.id: second.full_name,
                 li.id: li.first_name, wang.id: wang.first_name,
                 manager.id: manager.first_name, group.id: group.title}
        # The files the fake users receive (charts) go beside the data folder, not into it.
        shown_files = Path(data_dir).parent if data_dir else None
        telegram.listeners.append(Transcript(names, out, shown_files))

        await client.send(manager, "/start")
        await client.send(customer, "/start s_flagship")
        clock.advance(minutes=2)
        await client.send(customer, cast["complaint"])
        await client.click(customer, client.last(customer), "✅")
        await client.share_contact(customer, "+8613800138000")
        card = client.card(group, 1)
        clock.advance(minutes=12)
        await client.click(li, card, "✅")
        await client.click(li, card, "⭐")  # Li knows her: a regular of the store
        clock.advance(minutes=3)
        await client.send(customer, cast["followup"])
        # Li answers through the bot: a forbidden phrase is stopped with a better wording;
        # then the customer and Li talk on the ticket, photos both ways.
        clock.advance(minutes=5)
        await client.send(li, cast["blocked"], group=group, reply_to=card)
        await client.send(li, cast["relay"], group=group, reply_to=card)
        clock.advance(minutes=2)
        await client.send_photo(customer, caption=cast["photo"])
        await client.send(customer, cast["yes"])
        await client.send_photo(li, caption=cast["photo_back"], group=group, reply_to=card)
        clock.advance(minutes=30)
        await client.click(li, card, "📞")
        clock.advance(hours=2)
        await client.click(li, card, "🧰")
        await client.press(li, card, card.buttons[0][0]["callback_data"])  # solved
        await client.send(li, cast["report"], group=group, reply_to=client.last(group))

        clock.advance(minutes=30)
        await client.send(second, "/start s_flagship")
        await client.send(second, cast["second_complaint"])
        question = client.last(second)
        await client.press(second, question, question.buttons[1][1]["callback_data"])
        await client.click(second, client.last(second), "✅")
        second_card = client.card(group, 2)
        clock.advance(minutes=5)
        await client.click(li, second_card, "✅")
        await client.click(li, second_card, "⭐")

        # Nobody calls the second customer: the sunset rule's reminder, then the breach.
        clock.set(datetime(2026, 11, 23, 7, 52, tzinfo=UTC))  # 15:52, an hour before sunset
        await sweep(application)
        clock.set(datetime(2026, 11, 23, 8, 52, tzinfo=UTC))  # 16:52, sunset
        await sweep(application)
        clock.advance(minutes=8)
        await client.click(li, second_card, "🆘")
        alert = client.last(manager)
        clock.advance(minutes=10)
        await client.press(manager, alert, alert.buttons[0][0]["callback_data"])

        # Next opening day, 10:00: the satisfaction callback for the first ticket.
        clock.set(datetime(2026, 11, 24, 2, 0, tzinfo=UTC))
        await sweep(application)
        survey = client.last(customer)
        for data in ("s:o:1:5", "s:s:1:fully", "s:d:1:reliability:5",
                     "s:d:1:responsiveness:4", "s:d:1:assurance:5", "s:d:1:empathy:5",
                     "s:d:1:tangibles:4"):
            clock.advance(seconds=20)
            await client.press(customer, survey, data)
        await client.send(customer, cast["comment"])

        # 20:00: the manager's daily digest, with its chart.
        clock.set(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
        await sweep(application)

        # New Year's Day, 09:00: holiday greetings for the store's regulars.
        clock.set(datetime(2027, 1, 1, 1, 0, tzinfo=UTC))
        await sweep(application)
        await asyncio.gather(*application.bot_data.get(TASKS_KEY, {}).values())
        await outbox_of(application).settle()
        await outbox_of(application).stop()
        await application.shutdown()
        if client.errors:
            raise RuntimeError(f"the demo hit errors: {client.errors!r}")
