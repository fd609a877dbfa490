"""The lifecycle as a table: every verb × every state × every role → the next state or the
refusal, written out by hand from the SOP and desk/lifecycle.py's rules. A refusal changes
nothing on the ticket; a step that succeeds leaves the ticket in the state the table says.

Roles (the same people in every row): the technician who owns the ticket (or was offered it),
another technician, a manager, and the technician a service complaint is about. In the
states where nobody owns the ticket (draft, new), "owner" is one more technician.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from desk import lifecycle
from desk.config import Technician
from desk.lifecycle import Reason, Refused
from desk.models import Kind, Outcome, State, Ticket

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=6)
OWNER, OTHER, MANAGER, ABOUT, TARGET = 201, 202, 500, 204, 205
ROLES = {"owner": OWNER, "other": OTHER, "manager": MANAGER, "about": ABOUT}
TARGET_TECH = Technician(user_id=TARGET, name="赵工", on_duty=frozenset(range(7)))

# The rows: the seven states, and "contacted" once more with the outcome chosen (the report,
# which closes the service, is awaited).
ROWS = ("draft", "new", "offered", "claimed", "contacted", "contacted+outcome", "escalated",
        "done")


def ticket_in(row: str) -> Ticket:
    state = State(row.split("+")[0])
    owned = state not in (State.DRAFT, State.NEW)
    return Ticket(key="k1", store_id="hq", customer_id=1001, customer_name="张女士",
                  language="zh_CN", text="师傅态度很差", kind=Kind.SERVICE,
                  created_at=NOW.isoformat(), number=None if state is State.DRAFT else 7,
                  confirmed_at=None if state is State.DRAFT else NOW.isoformat(),
                  state=state, assignee_id=OWNER if owned else None,
                  assignee_name="李工" if owned else None, complained_about=ABOUT,
                  pending_outcome=Outcome.SOLVED if row == "contacted+outcome" else None)


Step = Callable[[Ticket, int, bool], None]

VERBS: dict[str, Step] = {
    "claim": lambda t, who, manager: lifecycle.claim(t, who, "某人", NOW),
    "accept": lambda t, who, manager: lifecycle.accept(t, who, NOW),
    "pass": lambda t, who, manager: lifecycle.pass_on(t, who, NOW, None),
    "contacted": lambda t, who, manager: lifecycle.mark_contacted(t, who, manager, NOW),
    "no answer": lambda t, who, manager: lifecycle.no_answer(t, who, manager, NOW, LATER),
    "outcome": lambda t, who, manager: lifecycle.choose_outcome(
        t, who, manager, Outcome.PARTLY, NOW),
    "report": lambda t, who, manager: lifecycle.finish(t, who, manager, "已更换", NOW, LATER),
    "escalate": lambda t, who, manager: lifecycle.escalate(t, who, manager, NOW),
    "answered": lambda t, who, manager: lifecycle.manager_answered(t, who, "某人", NOW),
    "promise reply": lambda t, who, manager: lifecycle.promise_reply(t, who, LATER, NOW),
    "hand over": lambda t, who, manager: lifecycle.reassign(t, who, TARGET_TECH, NOW),
}

S, R = State, Reason
STALE, TAKEN, NOT_OFFERED, NOT_YOURS = R.STALE, R.TAKEN, R.NOT_OFFERED_TO_YOU, R.NOT_YOURS
ABOUT_YOU = R.ABOUT_YOU
ALL_STALE = (STALE, STALE, STALE, STALE)

# verb -> row -> (owner, other, manager, about): the state after, or the refusal.
TABLE: dict[str, dict[str, tuple[State | Reason, ...]]] = {
    "claim": {  # the person a complaint is about is refused first, whatever the state
        "draft": (STALE, STALE, STALE, ABOUT_YOU),
        "new": (S.CLAIMED, S.CLAIMED, S.CLAIMED, ABOUT_YOU),
        "offered": (S.CLAIMED, TAKEN, TAKEN, ABOUT_YOU),  # the offered one's claim accepts
        "claimed": (TAKEN, TAKEN, TAKEN, ABOUT_YOU),
        "contacted": (TAKEN, TAKEN, TAKEN, ABOUT_YOU),
        "contacted+outcome": (TAKEN, TAKEN, TAKEN, ABOUT_YOU),
        "escalated": (STALE, STALE, STALE, ABOUT_YOU),
        "done": (STALE, STALE, STALE, ABOUT_YOU),
    },
    "accept": {
        "offered": (S.CLAIMED, NOT_OFFERED, NOT_OFFERED, NOT_OFFERED),
    },
    "pass": {  # nobody next on duty: back to the whole group
        "offered": (S.NEW, NOT_OFFERED, NOT_OFFERED, NOT_OFFERED),
    },
    "contacted": {
        "claimed": (S.CONTACTED, NOT_YOURS, S.CONTACTED, NOT_YOURS),
    },
    "no answer": {  # an attempt, not a contact: the state stays
        "claimed": (S.CLAIMED, NOT_YOURS, S.CLAIMED, NOT_YOURS),
    },
    "outcome": {
        "contacted": (S.CONTACTED, NOT_YOURS, S.CONTACTED, NOT_YOURS),
        "contacted+outcome": (S.CONTACTED, NOT_YOURS, S.CONTACTED, NOT_YOURS),
    },
    "report": {  # only once an outcome is chosen
        "contacted+outcome": (S.DONE, NOT_YOURS, S.DONE, NOT_YOURS),
    },
    "escalate": {  # a ticket nobody owns may be escalated by anyone in the group
        "new": (S.ESCALATED, S.ESCALATED, S.ESCALATED, S.ESCALATED),
        "offered": (S.ESCALATED, NOT_YOURS, S.ESCALATED, NOT_YOURS),
        "claimed": (S.ESCALATED, NOT_YOURS, S.ESCALATED, NOT_YOURS),
        "contacted": (S.ESCALATED, NOT_YOURS, S.ESCALATED, NOT_YOURS),
        "contacted+outcome": (S.ESCALATED, NOT_YOURS, S.ESCALATED, NOT_YOURS),
    },
    # The managers' verbs: the lifecycle checks only the person the complaint is about; that
    # a technician cannot press them is the adapters' check (their buttons go to managers).
    "answered": {
        "escalated": (S.CONTACTED, S.CONTACTED, S.CONTACTED, ABOUT_YOU),
    },
    "promise reply": {
        "escalated": (S.ESCALATED, S.ESCALATED, S.ESCALATED, ABOUT_YOU),
    },
    "hand over": {  # to another technician, who owns it at once; any open ticket
        "new": (S.CLAIMED, S.CLAIMED, S.CLAIMED, ABOUT_YOU),
        "offered": (S.CLAIMED, S.CLAIMED, S.CLAIMED, ABOUT_YOU),
        "claimed": (S.CLAIMED, S.CLAIMED, S.CLAIMED, ABOUT_YOU),
        "contacted": (S.CLAIMED, S.CLAIMED, S.CLAIMED, ABOUT_YOU),
        "contacted+outcome": (S.CLAIMED, S.CLAIMED, S.CLAIMED, ABOUT_YOU),
        "escalated": (S.CLAIMED, S.CLAIMED, S.CLAIMED, ABOUT_YOU),
    },
}


def expected(verb: str, row: str) -> tuple[State | Reason, ...]:
    return TABLE[verb].get(row, ALL_STALE)  # a row left out: stale for everyone


CELLS = [(verb, row, role) for verb in VERBS for row in ROWS for role in ROLES]


def test_the_table_names_only_known_verbs_and_rows() -> None:
    assert set(TABLE) == set(VERBS)
    assert all(set(rows) <= set(ROWS) for rows in TABLE.values())
    assert all(len(cell) == len(ROLES) for rows in TABLE.values() for cell in rows.values())


@pytest.mark.parametrize(("verb", "row", "role"), CELLS,
                         ids=[f"{v}-{r}-{who}" for v, r, who in CELLS])
def test_every_verb_in_every_state_for_every_role(verb: str, row: str, role: str) -> None:
    want = expected(verb, row)[list(ROLES).index(role)]
    ticket = ticket_in(row)
    before = ticket.to_dict()
    if isinstance(want, Reason):
        with pytest.raises(Refused) as refused:
            VERBS[verb](ticket, ROLES[role], role == "manager")
        assert refused.value.reason is want
        assert ticket.to_dict() == before, "a refusal changes nothing"
    else:
        VERBS[verb](ticket, ROLES[role], role == "manager")
        assert ticket.state is want
        assert len(ticket.events) == len(before["events"]) + 1, "each step is recorded once"


def test_the_owner_after_each_step_that_gives_the_ticket_one() -> None:
    claimed = ticket_in("new")
    lifecycle.claim(claimed, OTHER, "王工", NOW)
    assert (claimed.assignee_id, claimed.assignee_name) == (OTHER, "王工")
    handed = ticket_in("escalated")
    lifecycle.reassign(handed, MANAGER, TARGET_TECH, NOW)
    assert (handed.assignee_id, handed.assignee_name) == (TARGET, "赵工")
    passed = ticket_in("offered")
    lifecycle.pass_on(passed, OWNER, NOW, TARGET_TECH)
    assert (passed.state, passed.assignee_id, passed.passed_by) == (State.OFFERED, TARGET,
                                                                     [OWNER])
    unowned = ticket_in("escalated")
    unowned.assignee_id = unowned.assignee_name = None
    lifecycle.manager_answered(unowned, MANAGER, "赵经理", NOW)
    assert (unowned.state, unowned.assignee_id) == (State.CONTACTED, MANAGER)


@pytest.mark.parametrize("row", ROWS)
def test_handing_over_to_the_person_the_complaint_is_about_is_refused(row: str) -> None:
    ticket = ticket_in(row)
    before = ticket.to_dict()
    about = Technician(user_id=ABOUT, name="孙工", on_duty=frozenset(range(7)))
    with pytest.raises(Refused) as refused:
        lifecycle.reassign(ticket, MANAGER, about, NOW)
    assert refused.value.reason is (Reason.ABOUT_THEM if ticket.is_active else Reason.STALE)
    assert ticket.to_dict() == before


# The bot's own steps (no person presses them): the customer's confirmation, a question
# filed for the managers, a reopening after a bad callback.
BOT_STEPS: dict[str, Callable[[Ticket], None]] = {
    "confirm": lambda t: lifecycle.confirm(t, NOW, None, LATER),
    "confirm, offered": lambda t: lifecycle.confirm(t, NOW, TARGET_TECH, LATER),
    "file a question": lambda t: lifecycle.file_question(t, NOW, LATER),
    "reopen": lambda t: lifecycle.reopen(t, NOW, LATER),
}
BOT_TABLE: dict[str, dict[str, State]] = {
    "confirm": {"draft": State.NEW},
    "confirm, offered": {"draft": State.OFFERED},
    "file a question": {"draft": State.ESCALATED},
    "reopen": {"done": State.CLAIMED},  # back to its technician
}
BOT_CELLS = [(step, row) for step in BOT_STEPS for row in ROWS]


@pytest.mark.parametrize(("step", "row"), BOT_CELLS, ids=[f"{s}-{r}" for s, r in BOT_CELLS])
def test_every_step_of_the_bot_in_every_state(step: str, row: str) -> None:
    ticket = ticket_in(row)
    before = ticket.to_dict()
    want = BOT_TABLE[step].get(row)
    if want is None:
        with pytest.raises(Refused) as refused:
            BOT_STEPS[step](ticket)
        assert refused.value.reason is Reason.STALE
        assert ticket.to_dict() == before
    else:
        BOT_STEPS[step](ticket)
        assert ticket.state is want


def test_a_reopened_ticket_nobody_owned_goes_back_to_the_group() -> None:
    ticket = ticket_in("done")
    ticket.assignee_id = ticket.assignee_name = None
    lifecycle.reopen(ticket, NOW, LATER)
    assert ticket.state is State.NEW and ticket.contact_by == LATER.isoformat()


@pytest.mark.xfail(strict=True, reason="lifecycle.confirm records the confirmation before "
                   "_offer refuses: left to the lifecycle's owner (no caller offers a barred "
                   "technician today: handlers/customer.py excludes policy.barred)")
def test_a_draft_offered_to_the_person_it_is_about_is_refused_and_unchanged() -> None:
    ticket = ticket_in("draft")
    before = ticket.to_dict()
    about = Technician(user_id=ABOUT, name="孙工", on_duty=frozenset(range(7)))
    with pytest.raises(Refused) as refused:
        lifecycle.confirm(ticket, NOW, about, LATER)
    assert refused.value.reason is Reason.ABOUT_THEM
    assert ticket.to_dict() == before, "a refusal changes nothing"
