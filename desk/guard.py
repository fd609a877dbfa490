"""The phrase guard: what staff must never say to a customer (SOP section 4, seed 003 禁句).

Every message staff or a manager send a customer through the bot is checked first; a match
stops it, and the writer is shown which phrase matched and a better way to say it.

    hit = check(text, store.guard_phrases)
    if hit is not None:
        ...  # hit.phrase (as configured), t.gettext(hit.suggestion)

Matching ignores what people vary without changing the words: punctuation and spaces
("嗯……这个问题,我不大清楚"), full and half width (NFKC), letter case, and Simplified versus
Traditional characters (OpenCC's tables; 這是本店的規定 is 这是本店的规定). Chinese patterns are
found anywhere in the text, as Chinese has no spaces; Latin ones only as whole words, so
"restore policy" is not "store policy". A pattern ending in ``$`` must end the message (the bare
"我不会", "I can't do that", which would otherwise catch "我不会让您白跑一趟").

Hits are recorded on the ticket's audit trail as ``guard_blocked`` events (actor = the writer),
so the digest counts them per technician (``desk.digest.figures``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from opencc import OpenCC

from desk.i18n import N_


@dataclass(frozen=True)
class Phrase:
    """A forbidden phrase: how it is shown, the forms that match it, and a better wording."""

    label: str
    patterns: tuple[str, ...]
    suggestion: str  # a msgid for the defaults (translated by the caller), free text otherwise


@dataclass(frozen=True)
class Hit:
    phrase: str
    suggestion: str


# Seed 003's eight, each with the forms staff really type, and seed 003's own remedies.
DEFAULT_PHRASES: tuple[Phrase, ...] = (
    Phrase("这种问题连三岁小孩子都懂",
           ("三岁小孩子都懂", "三岁小孩都懂", "三岁小孩都知道", "三岁小孩子都知道", "小孩子都懂"),
           N_("Explain it patiently, step by step, without judging: “Let me walk you through "
              "it.”")),
    Phrase("一分钱,一分货", ("一分钱一分货", "便宜没好货"),
           N_("Explain what the product offers and what we can do for the customer now.")),
    Phrase("不可能,绝不可能发生这种事",
           ("绝不可能", "绝对不可能", "不可能发生这种", "不可能有这种事", "不可能出现这种"),
           N_("Take it seriously: “Thank you for telling us; we will check it right away.”")),
    Phrase("这种问题不关我的事,请去问生产厂家,我只负责卖货",
           ("不关我的事", "不关我事", "跟我没关系", "去问生产厂家", "去问厂家", "去找厂家",
            "找厂家去", "我只负责卖", "只管卖货"),
           N_("Own it: “I will contact the manufacturer for you and get back to you by …”")),
    Phrase("嗯……这个问题我不大清楚", ("我不大清楚", "我不太清楚", "我也不清楚", "不大清楚"),
           N_("Use the SOP's wording: “Sorry, I cannot say for certain yet; I will ask our "
              "specialist and get back to you.”")),
    Phrase("我绝对没有说过那种话",
           ("绝对没有说过", "绝对没说过", "我没有说过那种话", "我没说过那种话", "我从来没说过"),
           N_("Do not argue about what was said: “Sorry for the misunderstanding; let me "
              "explain again.”")),
    Phrase("我不会", ("我不会$", "这个我不会", "我不会修", "我不会弄", "我不会处理"),
           N_("Say what you will do: “I will ask a colleague who knows this and get back to "
              "you.”")),
    Phrase("这是本店的规定",
           ("这是本店的规定", "本店的规定", "这是我们店的规定", "这是店里的规定", "这是规定",
            "规定就是规定"),
           N_("Explain the reason behind the rule and offer what we can do.")),
    # The same eight as English-speaking staff say them.
    Phrase("even a three-year-old knows", ("three year old", "a child could", "a kid knows"),
           N_("Explain it patiently, step by step, without judging: “Let me walk you through "
              "it.”")),
    Phrase("you get what you pay for", ("you get what you pay for",),
           N_("Explain what the product offers and what we can do for the customer now.")),
    Phrase("that's impossible", ("that's impossible", "thats impossible", "it's impossible",
                                 "that is impossible", "absolutely impossible",
                                 "that can't happen", "that cannot happen", "that never happens"),
           N_("Take it seriously: “Thank you for telling us; we will check it right away.”")),
    Phrase("not my problem, ask the manufacturer",
           ("not my problem", "not my job", "not my business", "ask the manufacturer",
            "contact the manufacturer yourself", "i only sell"),
           N_("Own it: “I will contact the manufacturer for you and get back to you by …”")),
    Phrase("I don't really know", ("i don't really know", "i dont really know",
                                   "no idea", "i'm not sure about that", "im not sure about that"),
           N_("Use the SOP's wording: “Sorry, I cannot say for certain yet; I will ask our "
              "specialist and get back to you.”")),
    Phrase("I never said that", ("i never said that", "i never said", "i didn't say that",
                                 "i did not say that"),
           N_("Do not argue about what was said: “Sorry for the misunderstanding; let me "
              "explain again.”")),
    Phrase("I can't do that", ("i can't do that$", "i cant do that$", "i don't know how",
                               "i dont know how"),
           N_("Say what you will do: “I will ask a colleague who knows this and get back to "
              "you.”")),
    Phrase("it's store policy", ("store policy", "store's policy", "our policy", "store rule",
                                 "store's rule", "that's the rule", "rules are rules"),
           N_("Explain the reason behind the rule and offer what we can do.")),
)

_SPACE = re.compile(r"\s+")


@cache
def _converter() -> OpenCC:
    return OpenCC("t2s")


def _plain(text: str) -> str:
    """Width, case, Traditional characters and the apostrophe's forms made alike."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("’", "'").replace("‘", "'")
    return _converter().convert(text)


