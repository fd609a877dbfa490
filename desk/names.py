"""How the bot addresses a customer by name in a greeting.

A Chinese greeting uses the name the customer gave in Chinese characters ("张女士", "小鱼儿"), or,
from the contact they shared, their surname with 先生/女士 ("张先生/女士": we do not guess a
gender); never a Latin transliteration ("Wei Zhang,春节快乐!" reads like a mail merge). When
there is no such name the greeting goes without one. An English greeting takes the name as given.
"""

from __future__ import annotations

from desk.models import Customer
from desk.text import _cjk

# Surnames of two characters; any other Chinese name's surname is its first character.
_COMPOUND_SURNAMES = (
    "欧阳", "歐陽", "司马", "司馬", "诸葛", "諸葛", "上官", "东方", "東方", "皇甫", "慕容", "令狐",
    "司徒", "夏侯", "尉迟", "尉遲", "公孙", "公孫", "长孙", "長孫", "宇文", "轩辕", "軒轅", "端木",
    "独孤", "獨孤", "南宫", "南宮", "西门", "西門", "澹台", "澹臺", "申屠", "百里", "呼延",
)
# How people are addressed politely: a name that ends with one is used as it is.
TITLES = ("先生", "女士", "小姐", "太太", "老师", "老師", "阿姨")
# A full Chinese name has two to four characters: a longer text is a nickname or a sentence.
_FULL_NAME = range(2, 5)


def is_chinese(name: str) -> bool:
    """Written in Chinese characters only (an interpunct · may join a transliterated name)."""
    letters = [ch for ch in name if ch not in " ·・"]
    return bool(letters) and all(_cjk(ch) for ch in letters)


def surname(name: str) -> str | None:
    """The surname of a full Chinese name ("张伟" → "张", "欧阳娜娜" → "欧阳"), else None."""
    name = name.replace(" ", "")
    if not is_chinese(name) or len(name) not in _FULL_NAME:
        return None
    return next((s for s in _COMPOUND_SURNAMES if name.startswith(s) and len(name) > 2),
                name[0])


def salutation(customer: Customer | None, language: str) -> str | None:
    """The name a greeting in ``language`` may open with, or None for a greeting without one."""
    if customer is None:
        return None
    name = (customer.name or "").strip()
    if not language.startswith("zh"):
        return name or (customer.contact_name or "").strip() or None
    if is_chinese(name):
        return name
    contact = (customer.contact_name or "").replace(" ", "")
    if is_chinese(contact) and contact.endswith(TITLES):
        return contact
    family = surname(contact)
    if family is not None:
        return f"{family}先生/女士"
    return None


def contact_name(first: str, last: str | None) -> str:
    """The name on a shared contact, in Chinese order when it is Chinese: an address book keeps
    张伟 as first name 伟, last name 张."""
    first, last = (first or "").strip(), (last or "").strip()
    if is_chinese(first) and is_chinese(last) and not last.endswith(TITLES):
        return f"{last}{first}"
    return f"{first}{last}" if is_chinese(first + last) else " ".join(p for p in (first, last) if p)
