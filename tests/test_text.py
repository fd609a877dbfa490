"""What a customer typed, as a reader sees it: invisible text is no complaint, and a name cannot
reorder the staff card's line."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk.text import (
    clean_name,
    is_visible,
    isolate,
    isolate_rtl,
    one_line,
    person_name,
    visible,
)

FAMILY = "👨\u200d👩\u200d👧"  # one emoji joined by zero-width joiners
RAINBOW_FLAG = "🏳\ufe0f\u200d🌈"
TRANS_FLAG = "🏳\ufe0f\u200d⚧\ufe0f"  # ends in a variation selector
ENGLAND = "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"  # ends in tag letters
KEYCAP_ONE = "1\ufe0f\u20e3"
RED_HEART = "❤\ufe0f"


@pytest.mark.parametrize(("typed", "seen"), [
    # Nothing anyone could read.
    ("", ""),
    ("   \n\t ", ""),
    ("\u200b", ""),
    ("\u200b\u200c\u200d\u2060\ufeff", ""),
    (" \u200b \u3000\u200d\n\ufeff ", ""),
    ("\u00ad\u034f\u180e\u2061\u2062\u2063\u2064", ""),  # soft hyphen, joiners, invisible maths
    ("\u3164\u115f\u1160\uffa0", ""),  # Hangul fillers: blank names and messages
    ("\u2800\u2800", ""),  # Braille blank: drawn as nothing
    ("\ufe0f\ufe0e\U000e0100", ""),  # variation selectors with nothing to vary
    ("\U000e0067\U000e007f", ""),  # tag characters without a flag
    ("\u202e\u202d\u2066\u2069\u200e\u200f\u061c", ""),  # direction controls only
    ("\x00\x07\x1b\x7f\x85\x9f", ""),  # control characters
    ("\u0301\u0308", ""),  # accents with no letter to sit on
    # Words, trimmed of what surrounds them unseen.
    ("水壶漏水", "水壶漏水"),
    ("\u200b\u200b 水壶漏水 \ufeff\u200b", "水壶漏水"),
    ("\u3000水壶漏水\u3000", "水壶漏水"),
    ("\u202e水壶漏水", "水壶漏水"),
    ("第一行\n第二行\n\u200b", "第一行\n第二行"),
    ("a\u200bb", "a\u200bb"),  # inside the text, nothing is touched
    ("e\u0301", "e\u0301"),  # é written as e and a combining accent
    # Emoji keep their joiners, variation selectors, keycaps and tags.
    (FAMILY, FAMILY),
    (f"\u200b{FAMILY}\u200b ", FAMILY),
    (RAINBOW_FLAG, RAINBOW_FLAG),
    (f" {TRANS_FLAG}\u200b", TRANS_FLAG),
    (f"{ENGLAND}\u200b", ENGLAND),
    (KEYCAP_ONE, KEYCAP_ONE),
    (f"谢谢{RED_HEART}\u200d", f"谢谢{RED_HEART}"),  # a dangling joiner joins nothing
    ("👍🏽", "👍🏽"),
])
def test_visible(typed: str, seen: str) -> None:
    assert visible(typed) == seen
    assert is_visible(typed) == bool(seen)


@pytest.mark.parametrize(("name", "cleaned"), [
    ("张女士", "张女士"),
    ("Tom <3", "Tom <3"),
    ("Anna  Zhang", "Anna Zhang"),
    (" Anna\tZhang\n", "Anna Zhang"),
    ("Anna\u2028Zhang\u2029", "Anna Zhang"),  # a line break would forge a line of the card
    ("Anna\u3000\u00a0Zhang", "Anna Zhang"),
    # A right-to-left override reverses whatever follows it on the line: the phone number.
    ("\u202eAnna", "Anna"),
    ("Anna\u202e", "Anna"),
    ("\u202a\u202b\u202c\u202d\u202eAnna", "Anna"),
    ("\u2066\u2067\u2068Anna\u2069", "Anna"),
    ("\u200eAnna\u200f", "Anna"),
    ("\u061cمحمد", "محمد"),  # Arabic keeps its own direction without any control
    ("שרה\u202c", "שרה"),
    ("An\u202ena", "Anna"),
    ("An\x00na\x1b[31m", "Anna[31m"),
    ("Anna \x00 Zhang", "Anna Zhang"),
    ("Anna \u202e Zhang", "Anna Zhang"),
    ("Anna\x85Zhang", "Anna Zhang"),  # NEL is a C1 line break
    ("\x9bAnna\x80", "Anna"),
    # What is not a direction or control character stays.
    (FAMILY, FAMILY),
    (f"Li {RAINBOW_FLAG}", f"Li {RAINBOW_FLAG}"),
    ("ZWNJ\u200cname", "ZWNJ\u200cname"),
    # Nothing visible: the caller shows its own fallback.
    ("\u202e", ""),
    ("\u3164", ""),
    ("\u200b \u202e\u200d", ""),
])
def test_clean_name(name: str, cleaned: str) -> None:
    assert clean_name(name) == cleaned


def test_isolate_keeps_a_right_to_left_name_off_the_phone_number() -> None:
    line = f"客户:{isolate(clean_name('محمد'))} 13800000000"
    assert line == "客户:\u2068محمد\u2069 13800000000"


BIDI_AND_CONTROLS = {*"\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"}
UNSEEN = [*"\u200b\u200c\u200d\u2060\ufeff\u00ad\u3164\u2800\ufe0f\U000e0067 \u3000\n\t\x00\x85",
          *BIDI_AND_CONTROLS]
ACCENTS = [*"\u0301\u20e3\u0903"]
SEEN = [*"水a1<&.€😀👧🏽🇨\ue000", "\U0001fae8"]  # private use, and an emoji newer than Python's tables
pieces = st.lists(st.sampled_from(UNSEEN + ACCENTS + SEEN)).map("".join)


@given(pieces)
def test_text_is_visible_when_something_in_it_can_be_seen(text: str) -> None:
    assert is_visible(text) == any(ch in SEEN for ch in text)
    assert bool(visible(text)) == is_visible(text)
    assert bool(clean_name(text)) == is_visible(text)


@given(st.one_of(pieces, st.text()))
def test_visible_only_trims(text: str) -> None:
    seen = visible(text)
    assert seen in text
    assert visible(seen) == seen
    assert bool(seen) == is_visible(text)


@given(st.one_of(pieces, st.text()))
def test_a_cleaned_name_is_one_line_of_plain_text(name: str) -> None:
    cleaned = clean_name(name)
    assert bool(cleaned) == is_visible(name)  # never "" for a name with something to see
    assert not BIDI_AND_CONTROLS & set(cleaned)
    assert not any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in cleaned)
    assert "  " not in cleaned and cleaned == visible(cleaned)
    assert clean_name(cleaned) == cleaned


@pytest.mark.parametrize(("first", "last", "name"), [
    ("张", "女士", "张女士"),
    ("王", "先生", "王先生"),
    ("Tom", "Wang", "Tom Wang"),
    ("Anna", None, "Anna"),
    ("李", "Lee", "李 Lee"),
    ("\u202e张", "女士\u200b", "张女士"),
])
def test_names_are_joined_as_people_write_them(first: str, last: str | None, name: str) -> None:
    assert person_name(first, last) == name


@pytest.mark.parametrize(("typed", "line"), [
    ("已更换密封圈", "已更换密封圈"),
    ("  已更换\n密封圈\t ", "已更换 密封圈"),
    ("\u200b\u2060 \ufeff", ""),
    ("\u200b已更换\u200d", "已更换"),
    ("👨\u200d👩\u200d👧 ok", "👨\u200d👩\u200d👧 ok"),
    ("", ""),
    (None, ""),
])
def test_one_line(typed: str | None, line: str) -> None:
    assert one_line(typed) == line


@pytest.mark.parametrize(("name", "shown"), [
    ("张女士", "张女士"), ("Tom <3", "Tom <3"), ("", ""),
    ("محمد", "\u2068محمد\u2069"), ("Dana דנה", "\u2068Dana דנה\u2069"),
])
def test_only_a_name_with_right_to_left_letters_is_isolated(name: str, shown: str) -> None:
    assert isolate_rtl(name) == shown
