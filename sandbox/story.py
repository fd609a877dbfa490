"""The demo: the real bot, all handlers, on the offline fake Telegram, playing a scripted story.

    python bot.py demo            # Chinese
    python bot.py demo --lang en  # English

A customer first asks when the store closes on Sunday and is answered at once from the store's
configured hours; then complains, the bot restates, the customer confirms (and is promised
contact before today's sunset) and shares a phone number; the offered technician accepts,
records contact and finishes with a service report. A second customer's ticket is claimed but
not contacted: the technician is reminded an hour before sunset, the manager is alerted at the
breach, and the technician escalates it; the manager promises the latest reply time. Next
morning the first customer gets the satisfaction callback, and the manager the feedback record;
that evening the manager gets the daily digest, whose chart is saved to a file. On New Year's
Day the regular gets a holiday greeting by name, and the manager a list of regulars to call
instead. Simulated time; every chat is printed as its user would read it, with a narrator's
lines between: what the story shows (first), who presses which button, when time jumps. The
store's staff group is a forum in topics mode: each ticket has its own topic (shown as
"group › topic"), staff write in it with no reply needed, and General gets the day's
overview. The
bot's messages are numbered per chat as [m12] (a ticket is #1), and an edit of one is marked as
such."""

from __future__ import annotations

import asyncio
import re
import tempfile
import textwrap
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from telegram.ext import Application

from desk.clock import FakeClock
from desk.config import Settings, parse_settings
from desk.text import person_name
from outbox.campaigns import TASKS_KEY
from outbox.context import outbox_of
from outbox.limits import Limits
from sandbox.fake_telegram import FakeGroup, FakeTelegram, FakeUser, Shown, TelegramClient
from schedules import callbacks, deadlines, digest, greetings
from schedules import topics as topic_overview

SHANGHAI = ZoneInfo("Asia/Shanghai")
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
staff_topics = {topics}

[stores.hours]
mon = "09:00-21:00"
tue = "09:00-21:00"
wed = "09:00-21:00"
thu = "09:00-21:00"
fri = "09:00-21:00"
sat = "10:00-18:00"
sun = "10:00-17:00"

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
              "question": "请问你们周日几点关门?",
              "complaint": "电热水壶用了两天就漏水,我要换货",
              "followup": "补充一下:是上周六在店里买的",
              "report": "已上门更换新壶,客户确认不再漏水",
              "second_complaint": "上门安装的师傅迟到了两个小时,态度也很敷衍",
              "comment": "师傅很专业,换得很快,谢谢!",
              "blocked": "不能直接换,这是本店的规定。",
              "relay": "您好,我下午两点带新壶上门给您更换,可以吗?",
              "photo": "漏水的位置在壶底这里", "yes": "可以,两点见",
              "photo_back": "新壶已经备好,就是这款",
              "note": "// 仓库还有两台同款新壶,我带一台过去"},
    "zh_TW": {"store": "旗艦店", "products": '["電熱水壺", "空氣清淨機"]', "li": "李工",
              "wang": "王工", "customer": ("張", "女士"), "second": ("王", "先生"),
              "manager": "趙經理", "group": "旗艦店員工群", "code": "zh-hant",
              "question": "請問你們週日幾點打烊?",
              "complaint": "電熱水壺用了兩天就漏水,我要換貨",
              "followup": "補充一下:是上週六在店裡買的",
              "report": "已到府更換新壺,客戶確認不再漏水",
              "second_complaint": "到府安裝的師傅遲到了兩個小時,態度也很敷衍",
              "comment": "師傅很專業,換得很快,謝謝!",
              "blocked": "不能直接換,這是本店的規定。",
              "relay": "您好,我下午兩點帶新壺到府為您更換,可以嗎?",
              "photo": "漏水的位置在壺底這裡", "yes": "可以,兩點見",
              "photo_back": "新壺已經備好,就是這款",
              "note": "// 倉庫還有兩台同款新壺,我帶一台過去"},
    "en": {"store": "Flagship Store", "products": '["kettle", "air purifier"]', "li": "Li",
           "wang": "Wang", "customer": ("Anna", "Zhang"), "second": ("Tom", "Wang"),
           "manager": "Manager Zhao", "group": "Flagship staff", "code": "en",
           "question": "What time do you close on Sunday?",
           "complaint": "My kettle started leaking after two days, I'd like an exchange",
           "followup": "To add: I bought it in the store last Saturday",
           "report": "Replaced the kettle at the customer's home; no more leaking",
           "second_complaint": "The technician came two hours late and was rude",
           "comment": "Very professional, quick exchange, thank you!",
           "blocked": "We can't exchange it just like that, this is the store's rule.",
           "relay": "Hello, I can bring a new kettle to your home at 2 pm and swap it. "
                    "Does that work for you?",
           "photo": "This is where it leaks, at the bottom", "yes": "Yes, see you at two",
           "photo_back": "The new kettle is ready, it's this model",
           "note": "// Two of the same model left in the stockroom, I'm taking one"},
}