def _squeezed(plain: str) -> str:
    """For Chinese: letters and digits only, nothing between them."""
    return "".join(ch for ch in plain if ch.isalnum())


def _words(plain: str) -> str:
    """For Latin: words separated by single spaces (apostrophes kept inside words)."""
    kept = "".join(ch if ch.isalnum() or ch == "'" else " " for ch in plain)
    return " " + _SPACE.sub(" ", kept).strip() + " "


def _is_latin(pattern: str) -> bool:
    return pattern.isascii()


@cache
def _needle(pattern: str) -> tuple[bool, bool, str]:
    """(Latin?, must end the message?, the normalised form) of a pattern."""
    core = _plain(pattern.rstrip("$"))
    latin = _is_latin(core)
    return latin, pattern.endswith("$"), _words(core) if latin else _squeezed(core)


def _matches(pattern: str, squeezed: str, words: str) -> bool:
    latin, at_end, needle = _needle(pattern)
    haystack = words if latin else squeezed
    if not needle.strip():
        return False
    return haystack.endswith(needle) if at_end else needle in haystack


def check(text: str, phrases: tuple[Phrase, ...] | list[Phrase]) -> Hit | None:
    """The first forbidden phrase in ``text``, or None when it may go to the customer."""
    plain = _plain(text)
    squeezed, words = _squeezed(plain), _words(plain)
    for phrase in phrases:
        if any(_matches(p, squeezed, words) for p in phrase.patterns):
            return Hit(phrase.label, phrase.suggestion)
    return None


def shown_as(phrase: str, language: str) -> str:
    """The matched phrase in the reader's script: the defaults are kept in Simplified."""
    return OpenCC("s2t").convert(phrase) if language == "zh_TW" else phrase


def configured(entries: list[dict], keep_defaults: bool) -> tuple[Phrase, ...]:
    """A store's phrases from its config: its own (each phrase is its only pattern), after
    the SOP's eight unless ``keep_defaults`` is false."""
    own = tuple(Phrase(e["phrase"], (e["phrase"],),
                       e.get("suggestion") or N_("Please say it in a kinder way."))
                for e in entries)
    return (DEFAULT_PHRASES if keep_defaults else ()) + own
