"""Translations and locale formatting.

Catalogs are read from the ``.po`` files at start-up and compiled in memory, so the shipped
source of truth is the ``.po`` file itself: nothing to build, nothing to go stale. Fuzzy entries
are never used (a test also forbids them).

Texts are written in English in the code and marked with ``_()`` (looked up at once through a
translator) or ``N_()`` (marked for extraction only, looked up later in the reader's language).
"""

from __future__ import annotations

import gettext
import io
from datetime import date, datetime
from datetime import datetime as DateTime  # the class, where a method is named datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES = ("zh_CN", "zh_TW", "en")
# What each language calls itself, for the /language buttons.
LANGUAGE_NAMES = {"zh_CN": "简体中文", "zh_TW": "繁體中文", "en": "English"}


def N_(message: str) -> str:
    """Mark a text for extraction; translate it later in the reader's language."""
    return message


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of ``language``. English has one too: the source texts are the
    developers' wording, the English catalog is what a native reader gets."""
    if language not in LANGUAGES:
        return gettext.NullTranslations()
    po_path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as po:
        catalog = read_po(po, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Translator:
    """Texts and formatting for one language."""

    def __init__(self, language: str):
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self._catalog = translations(self.language)
        self.locale = Locale.parse(self.language)

    def gettext(self, message: str) -> str:
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalog.ngettext(singular, plural, n)

    def time(self, moment: datetime, tz: ZoneInfo) -> str:
        """A time of day such as 16:52."""
        return format_skeleton("Hm", moment.astimezone(tz), locale=self.locale)

    def datetime(self, moment: datetime, tz: ZoneInfo) -> str:
        """A date and time such as 2026年11月22日 16:52 or Nov 22, 2026, 16:52."""
        return self._join("yMMMd", moment.astimezone(tz))

    def short_datetime(self, moment: DateTime, tz: ZoneInfo) -> str:
        """A month, day and time such as 11月22日 16:52 or Nov 22, 16:52."""
        return self._join("MMMd", moment.astimezone(tz))

    def _join(self, date_skeleton: str, local: DateTime) -> str:
        # CLDR has no combined date+24h-time skeletons; its own glue pattern joins the two.
        day = format_skeleton(date_skeleton, local, locale=self.locale)
        clock = format_skeleton("Hm", local, locale=self.locale)
        glue: str = self.locale.datetime_formats["medium"]
        return glue.format(clock, day)

    def promise(self, moment: DateTime, tz: ZoneInfo, now: DateTime) -> str:
        """A promised time as people say it: today before 16:52, tomorrow before 10:30."""
        local, today = moment.astimezone(tz), now.astimezone(tz).date()
        if local.date() == today:
            return self.gettext("today before {time}").format(time=self.time(moment, tz))
        if (local.date() - today).days == 1:
            return self.gettext("tomorrow before {time}").format(time=self.time(moment, tz))
        return self.gettext("before {time}").format(time=self.short_datetime(moment, tz))

    def when(self, moment: DateTime, tz: ZoneInfo, now: DateTime, dated: bool = False) -> str:
        """A promised time for staff and managers: 今天 16:45, 明天 09:30, else the date and time.
        ``dated`` keeps the date after 今天/明天 too, for text that stays on screen past
        midnight (the card, edited in place)."""
        local, today = moment.astimezone(tz), now.astimezone(tz).date()
        offset = (local.date() - today).days
        if offset in (0, 1):
            clock = self.short_datetime(moment, tz) if dated else self.time(moment, tz)
            word = (self.gettext("today {time}") if offset == 0
                    else self.gettext("tomorrow {time}"))
            return word.format(time=clock)
        if local.year == today.year:
            return self.short_datetime(moment, tz)
        return self.datetime(moment, tz)

    def date(self, day: date) -> str:
        return format_date(day, "long", locale=self.locale)


@cache
def translator(language: str) -> Translator:
    return Translator(language)


def negotiate(language_code: str | None, fallback: str = DEFAULT_LANGUAGE) -> str:
    """Map Telegram's language_code (``zh-hans``, ``zh-TW``, ``en-US``) to a shipped language."""
    if not language_code:
        return fallback
    code = language_code.lower().replace("_", "-")
    if code.startswith("en"):
        return "en"
    if code.startswith("zh"):
        traditional = ("zh-tw", "zh-hk", "zh-mo", "zh-hant")
        return "zh_TW" if code.startswith(traditional) else "zh_CN"
    return fallback
