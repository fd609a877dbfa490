"""Questions a store can answer at once from its own facts (SOP: a question is answered, not filed).

``answer(text, store, now, t)`` returns the reply to a customer's question when every topic it
asks about is one the store has a fact for, else None (the caller then follows seed 003's path
for an unclear question: 对不起,这个问题我目前还不能确定 …). The opening hours are computed from
the store's configured ``hours``, its holidays and closed dates, never written as a fact: "周日几点
关门" is answered with the coming Sunday's hours. The caller decides first that the text is a
question (desk.restatement's reading): a complaint that names a topic is not answered here.

Topics are found by keywords in every shipped language, applied to every text, as the reading
does: a customer whose Telegram is in English may well write in Chinese.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape

from babel.dates import format_skeleton, get_day_names

from desk.calendar import closing_on, opening_on
from desk.config import FACT_KEYS, StoreConfig
from desk.i18n import LANGUAGES, N_, Translator

HOURS = "hours"
TOPICS = (HOURS, *FACT_KEYS)

_TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    HOURS: (
        r"[几幾]点(?:钟|鐘)?(?:开|開|关|關|营业|營業|下班|上班|打烊|歇业|歇業)", "营业时间",
        "營業時間", "营业到", "營業到", r"开到[几幾]点", r"開到[几幾]點", "开门", "開門", "关门",
        "關門", "打烊", "休息吗", "休息嗎", "开吗", "開嗎", r"营业吗|營業嗎", "开不开", "開不開",
        r"\bopen(?:ing)?\b", r"\bclos(?:e|es|ed|ing)\b", r"\bhours\b",
    ),
    "address": (
        "地址", r"(?:你们|你們|店|门市|門市|商场|商場)\S{0,2}在哪", "怎么走", "怎麼走", "怎么去",
        "怎麼去", "位置在", "地点", "地點", r"\baddress\b", r"\bwhere (?:are|is) (?:you|the|your)",
        r"\blocated\b", r"\bdirections?\b",
    ),
    "phone": (
        "电话", "電話", "联系方式", "聯絡方式", "聯繫方式", "热线", "熱線", r"\bphone\b",
        r"\bnumber to call\b", r"\btelephone\b",
    ),
    "warranty": ("保修", "保固", "质保", "質保", "三包", r"\bwarrant(?:y|ies)\b",
                 r"\bguarantee\b"),
    "invoice": ("发票", "發票", "开票", "開票", "收据", "收據", r"\binvoices?\b",
                r"\breceipts?\b", r"\bfapiao\b"),
    "membership": ("会员", "會員", "积分", "積分", r"\bmember(?:ship)?s?\b", r"\bloyalty\b",
                   r"\bpoints\b"),
    "delivery": ("送货", "送貨", "配送", "外送", "快递", "快遞", "运费", "運費", "包邮", "送上门",
                 "送到家", r"\bdeliver(?:y|ies)?\b", r"\bshipping\b"),
    "returns": ("退货", "退貨", "退换", "退換", "换货", "換貨", "无理由", "無理由", "退款",
                r"\breturns?\b", r"\brefunds?\b", r"\bexchanges?\b"),
}
_TOPICS = {topic: re.compile("|".join(words), re.IGNORECASE)
           for topic, words in _TOPIC_WORDS.items()}

_CN_DAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": -1}
_DAY = re.compile(
    r"(?:周|週|星期|礼拜|禮拜)([一二三四五六日天末])|(今天|今日|今晚|明天|明日|后天|後天)"
    r"|\b(mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?s?\b"
    r"|\b(today|tonight|tomorrow|weekends?)\b",
    re.IGNORECASE,
)
_EN_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_RELATIVE = {"今天": 0, "今日": 0, "今晚": 0, "明天": 1, "明日": 1, "后天": 2, "後天": 2,
             "today": 0, "tonight": 0, "tomorrow": 1}

FACT_LABELS = {
    "address": N_("Address"),
    "phone": N_("Phone"),
    "warranty": N_("Warranty"),
    "invoice": N_("Invoices"),
    "membership": N_("Membership"),
    "delivery": N_("Delivery"),
    "returns": N_("Returns and exchanges"),
}


def topics(text: str) -> list[str]:
    """The topics a question asks about, in the order the text names them."""
    found = [(match.start(), topic) for topic, pattern in _TOPICS.items()
             if (match := pattern.search(text))]
    return [topic for _start, topic in sorted(found)]


def asked_days(text: str, today: date) -> list[date]:
    """The days a question about the hours names ("周日", "明天", "this weekend"), from today
    on; none when it names no day."""
    days: list[date] = []
    for match in _DAY.finditer(text):
        cn_day, cn_relative, en_day, en_word = match.groups()
        if cn_relative or (en_word and not en_word.lower().startswith("weekend")):
            days.append(today + timedelta(days=_RELATIVE[(cn_relative or en_word).lower()]))
            continue
        if cn_day is not None:
            weekdays = [5, 6] if _CN_DAYS[cn_day] < 0 else [_CN_DAYS[cn_day]]
        elif en_day is not None:
            weekdays = [_EN_DAYS[en_day.lower()[:3]]]
        else:
            weekdays = [5, 6]
        days.extend(today + timedelta(days=(weekday - today.weekday()) % 7)
                    for weekday in weekdays)
    return sorted(dict.fromkeys(days))


def fact_text(store: StoreConfig, name: str, language: str) -> str | None:
    """The store's fact in ``language``; else in the store's language, else any it has."""
    texts = store.facts.get(name)
    if not texts:
        return None
    for choice in (language, "", store.language, *LANGUAGES):
        if texts.get(choice):
            return texts[choice]
    return None


@dataclass(frozen=True)
class Answer:
    topics: tuple[str, ...]
    text: str


def answer(text: str, store: StoreConfig, now: datetime, t: Translator) -> Answer | None:
    """The reply to a question from the store's facts, or None when any topic it asks about
    has no fact (or it names no topic): then a person answers."""
    asked = topics(text)
    if not asked or any(topic != HOURS and fact_text(store, topic, t.language) is None
                        for topic in asked):
        return None
    _ = t.gettext
    lines = [_("Hello! Here is the answer from {store}:").format(store=escape(store.name)), ""]
    for topic in asked:
        if topic == HOURS:
            lines += hours_lines(store, now, t, asked_days(text, now.astimezone(
                store.timezone).date()))
        else:
            lines.append(_("<b>{label}:</b> {text}").format(
                label=_(FACT_LABELS[topic]),
                text=escape(fact_text(store, topic, t.language) or "")))
    lines += ["", _("If there is anything else you would like to know, just ask me.")]
    return Answer(tuple(asked), "\n".join(lines))


def hours_lines(store: StoreConfig, now: datetime, t: Translator, days: list[date]) -> list[str]:
    """The named days' hours (holidays and closed dates included), else the weekly hours."""
    _ = t.gettext
    if days:
        return [day_hours(store, day, t, now.astimezone(store.timezone).date()) for day in days]
    return [_("<b>Opening hours:</b> {hours}").format(hours=week_hours(store, t))]


