"""What people typed, as a reader sees it: pure functions, no Telegram.

A message of zero-width characters looks empty to everyone yet is not "" to Python, so it would
become a ticket nobody can read. A right-to-left override in a Telegram name reverses the rest
of the line it is shown on, including the customer's phone number on the staff card.
"""

from __future__ import annotations

import re
import unicodedata

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt, Unicode 14, as Python 3.11):
# code points a renderer draws as nothing. Python's unicodedata does not expose the property.
_DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)
# Drawn as an empty cell though not ignorable: popular for "blank" names and messages.
_BLANK = frozenset("\u2800")
# What may follow the last letter or emoji of a text and still belong to it: variation
# selectors (❤️), tag characters (the flag of England), combining marks (1️⃣, é).
_EXTENDING = ((0x180B, 0x180D), (0x180F, 0x180F), (0xFE00, 0xFE0F), (0xE0020, 0xE007F),
              (0xE0100, 0xE01EF))

# Direction controls: embeddings, overrides, isolates, marks. A name never needs them (a
# right-to-left script takes its direction from its letters) and they can reorder the rest of
# the line the name is shown on.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# C0 and C1 controls; those that are whitespace (tab, line feed, NEL...) separate words.
_CONTROLS = re.compile(r"(?!\s)[\x00-\x1f\x7f-\x9f]")
_WHITESPACE = re.compile(r"\s+")  # str patterns: every Unicode space and line break

FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"


def _in(ranges: tuple[tuple[int, int], ...], ch: str) -> bool:
    code = ord(ch)
    return any(low <= code <= high for low, high in ranges)


def _unseen(ch: str) -> bool:
    """Drawn as nothing, or as empty space."""
    return (ch.isspace() or ch in _BLANK or unicodedata.category(ch) == "Cc"
            or _in(_DEFAULT_IGNORABLE, ch))


def _seen(ch: str) -> bool:
    """Something to see on its own. A combining mark needs a letter to sit on. Unassigned code
    points count as seen: Python's tables lag behind Unicode, and a newer emoji is one."""
    return not _unseen(ch) and not unicodedata.category(ch).startswith("M")


def _extends(ch: str) -> bool:
    return unicodedata.category(ch).startswith("M") or _in(_EXTENDING, ch)


def is_visible(text: str) -> bool:
    """Whether a reader sees anything at all in ``text``."""
    return any(_seen(ch) for ch in text)


def visible(text: str) -> str:
    """``text`` without the invisible characters and whitespace around it; "" when nothing in
    it can be seen. Inside the text nothing changes, so emoji keep their joiners (👨‍👩‍👧)."""
    seen = [i for i, ch in enumerate(text) if _seen(ch)]
    if not seen:
        return ""
    start = seen[0]
    while start > 0 and not _unseen(text[start - 1]):
        start -= 1  # a leading combining mark stays with the text it precedes
    end = seen[-1] + 1
    while end < len(text) and _extends(text[end]):
        end += 1  # ❤ + variation selector, 🏴 + tag letters: one symbol
    return text[start:end]


def clean_name(name: str) -> str:
    """A Telegram name fit to show on one line next to other facts: no direction controls, no
    control characters, each run of whitespace (line breaks included) one space, nothing
    invisible around it. "" only when the name has nothing to see; the caller then shows its
    own fallback."""
    name = _CONTROLS.sub("", _BIDI_CONTROLS.sub("", name))
    return visible(_WHITESPACE.sub(" ", name))


# What the bot's cards and notices set their fields apart with: the separator between fields,
# the emoji before a phone number, a state, a note... A name shown among them must not carry
# them, or a Telegram last name "先生 · 📞 13900000000" reads as a phone number on the card.
FIELD_MARKS = frozenset(
    "·•・‧∙⋅･|｜:：" "☎☏⏰⏹⚠⛔✅✉✏✓❓⭐" "🆕🆘🏬👤💎💬📊📋📎📝📞📱📲📵📷🔁🔄🔔🔧🙋🙏🧰")
_PRESENTATION = frozenset("\ufe0e\ufe0f")  # text or emoji style of the mark before it


def field_name(name: str) -> str:
    """A name to show as one field among others: ``clean_name``'s one line, with the marks the
    bot sets fields apart with (``FIELD_MARKS``) turned into spaces; "" when nothing is left."""
    kept: list[str] = []
    after_mark = False
    for ch in clean_name(name):
        if ch in FIELD_MARKS or (after_mark and ch in _PRESENTATION):
            kept.append(" ")
            after_mark = True
            continue
        after_mark = False
        kept.append(ch)
    return clean_name("".join(kept))


def one_line(text: str | None) -> str:
    """A line staff type (a service report, a note): each run of whitespace one space, nothing
    invisible around it; "" when nothing in it can be seen."""
    return visible(_WHITESPACE.sub(" ", text or ""))


def isolate(text: str) -> str:
    """``text`` as a unit of its own direction, so a right-to-left name shown in a line cannot
    move the numbers after it (Unicode's first-strong isolate)."""
    return f"{FIRST_STRONG_ISOLATE}{text}{POP_DIRECTIONAL_ISOLATE}"


def isolate_rtl(text: str) -> str:
    """``text`` isolated when it has right-to-left letters (Hebrew, Arabic...), else as it is:
    only those can pull the numbers after them into their run."""
    if any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text):
        return isolate(text)
    return text


def _cjk(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith(("CJK UNIFIED", "CJK COMPATIBILITY IDEOGRAPH"))


def person_name(first: str, last: str | None = None) -> str:
    """A Telegram user's name as people write it: "张女士" and "王先生" (Chinese joins its
    parts without a space), "Tom Wang". Cleaned as ``clean_name``; "" when nothing is left."""
    first, last = clean_name(first or ""), clean_name(last or "")
    if not first or not last:
        return first or last
    joiner = "" if _cjk(first[-1]) and _cjk(last[0]) else " "
    return f"{first}{joiner}{last}"
