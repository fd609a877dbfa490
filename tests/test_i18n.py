"""Every text is translated: the template matches the code, no catalog has gaps or fuzz."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from desk.i18n import LANGUAGES, LOCALES_DIR, negotiate, translator

ROOT = LOCALES_DIR.parent
PLACEHOLDER = re.compile(r"\{\w*\}")
HTML_TAG = re.compile(r"</?\w+[^>]*>")


def code_messages() -> set[str]:
    found = set()
    for folder in ("desk", "handlers", "schedules", "outbox", "sandbox", "bench"):
        if not (ROOT / folder).exists():
            continue
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, keywords={"gettext": None, "ngettext": (1, 2), "N_": None}
        ):
            found.update([message] if isinstance(message, str) else message)
    return found


def catalog(language: str):
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(BytesIO(f.read()), locale=language)


def test_template_matches_the_code() -> None:
    with (LOCALES_DIR / "messages.pot").open("rb") as f:
        template = {m.id for m in read_po(f) if m.id}
    missing = code_messages() - template
    assert not missing, f"run `make update-catalogs`; not in messages.pot: {sorted(missing)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_is_complete(language: str) -> None:
    messages = [m for m in catalog(language) if m.id]
    ids = {m.id for m in messages}
    assert code_messages() <= ids, f"missing in {language}: {sorted(code_messages() - ids)}"
    for message in messages:
        assert message.string, f"untranslated in {language}: {message.id!r}"
        assert not message.fuzzy, f"fuzzy in {language}: {message.id!r}"
        assert sorted(PLACEHOLDER.findall(message.id)) == sorted(
            PLACEHOLDER.findall(message.string)), f"placeholders differ: {message.id!r}"
        assert HTML_TAG.findall(message.id) == HTML_TAG.findall(message.string), message.id


def test_chinese_uses_the_seed_wording() -> None:
    t = translator("zh_CN")
    assert t.gettext(
        "Whoever is responsible, first of all thank you for using our product and for your "
        "feedback, and we apologise for the inconvenience this has caused you."
    ) == "无论是谁的责任,首先谢谢您使用了我们的产品,并感谢您的意见,也对由此向您造成的不便表示歉意。"
    assert t.gettext("Sales contract complaint") == "购销合同投诉"
    assert translator("zh_TW").gettext("Service complaint") == "服務客訴"


# Mainland terms a reader in Taiwan stumbles on, and what Taiwan says instead.
MAINLAND_TERMS = ["支援", "遮蔽", "配置檔案", "私信", "私聊", "反饋", "點擊", "簡報", "員工群,",
                  "上門", "投訴單", "購銷合同", "給個說法", "門店", "答覆"]


def test_traditional_chinese_is_written_for_taiwan() -> None:
    with (LOCALES_DIR / "zh_TW" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        found = [(term, m.id) for m in read_po(f) if m.id for term in MAINLAND_TERMS
                 if term in "".join(m.string if isinstance(m.string, tuple) else [m.string])]
    assert found == []


@pytest.mark.parametrize(("code", "language"), [
    ("zh-hans", "zh_CN"), ("zh-CN", "zh_CN"), ("zh", "zh_CN"), ("zh-TW", "zh_TW"),
    ("zh-hant", "zh_TW"), ("zh-HK", "zh_TW"), ("en", "en"), ("en-US", "en"),
    ("ru", "zh_CN"), (None, "zh_CN"),
])
def test_telegram_language_codes(code: str | None, language: str) -> None:
    assert negotiate(code) == language


def test_dates_are_formatted_per_language_in_the_store_zone() -> None:
    moment = datetime(2026, 11, 22, 8, 52, tzinfo=UTC)
    shanghai = ZoneInfo("Asia/Shanghai")
    assert translator("zh_CN").datetime(moment, shanghai) == "2026年11月22日 16:52"
    assert translator("zh_TW").short_datetime(moment, shanghai) == "11月22日 16:52"
    assert translator("en").datetime(moment, shanghai) == "Nov 22, 2026, 16:52"
    assert translator("en").time(moment, ZoneInfo("Europe/Berlin")) == "09:52"


@pytest.mark.parametrize("language", ["zh_CN", "zh_TW"])
def test_customers_and_staff_are_addressed_as_nin(language: str) -> None:
    """您 throughout: 你 reads as curt from a store to its customer."""
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        curt = [m.id for m in read_po(f) if m.id and "你" in (m.string or "")]
    assert curt == []


SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # a Monday morning


@pytest.mark.parametrize(("language", "moment", "promise", "when", "dated"), [
    ("zh_CN", datetime(2026, 11, 23, 16, 45), "今天 16:45 前", "今天 16:45",
     "今天 11月23日 16:45"),
    ("zh_CN", datetime(2026, 11, 24, 9, 30), "明天 09:30 前", "明天 09:30",
     "明天 11月24日 09:30"),
    ("zh_CN", datetime(2026, 11, 26, 17, 30), "11月26日 17:30 前", "11月26日 17:30",
     "11月26日 17:30"),
    ("zh_CN", datetime(2027, 1, 4, 17, 30), "1月4日 17:30 前", "2027年1月4日 17:30",
     "2027年1月4日 17:30"),
    ("zh_TW", datetime(2026, 11, 23, 16, 45), "今天 16:45 前", "今天 16:45",
     "今天 11月23日 16:45"),
    ("zh_TW", datetime(2026, 11, 24, 9, 30), "明天 09:30 前", "明天 09:30",
     "明天 11月24日 09:30"),
    ("en", datetime(2026, 11, 23, 16, 45), "today before 16:45", "today 16:45",
     "today Nov 23, 16:45"),
    ("en", datetime(2026, 11, 24, 9, 30), "tomorrow before 09:30", "tomorrow 09:30",
     "tomorrow Nov 24, 09:30"),
    ("en", datetime(2026, 11, 26, 17, 30), "before Nov 26, 17:30", "Nov 26, 17:30",
     "Nov 26, 17:30"),
])
def test_promised_times_read_today_and_tomorrow(language: str, moment: datetime, promise: str,
                                                when: str, dated: str) -> None:
    """Times as people write them (issue 19, item 8): 今天/明天 for today and tomorrow, the date
    otherwise; to the customer ("… 前"), to staff and managers, and on the card (dated)."""
    t = translator(language)
    moment = moment.replace(tzinfo=SHANGHAI)
    assert t.promise(moment, SHANGHAI, NOW) == promise
    assert t.when(moment, SHANGHAI, NOW) == when
    assert t.when(moment, SHANGHAI, NOW, dated=True) == dated