# The narrator's words between the chats: the story's, not the bot's (those come from the
# catalogs), in the story's language.
NARRATION = {
    "zh_CN": {
        "intro": (
            "这是 Sundown 的演示:真实的机器人在离线模拟的 Telegram 上运行,时间是模拟的。"
            "故事里:张女士先问周日几点关门,机器人按门店配置的营业时间当场回答;接着她投诉电热水壶漏水,"
            "机器人复述、她确认后成为投诉单,李工接单、联系、上门更换并填写服务报告;王先生投诉师傅迟到,"
            "无人联系时机器人提醒、上报经理,经理承诺最迟答复时间;第二天张女士收到满意度回访,经理收到"
            "反馈表和每日简报;元旦那天常客收到节日问候。下面按每个人在自己聊天里看到的样子逐条列出;"
            "机器人的消息按聊天编号为 [m12](投诉单号是 #1),✎ 表示修改了之前的消息。"),
        "press": "👆 {who} 按下 [{label}]",
        "edited": "已修改",
        "topic": "话题",
        "closed": "已关闭",
        "reopened": "已重新打开",
        "same_day": "—— {time} ——",
        "next_day": "—— 第二天,{date} {time} ——",
        "other_day": "—— {date} {time} ——",
    },
    "zh_TW": {
        "intro": (
            "這是 Sundown 的示範:真實的機器人在離線模擬的 Telegram 上執行,時間是模擬的。"
            "故事裡:張女士先問週日幾點打烊,機器人依門市設定的營業時間當場回答;接著她反映電熱水壺漏水,"
            "機器人複述、她確認後成為客訴單,李工接單、聯絡、到府更換並填寫服務報告;王先生反映師傅遲到,"
            "無人聯絡時機器人提醒、上報經理,經理承諾最遲答覆時間;隔天張女士收到滿意度回訪,經理收到"
            "回饋表和每日摘要;元旦當天常客收到節日問候。以下按每個人在自己聊天室裡看到的樣子逐則列出;"
            "機器人的訊息按聊天室編號為 [m12](客訴單號是 #1),✎ 表示修改了先前的訊息。"),
        "press": "👆 {who} 按下 [{label}]",
        "edited": "已修改",
        "topic": "話題",
        "closed": "已關閉",
        "reopened": "已重新開啟",
        "same_day": "—— {time} ——",
        "next_day": "—— 隔天,{date} {time} ——",
        "other_day": "—— {date} {time} ——",
    },
    "en": {
        "intro": (
            "This is Sundown's demo: the real bot on an offline, simulated Telegram, in simulated "
            "time. Anna first asks when the store closes on Sunday and is answered at once from "
            "the store's configured hours. Then she complains about a leaking kettle: the bot "
            "restates it, she confirms, it becomes ticket #1; Li takes it, calls her, swaps the "
            "kettle and files a service report. Tom complains about a late technician; nobody "
            "calls him, so the bot reminds, then alerts the manager, who promises a reply time. "
            "The next day Anna gets the satisfaction callback and the manager the feedback "
            "record and the daily digest; on New Year's Day the regulars get a greeting. Every "
            "chat is shown as its person reads it; the bot's messages are numbered per chat as "
            "[m12] (tickets are #1), and ✎ marks an edit of an earlier message."),
        "press": "👆 {who} presses [{label}]",
        "edited": "edited",
        "topic": "topic",
        "closed": "closed",
        "reopened": "reopened",
        "same_day": "— {time} —",
        "next_day": "— the next day, {date}, {time} —",
        "other_day": "— {date}, {time} —",
    },
}


def demo_settings(data_dir: Path, language: str = "zh_CN", topics: bool = False) -> Settings:
    """The demo chain's one store, in ``language``, keeping its data in ``data_dir``;
    ``topics``: its staff group in topics mode (the story's; benchmarks use cards)."""
    cast = CAST[language]
    return parse_settings(DEMO_TOML.format(
        data_dir=data_dir.as_posix(), lang=language, store=cast["store"],
        products=cast["products"], li=cast["li"], wang=cast["wang"],
        topics="true" if topics else "false"))