def day_hours(store: StoreConfig, day: date, t: Translator, today: date) -> str:
    _ = t.gettext
    weekday = get_day_names("wide", locale=t.locale)[day.weekday()]
    if day == today:
        label = _("Today ({weekday}, {date})")
    elif day == today + timedelta(days=1):
        label = _("Tomorrow ({weekday}, {date})")
    else:
        label = _("{weekday} ({date})")
    label = label.format(weekday=weekday, date=format_skeleton("MMMd", day, locale=t.locale))
    opens, closes = opening_on(store, day), closing_on(store, day)
    if opens is None or closes is None:
        if store.hours[day.weekday()] is None:
            return _("{day}: we are closed.").format(day=label)
        return _("{day}: we are closed (public holiday or rest day).").format(day=label)
    return _("{day}: open from {opens} to {closes}.").format(
        day=label, opens=t.time(opens, store.timezone), closes=t.time(closes, store.timezone))


def week_hours(store: StoreConfig, t: Translator) -> str:
    """The configured week, consecutive days with the same hours together:
    "周一至周五 09:00–21:00;周六 10:00–18:00;周日休息"."""
    _ = t.gettext
    names = get_day_names("abbreviated", locale=t.locale)
    groups: list[tuple[int, int]] = []
    for weekday in range(7):
        if groups and store.hours[groups[-1][0]] == store.hours[weekday]:
            groups[-1] = (groups[-1][0], weekday)
        else:
            groups.append((weekday, weekday))
    parts = []
    for first, last in groups:
        days = names[first] if first == last else _("{first}–{last}").format(
            first=names[first], last=names[last])
        hours = store.hours[first]
        if hours is None:
            parts.append(_("{days} closed").format(days=days))
        else:
            parts.append(_("{days} {opens}–{closes}").format(
                days=days, opens=hours[0].strftime("%H:%M"), closes=hours[1].strftime("%H:%M")))
    return _("; ").join(parts)
