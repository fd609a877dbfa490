"""How the customer sounds: calm, angry or distressed, so the bot listens before it restates.

Seed 003: 认真聆听顾客的抱怨 … 在聆听顾客抱怨时,要适当配合"我理解"之类的语言,以减少顾客的怒气.
An angry or distressed customer hears a listening sentence ("我理解您的心情…") before the
restatement; a calm one goes straight to it. Keywords in every shipped language are applied to
every text, as the reading does.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Tone(StrEnum):
    CALM = "calm"
    ANGRY = "angry"  # indignant, insulted, fed up
    DISTRESSED = "distressed"  # worried, in a hurry, someone hurt


_ANGRY = re.compile("|".join((
    "气死", "氣死", "生气", "生氣", "火大", "愤怒", "憤怒", "过分", "過分", "离谱", "離譜", "垃圾",
    "坑人", "骗子", "騙子", "骗人", "騙人", "无语", "無語", "忍无可忍", "忍無可忍", "受够", "受夠",
    "什么玩意", "什麼玩意", "搞什么", "搞什麼", "凭什么", "憑什麼", "岂有此理", "豈有此理", "太差",
    "恶心", "噁心", "差评", "差評", "曝光", "欺负", "欺負", "不像话", "不像話", "像话吗", "像話嗎",
    "黑店", "奸商", "忽悠", "敷衍", "耍我", "他妈", "他媽", r"\btmd\b",
    r"[!！]{2,}", r"[?？][!！]|[!！][?？]", r"[?？]{3,}",
    r"\bangry\b", r"\bfurious\b", r"\bridiculous\b", r"\bunacceptable\b", r"\boutrageous\b",
    r"\bdisgust(?:ed|ing)\b", r"\bterrible\b", r"\bworst\b", r"\bscam\b", r"\brip-?off\b",
    r"\bfed up\b", r"\bsick of\b", r"\bpathetic\b", r"\bjoke\b", r"\bwtf\b",
)), re.IGNORECASE)

_DISTRESSED = re.compile("|".join((
    "着急", "著急", "急死", "急用", "很急", "怎么办", "怎麼辦", "担心", "擔心", "害怕", "吓死",
    "嚇死", "吓坏", "嚇壞", "哭", "崩溃", "崩潰", "救命", "孩子", "小孩", "宝宝", "寶寶", "老人",
    "受伤", "受傷", "烫伤", "燙傷", "住院", "医院", "醫院", "冒烟", "冒煙", "着火", "著火", "触电",
    "觸電", "过敏", "過敏", "没法过", "沒法過", "等着用", "等著用",
    r"\burgent(?:ly)?\b", r"\bworried\b", r"\bscared\b", r"\bafraid\b", r"\bdesperate\b",
    r"\bplease help\b", r"\bhelp me\b", r"\bbaby\b", r"\bchild(?:ren)?\b", r"\bkids?\b",
    r"\bhurt\b", r"\binjured\b", r"\bhospital\b", r"\bsmok(?:e|ing)\b", r"\bfire\b",
)), re.IGNORECASE)

# Shouting in Latin letters: two words of four or more capitals ("THIS IS UNACCEPTABLE").
_SHOUTING = re.compile(r"\b[A-Z]{4,}\b")


def tone_of(text: str) -> Tone:
    """Distress wins over anger: someone worried about a child is answered with reassurance."""
    if _DISTRESSED.search(text):
        return Tone.DISTRESSED
    if _ANGRY.search(text) or len(_SHOUTING.findall(text)) >= 2:
        return Tone.ANGRY
    return Tone.CALM