async def sweep(application) -> None:
    """Run the schedules' sweeps once, as the job queue does every half minute, and let the
    outbox deliver what they said."""
    for name in (deadlines.JOB_NAME, callbacks.JOB_NAME, digest.JOB_NAME, greetings.JOB_NAME,
                 topic_overview.JOB_NAME):
        for job in application.job_queue.get_jobs_by_name(name):
            await job.run(application)
    await outbox_of(application).settle()


class Transcript:
    """Prints every message as the chat it lands in shows it; an edit shows what changed. The
    narrator's lines say who pressed what and when time jumps."""

    def __init__(self, names: dict[int, str], out=print, files: Path | None = None,
                 language: str = "zh_CN", tz: ZoneInfo = SHANGHAI):
        self.names = names
        self.out = out
        self.files = files or Path(tempfile.gettempdir())
        self.current_chat: tuple[int, int | None] | None = None
        self.topics: dict[tuple[int, int], str] = {}  # (chat, thread) -> the topic's name
        self.seen: dict[tuple[int, int], list[str]] = {}
        self.language = language
        self.words = NARRATION[language]
        self.tz = tz
        self.day: date | None = None

    def _chat(self, chat_id: int, thread_id: int | None = None) -> None:
        """A header when the story moves to another chat, or another topic of a group."""
        if (chat_id, thread_id) != self.current_chat:
            self.current_chat = (chat_id, thread_id)
            self.out("")
            topic = self.topics.get((chat_id, thread_id or 0))
            where = f" › {topic}" if topic else ""
            self.out(f"══ {self.names.get(chat_id, chat_id)}{where} ══")

    def intro(self) -> None:
        """What the story shows, before it starts (Chinese: a sentence a line)."""
        if self.language == "en":
            self.out(textwrap.fill(self.words["intro"], 100))
        else:
            for sentence in re.split(r"(?<=[。;])", self.words["intro"]):
                self.out(sentence)

    def pressed(self, user: FakeUser, message: Shown, data: str) -> None:
        """A button press, as the person's action, in the chat where the button is."""
        label = next((b["text"] for row in message.buttons for b in row
                      if b["callback_data"] == data), data)
        self._chat(message.chat_id, message.thread_id)
        self.out(self.words["press"].format(who=self.names.get(user.id, user.id), label=label))

    def time(self, moment: datetime) -> None:
        """Announce the simulated time after a jump: the time of day, and the day when it
        changed."""
        local = moment.astimezone(self.tz)
        clock = local.strftime("%H:%M")
        if self.day is None or local.date() == self.day:
            line = self.words["same_day"].format(time=clock)
        else:
            skeleton = "MMMEd" if local.year == self.day.year else "yMMMEd"
            day = format_skeleton(skeleton, local, locale=self.language)
            key = "next_day" if local.date() == self.day + timedelta(days=1) else "other_day"
            line = self.words[key].format(date=day, time=clock)
        self.day = local.date()
        self.current_chat = None
        self.out("")
        self.out(line)

    def __call__(self, event: str, shown: Shown) -> None:
        if shown.kind == "topic":  # a forum topic made, renamed, closed or reopened
            self._topic(event, shown)
            return
        self._chat(shown.chat_id, shown.thread_id)
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
            self.out(f"🤖 ✎ [m{shown.message_id}, {self.words['edited']}] {changed[0]}")
            self._rest(changed[1:])
        else:
            who = "🤖" if shown.from_bot else self.names.get(shown.sender_id, shown.sender_id)
            self.out(f"{who} [m{shown.message_id}] {lines[0]}" if shown.from_bot
                     else f"{who}: {lines[0]}")
            self._rest(lines[1:])
        self.seen[key] = lines
        buttons = [f"[{label}]" for label in shown.labels]
        buttons += [f"[{b['text']}]" for row in shown.reply_keyboard for b in row]
        if buttons and shown.from_bot:
            self.out("    " + " ".join(buttons))

    def _topic(self, event: str, shown: Shown) -> None:
        key = (shown.chat_id, shown.thread_id or 0)
        if event == "topic_created":
            self.topics[key] = shown.text
            self._chat(shown.chat_id, shown.thread_id)
            self.out(f"🤖 🗂 [{self.words['topic']}] {shown.text}")
            return
        self._chat(shown.chat_id, shown.thread_id)
        self.topics[key] = shown.text
        note = {"topic_renamed": self.words["edited"], "topic_closed": self.words["closed"],
                "topic_reopened": self.words["reopened"]}.get(event, event)
        self.out(f"🤖 🗂 ✎ [{self.words['topic']}, {note}] {shown.text}")

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
        settings = demo_settings(folder, language, topics=True)  # a forum staff group
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
        telegram.forum(group)  # Topics on, the bot an administrator who may manage them
        names = {customer.id: person_name(customer.first_name, customer.last_name),
                 second.id: person_name(second.first_name, second.last_name),
                 li.id: li.first_name, wang.id: wang.first_name,
                 manager.id: manager.first_name, group.id: group.title}
        # The files the fake users receive (charts) go beside the data folder, not into it.
        shown_files = Path(data_dir).parent if data_dir else None
        transcript = Transcript(names, out, shown_files, language, settings.stores[0].timezone)
        telegram.listeners.append(transcript)

        async def press(user: FakeUser, message: Shown, data: str) -> None:
            transcript.pressed(user, message, data)
            await client.press(user, message, data)

        async def click(user: FakeUser, message: Shown, label: str) -> None:
            await press(user, message, message.data_for(label))

        def wait(**delta: float) -> None:
            clock.advance(**delta)
            transcript.time(clock())

        async def at(moment: datetime) -> None:
            clock.set(moment)
            transcript.time(clock())
            await sweep(application)

        transcript.intro()
        transcript.time(clock())
        await client.send(manager, "/start")
        await client.send(customer, "/start s_flagship")
        # A question the store's hours answer: answered at once, nothing is filed.
        wait(minutes=1)
        await client.send(customer, cast["question"])
        wait(minutes=1)
        await client.send(customer, cast["complaint"])
        await click(customer, client.last(customer), "✅")
        await client.share_contact(customer, "+8613800138000")
        card = client.card(group, 1)
        wait(minutes=12)
        await click(li, card, "✅")
        await click(li, card, "⭐")  # Li knows her: a regular of the store
        wait(minutes=3)
        await client.send(customer, cast["followup"])
        # Li answers through the bot: a forbidden phrase is stopped with a better wording;
        # then the customer and Li talk on the ticket, photos both ways.
        wait(minutes=5)
        # In topics mode they write in the ticket's topic, no reply needed; "//" stays among
        # staff.
        topic = card.thread_id
        await client.send(li, cast["note"], group=group, thread=topic)
        await client.send(li, cast["blocked"], group=group, thread=topic)
        await client.send(li, cast["relay"], group=group, thread=topic)
        wait(minutes=2)
        await client.send_photo(customer, caption=cast["photo"])
        await client.send(customer, cast["yes"])
        await client.send_photo(li, caption=cast["photo_back"], group=group, thread=topic)
        wait(minutes=30)
        await click(li, card, "📞")
        wait(hours=4)  # he said he would come at 2 pm: the service is done after that
        await click(li, card, "🧰")
        await press(li, card, card.buttons[0][0]["callback_data"])  # solved
        await client.send(li, f"/report {cast['report']}", group=group, thread=topic)

        wait(minutes=30)
        await client.send(second, "/start s_flagship")
        await client.send(second, cast["second_complaint"])
        question = client.last(second)
        await press(second, question, question.buttons[1][1]["callback_data"])
        await click(second, client.last(second), "✅")
        second_card = client.card(group, 2)
        wait(minutes=5)
        await click(li, second_card, "✅")
        await click(li, second_card, "⭐")

        # Nobody calls the second customer: the sunset rule's reminder, then the breach.
        await at(datetime(2026, 11, 23, 7, 52, tzinfo=UTC))  # 15:52, an hour before sunset
        await at(datetime(2026, 11, 23, 8, 52, tzinfo=UTC))  # 16:52, sunset
        wait(minutes=8)
        await click(li, second_card, "🆘")
        alert = client.last(manager)
        wait(minutes=10)
        await press(manager, alert, alert.buttons[0][0]["callback_data"])

        # Next opening day, 10:00: the satisfaction callback for the first ticket.
        await at(datetime(2026, 11, 24, 2, 0, tzinfo=UTC))
        survey = client.last(customer)
        for data in ("s:o:1:5", "s:s:1:fully", "s:d:1:reliability:5",
                     "s:d:1:responsiveness:4", "s:d:1:assurance:5", "s:d:1:empathy:5",
                     "s:d:1:tangibles:4"):
            clock.advance(seconds=20)
            await press(customer, survey, data)
        await client.send(customer, cast["comment"])

        # 20:00: the manager's daily digest, with its chart.
        await at(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))

        # New Year's Day, 09:00: holiday greetings for the store's regulars.
        await at(datetime(2027, 1, 1, 1, 0, tzinfo=UTC))
        await asyncio.gather(*application.bot_data.get(TASKS_KEY, {}).values())
        await outbox_of(application).settle()
        await outbox_of(application).stop()
        await application.shutdown()
        if client.errors:
            raise RuntimeError(f"the demo hit errors: {client.errors!r}")
