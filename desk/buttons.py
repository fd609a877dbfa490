"""Callback data: one codec for every button the bot draws, parsed in one place.

A button's data is ``<audience>:<verb>[:<arg>...]``, at most 64 bytes as Telegram allows:
``c:`` customer, ``t:`` ticket card in a staff group, ``m:`` manager, ``s:`` survey, ``d:``
digest. Data can be forged, so :func:`decode` checks the action, the number of arguments and
each argument's form, and returns typed values or None. It says nothing about *whether* the
presser may act: every handler re-checks the ticket's current state and the presser's role.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from desk.models import Kind, Outcome, Want
from desk.promises import REPLY_KEYS
from desk.survey import DRIVERS, SCORES, SOLVED

MAX_DATA = 64  # bytes, Telegram's limit for callback_data


class Action(StrEnum):
    # customer, private chat
    STORE = "c:store"  # which store a complaint is about
    LANGUAGE = "c:lang"
    FORGET = "c:forget"  # /forget_me confirmation: yes / no
    CONFIRM = "c:ok"  # the restatement is right: the draft becomes a ticket
    SHOW_KINDS = "c:kind"
    SET_KIND = "c:setkind"
    SET_WANT = "c:want"  # adds or removes one want (a ticket can ask for several)
    SHOW_WANTS = "c:wants"  # the want buttons under the restatement
    WANTS_DONE = "c:wantsok"  # back to the restatement's own buttons
    CORRECT = "c:edit"
    # ticket card, staff group
    CLAIM = "t:claim"
    ACCEPT = "t:accept"
    PASS = "t:pass"
    CONTACTED = "t:contact"
    NO_ANSWER = "t:noans"
    SERVICE_DONE = "t:done"  # shows the outcome buttons
    BACK = "t:back"
    OUTCOME = "t:out"
    ESCALATE = "t:esc"
    TIER = "t:tier"
    VISIT = "t:visit"  # staff record that the customer came to the store today
    NOTE = "t:note"
    SAY = "t:say"  # shows the standard replies under the card
    CANNED = "t:canned"  # sends one standard reply to the customer
    # manager, private chat
    PICK_TECHNICIAN = "m:pick"
    REPLY_BY = "m:reply"
    ANSWERED = "m:answered"
    ASSIGN = "m:assign"
    # satisfaction callback
    SURVEY_OVERALL = "s:o"
    SURVEY_SOLVED = "s:s"
    SURVEY_DRIVER = "s:d"
    SURVEY_SKIP = "s:skip"
    SURVEY_NO_COMMENT = "s:c"
    # digest
    FED_BACK = "d:fed"

    @property
    def audience(self) -> str:
        return self.value.split(":", 1)[0]


Arg = Callable[[str], "int | str | None"]


def _number(text: str) -> int | None:
    # Ticket numbers, user ids, indexes: plain digits, never a sign, never absurdly long.
    return int(text) if text.isdigit() and len(text) < 16 else None


def _pattern(regex: str) -> Arg:
    compiled = re.compile(regex)
    return lambda text: text if compiled.fullmatch(text) else None


def _one_of(values: Iterable[object]) -> Arg:
    allowed = {str(v) for v in values}
    return lambda text: text if text in allowed else None


NUMBER = _number
DRAFT_KEY = _pattern(r"[0-9a-f]{8}")
STORE_ID = _pattern(r"[A-Za-z0-9_]{1,32}")
LANGUAGE_CODE = _pattern(r"[a-z]{2}(_[A-Z]{2})?")
TOKEN = _pattern(r"[0-9a-f]{6,16}")
SCORE = lambda text: int(text) if text in {str(s) for s in SCORES} else None  # noqa: E731

# What each action carries. The order of arguments is the order in the data.
ARGS: dict[Action, tuple[Arg, ...]] = {
    Action.STORE: (STORE_ID,),
    Action.LANGUAGE: (LANGUAGE_CODE,),
    Action.FORGET: (_one_of(("yes", "no")),),
    Action.CONFIRM: (DRAFT_KEY,),
    Action.SHOW_KINDS: (DRAFT_KEY,),
    Action.SET_KIND: (DRAFT_KEY, _one_of(k.value for k in Kind)),
    Action.SET_WANT: (DRAFT_KEY, _one_of(w.value for w in Want)),
    Action.SHOW_WANTS: (DRAFT_KEY,),
    Action.WANTS_DONE: (DRAFT_KEY,),
    Action.CORRECT: (DRAFT_KEY,),
    Action.CLAIM: (NUMBER,),
    Action.ACCEPT: (NUMBER,),
    Action.PASS: (NUMBER,),
    Action.CONTACTED: (NUMBER,),
    Action.NO_ANSWER: (NUMBER,),
    Action.SERVICE_DONE: (NUMBER,),
    Action.BACK: (NUMBER,),
    Action.OUTCOME: (NUMBER, _one_of(o.value for o in Outcome)),
    Action.ESCALATE: (NUMBER,),
    Action.TIER: (NUMBER, _one_of(("regular", "vip"))),
    Action.VISIT: (NUMBER,),
    Action.NOTE: (NUMBER,),
    Action.SAY: (NUMBER,),
    Action.CANNED: (NUMBER, _one_of(("apology", "unclear", "call", "photo"))),
    Action.PICK_TECHNICIAN: (NUMBER,),
    # The reply option's key; the digits are the indexes older alerts carry.
    Action.REPLY_BY: (NUMBER, _one_of((*REPLY_KEYS, "0", "1", "2"))),
    Action.ANSWERED: (NUMBER,),
    Action.ASSIGN: (NUMBER, NUMBER),
    Action.SURVEY_OVERALL: (NUMBER, SCORE),
    Action.SURVEY_SOLVED: (NUMBER, _one_of(SOLVED)),
    Action.SURVEY_DRIVER: (NUMBER, _one_of(name for name, _w, _l in DRIVERS), SCORE),
    Action.SURVEY_SKIP: (NUMBER,),
    Action.SURVEY_NO_COMMENT: (NUMBER,),
    Action.FED_BACK: (STORE_ID, TOKEN),
}
_BY_VALUE = {action.value: action for action in Action}


@dataclass(frozen=True)
class Press:
    """A decoded button: what it asks for, with typed arguments."""

    action: Action
    args: tuple[int | str, ...]

    @property
    def number(self) -> int:
        """The ticket number, for the actions whose first argument is one."""
        value = self.args[0]
        assert isinstance(value, int)
        return value


def encode(action: Action, *args: int | str) -> str:
    """The callback data of a button; refuses what ``decode`` would not read back."""
    data = ":".join([action.value, *(str(a) for a in args)])
    press = decode(data)
    if (len(data.encode()) > MAX_DATA or press is None or press.action is not action
            or press.args != _typed(action, args)):
        raise ValueError(f"not valid callback data: {data!r}")
    return data


def _typed(action: Action, args: tuple[int | str, ...]) -> tuple[int | str | None, ...]:
    return tuple(parse(str(a)) for parse, a in zip(ARGS[action], args, strict=True))


def decode(data: str | None) -> Press | None:
    """What a button asks for, or None for data we never drew (forged, empty, outdated)."""
    if not data or len(data.encode()) > MAX_DATA:
        return None
    parts = data.split(":")
    for width in (2, 1):  # "c:ok", then one-part verbs if any
        action = _BY_VALUE.get(":".join(parts[:width]))
        if action is not None:
            break
    else:
        return None
    raw = parts[2:]
    spec = ARGS[action]
    if len(raw) != len(spec):
        return None
    values = tuple(v for parse, text in zip(spec, raw, strict=True)
                   if (v := parse(text)) is not None)
    if len(values) != len(spec):
        return None
    return Press(action, values)
