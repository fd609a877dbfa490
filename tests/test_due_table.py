"""What is due, as a table: every kind of promise a ticket holds × moments around it → the
steps ``desk.deadlines.due`` returns (with the moment each fell due), in order.

The store is the test chain's flagship (Shanghai, open Monday to Friday 09:00-21:00, Saturday
10:00-18:00, closed on Sunday); the default timings: a contact reminder 60 minutes before the
deadline, a nudge every 30 minutes while nobody claims the ticket and the store is open, a
reply reminder 60 minutes before an escalation's reply time, the callback's reminder after
24 hours and its end after 72.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from desk.deadlines import Step, due
from desk.models import Kind, State, Ticket
from tests.conftest import chain_settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
STORE = chain_settings(Path("unused")).stores[0]
M = timedelta(minutes=1)
H = timedelta(hours=1)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Shanghai, November 2026 (the 23rd is a Monday)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


T0 = local(23, 10)  # confirmed: Monday 10:00
D = local(23, 14)  # the contact deadline
R = local(23, 11)  # "called, no answer": call again then
P = local(23, 15)  # an escalation's reply time
C = local(24, 10)  # the callback, Tuesday 10:00
A = local(24, 10, 5)  # the callback's first question was asked


def ticket(state: State, **fields: Any) -> Ticket:
    survey = fields.pop("survey", None)
    fields = {"confirmed_at": T0, **fields}
    t = Ticket(key="k1", store_id="hq", customer_id=1001, customer_name="张女士",
               language="zh_CN", text="电热水壶漏水", kind=Kind.QUALITY,
               created_at=T0.isoformat(), number=7, state=state,
               **{k: v.isoformat() if isinstance(v, datetime) else v for k, v in fields.items()})
    if survey is not None:
        t.survey = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in survey.items()}
    return t


CONTACT = {"contact_by": D}
ASKED = {"stage": "overall", "asked_at": A, "drivers": {}}

# (promise, the ticket, now, what is due: (step, the moment it fell due), oldest first)
TABLE: list[tuple[str, Ticket, datetime, list[tuple[Step, datetime]]]] = [
    # The contact deadline, while the ticket is claimed and nobody has been reached.
    ("contact", ticket(State.CLAIMED, **CONTACT), D - 2 * H, []),
    ("contact", ticket(State.CLAIMED, **CONTACT), D - 61 * M, []),
    ("contact", ticket(State.CLAIMED, **CONTACT), D - H, [(Step.CONTACT_REMINDER, D - H)]),
    ("contact", ticket(State.CLAIMED, **CONTACT), D - M, [(Step.CONTACT_REMINDER, D - H)]),
    ("contact", ticket(State.CLAIMED, **CONTACT), D, [(Step.BREACH, D)]),  # no late reminder
    ("contact", ticket(State.CLAIMED, **CONTACT), D + 5 * H, [(Step.BREACH, D)]),
    ("contact, reminded", ticket(State.CLAIMED, contact_reminded=True, **CONTACT), D - M, []),
    ("contact, reminded", ticket(State.CLAIMED, contact_reminded=True, **CONTACT), D,
     [(Step.BREACH, D)]),
    ("contact, missed", ticket(State.CLAIMED, missed=True, **CONTACT), D + 5 * H, []),
    ("contact, contacted", ticket(State.CONTACTED, **CONTACT), D + 5 * H, []),
    ("contact, escalated", ticket(State.ESCALATED, **CONTACT), D + 5 * H, []),
    ("contact, done", ticket(State.DONE, **CONTACT), D + 5 * H, []),
    ("no deadline", ticket(State.CLAIMED), D + 5 * H, []),
    # Nobody has claimed it: a nudge every 30 minutes while the store is open, besides the
    # contact deadline's own steps.
    ("unclaimed", ticket(State.NEW, **CONTACT), T0 + 29 * M, []),
    ("unclaimed", ticket(State.NEW, **CONTACT), T0 + 30 * M, [(Step.NUDGE, T0 + 30 * M)]),
    ("unclaimed", ticket(State.OFFERED, **CONTACT), T0 + 30 * M, [(Step.NUDGE, T0 + 30 * M)]),
    ("unclaimed", ticket(State.NEW, **CONTACT), D - H,
     [(Step.NUDGE, T0 + 30 * M), (Step.CONTACT_REMINDER, D - H)]),
    ("unclaimed", ticket(State.OFFERED, **CONTACT), D,
     [(Step.NUDGE, T0 + 30 * M), (Step.BREACH, D)]),
    ("unclaimed, nudged", ticket(State.NEW, nudged_at=T0 + 30 * M, **CONTACT), T0 + 59 * M, []),
    ("unclaimed, nudged", ticket(State.NEW, nudged_at=T0 + 30 * M, **CONTACT), T0 + 60 * M,
     [(Step.NUDGE, T0 + 60 * M)]),
    ("unclaimed, closed", ticket(State.NEW, confirmed_at=local(23, 20, 50)), local(23, 22),
     []),  # nobody is paged at night
    ("unclaimed, closed", ticket(State.NEW, confirmed_at=local(28, 17, 50)), local(29, 12),
     []),  # Saturday evening to Sunday noon: closed all Sunday
    ("unclaimed, closed", ticket(State.NEW, confirmed_at=local(23, 20, 50)), local(24, 9),
     [(Step.NUDGE, local(23, 21, 20))]),  # at opening: one nudge, dated when it fell due
    ("unclaimed, claimed", ticket(State.CLAIMED), T0 + 2 * H, []),
    # "Called, no answer": call again at the time set.
    ("retry", ticket(State.CLAIMED, retry_at=R), R - M, []),
    ("retry", ticket(State.CLAIMED, retry_at=R), R, [(Step.RETRY, R)]),
    ("retry", ticket(State.CLAIMED, retry_at=R, **CONTACT), D,
     [(Step.RETRY, R), (Step.BREACH, D)]),
    ("retry, contacted", ticket(State.CONTACTED, retry_at=R), R + H, []),
    # An escalation's latest reply time (the contact deadline no longer counts).
    ("reply", ticket(State.ESCALATED, reply_by=P), P - 61 * M, []),
    ("reply", ticket(State.ESCALATED, reply_by=P), P - H, [(Step.REPLY_REMINDER, P - H)]),
    ("reply", ticket(State.ESCALATED, reply_by=P), P, [(Step.REPLY_BREACH, P)]),
    ("reply", ticket(State.ESCALATED, reply_by=P, **CONTACT), P + H, [(Step.REPLY_BREACH, P)]),
    ("reply, reminded", ticket(State.ESCALATED, reply_by=P, reply_reminded=True), P - M, []),
    ("reply, missed", ticket(State.ESCALATED, reply_by=P, reply_missed=True), P + H, []),
    ("reply, answered", ticket(State.CONTACTED, reply_by=P), P + H, []),
    ("reply, none set", ticket(State.ESCALATED), P + H, []),
    # The satisfaction callback and its chasing: only the mandatory questions are chased.
    ("callback", ticket(State.DONE, callback_at=C), C - M, []),
    ("callback", ticket(State.DONE, callback_at=C), C, [(Step.CALLBACK, C)]),
    ("callback", ticket(State.DONE, callback_at=C), C + 48 * H, [(Step.CALLBACK, C)]),
    ("callback, asked", ticket(State.DONE, callback_at=C, callback_sent=True, survey=ASKED),
     A + 24 * H - M, []),
    ("callback, asked", ticket(State.DONE, callback_at=C, callback_sent=True, survey=ASKED),
     A + 24 * H, [(Step.CALLBACK_REMINDER, A + 24 * H)]),
    ("callback, asked", ticket(State.DONE, callback_at=C, callback_sent=True, survey=ASKED),
     A + 72 * H, [(Step.CALLBACK_REMINDER, A + 24 * H)]),  # the reminder comes first
    ("callback, asked", ticket(State.DONE, callback_at=C, callback_sent=True,
                               survey={**ASKED, "stage": "solved"}),
     A + 24 * H, [(Step.CALLBACK_REMINDER, A + 24 * H)]),
    ("callback, reminded", ticket(State.DONE, callback_at=C, callback_sent=True,
                                  callback_reminded=True, survey=ASKED), A + 72 * H - M, []),
    ("callback, reminded", ticket(State.DONE, callback_at=C, callback_sent=True,
                                  callback_reminded=True, survey=ASKED),
     A + 72 * H, [(Step.CALLBACK_UNANSWERED, A + 72 * H)]),
    ("callback, optional part", ticket(State.DONE, callback_at=C, callback_sent=True,
                                       survey={**ASKED, "stage": "drivers"}), A + 72 * H, []),
    ("callback, given up", ticket(State.DONE, callback_at=C, callback_sent=True,
                                  callback_reminded=True,
                                  survey={**ASKED, "stage": "unanswered"}), A + 100 * H, []),
    ("callback, none", ticket(State.DONE), C + 100 * H, []),
]


@pytest.mark.parametrize(("promise", "t", "now", "expected"), TABLE,
                         ids=[f"{row[0]}@{row[2]:%d %H:%M}" for row in TABLE])
def test_what_is_due(promise: str, t: Ticket, now: datetime,
                     expected: list[tuple[Step, datetime]]) -> None:
    assert [(item.step, item.at) for item in due(t, STORE, now)] == expected
    assert all(item.number == 7 for item in due(t, STORE, now))


def test_every_step_appears_in_the_table() -> None:
    # LONG_WAIT needs a store closed on more days than the table's; it has its own table below.
    steps = {step for *_, expected in TABLE for step, _at in expected}
    assert steps | {step for *_, expected in LONG_WAITS for step, _at in expected} == set(Step)


# A complaint on Saturday evening, the store closed on Sunday and (a closed date) on Monday:
# the deadline is Tuesday, past two closed days, so the managers hear of it once, at once.
SAT_EVENING = local(28, 19)
TUESDAY = datetime(2026, 12, 1, 14, tzinfo=SHANGHAI)
CLOSED_MONDAY = dataclasses.replace(STORE, closed_dates=frozenset({date(2026, 11, 30)}))
LONG_WAITS: list[tuple[str, Any, Ticket, datetime, list[tuple[Step, datetime]]]] = [
    ("two closed days: managers told once", CLOSED_MONDAY,
     ticket(State.OFFERED, confirmed_at=SAT_EVENING, contact_by=TUESDAY,
            nudged_at=TUESDAY), SAT_EVENING + M, [(Step.LONG_WAIT, SAT_EVENING)]),
    ("already told", CLOSED_MONDAY,
     ticket(State.OFFERED, confirmed_at=SAT_EVENING, contact_by=TUESDAY, nudged_at=TUESDAY,
            long_wait_alerted=True), SAT_EVENING + M, []),
    ("one closed day (Sunday): nobody told", STORE,
     ticket(State.OFFERED, confirmed_at=SAT_EVENING, contact_by=local(30, 14),
            nudged_at=TUESDAY), SAT_EVENING + M, []),
]


@pytest.mark.parametrize(("store", "t", "now", "expected"), [row[1:] for row in LONG_WAITS],
                         ids=[row[0] for row in LONG_WAITS])
def test_long_waits(store: Any, t: Ticket, now: datetime,
                    expected: list[tuple[Step, datetime]]) -> None:
    assert [(item.step, item.at) for item in due(t, store, now)] == expected


def test_a_step_stays_due_until_it_is_marked() -> None:
    from desk.deadlines import mark

    t = ticket(State.CLAIMED, **CONTACT)
    (item,) = due(t, STORE, D - M)
    assert due(t, STORE, D - M) == [item], "asking again changes nothing"
    mark(t, item, D - M)
    assert due(t, STORE, D - M) == []
    assert [i.step for i in due(t, STORE, D)] == [Step.BREACH]
