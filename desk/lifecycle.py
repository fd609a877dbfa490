"""The ticket lifecycle: who may move a ticket from which state to which.

Every function checks the ticket's *current* state and the actor's right to act, because a
button on a card may be stale or forged. A refusal raises :class:`Refused` and changes nothing;
a success changes the ticket in memory and appends to its audit trail. The caller stores it.

    new ──claim──▶ claimed ──contacted──▶ contacted ──outcome+report──▶ done
     │offered─accept─▲  ▲                    │
     └──────────escalate──▶ escalated ──reassign (manager)
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from desk.config import Technician
from desk.models import ACTIVE_STATES, Outcome, State, Ticket, Urgency
from desk.policy import may_handle

BOT = 0  # the actor id recorded for the bot's own steps


class Reason(StrEnum):
    STALE = "stale"  # the ticket has moved on since the button was drawn
    TAKEN = "taken"  # someone else owns it
    NOT_OFFERED_TO_YOU = "not_offered"
    NOT_YOURS = "not_yours"  # only the assignee (or a manager) may do this
    MANAGERS_ONLY = "managers_only"
    NOT_ON_ROSTER = "not_on_roster"
    ABOUT_YOU = "about_you"  # a service complaint that names this technician
    ABOUT_THEM = "about_them"  # a manager chose the person the complaint is about
    UNREACHABLE = "unreachable"  # the customer blocked the bot or asked to be forgotten


class Refused(Exception):
    def __init__(self, reason: Reason):
        super().__init__(reason.value)
        self.reason = reason


def _require(condition: bool, reason: Reason) -> None:
    if not condition:
        raise Refused(reason)


def confirm(ticket: Ticket, now: datetime, offer_to: Technician | None,
            contact_by: datetime) -> None:
    """The customer confirmed the restatement: the draft becomes a ticket."""
    _require(ticket.state is State.DRAFT, Reason.STALE)
    ticket.confirmed_at = now.isoformat()
    ticket.contact_by = contact_by.isoformat()
    ticket.awaiting = None
    ticket.record(now, ticket.customer_id, "confirmed", kind=ticket.kind.value,
                  contact_by=ticket.contact_by)
    if offer_to is None:
        ticket.state = State.NEW
    else:
        _offer(ticket, offer_to, now)


def _offer(ticket: Ticket, tech: Technician, now: datetime) -> None:
    _require(may_handle(ticket, tech.user_id), Reason.ABOUT_THEM)
    ticket.state = State.OFFERED
    ticket.assignee_id = tech.user_id
    ticket.assignee_name = tech.name
    ticket.record(now, BOT, "offered", to=tech.user_id)


def claim(ticket: Ticket, actor: int, actor_name: str, now: datetime) -> None:
    """Anyone in the store's group claims an unassigned ticket; the first press wins."""
    _require(may_handle(ticket, actor), Reason.ABOUT_YOU)
    if ticket.state is State.OFFERED and ticket.assignee_id == actor:
        accept(ticket, actor, now)
        return
    if ticket.state in (State.OFFERED, State.CLAIMED, State.CONTACTED):
        raise Refused(Reason.TAKEN)
    _require(ticket.state is State.NEW, Reason.STALE)
    ticket.state = State.CLAIMED
    ticket.assignee_id = actor
    ticket.assignee_name = actor_name
    ticket.record(now, actor, "claimed")


def accept(ticket: Ticket, actor: int, now: datetime) -> None:
    _require(ticket.state is State.OFFERED, Reason.STALE)
    _require(ticket.assignee_id == actor, Reason.NOT_OFFERED_TO_YOU)
    _require(may_handle(ticket, actor), Reason.ABOUT_YOU)
    ticket.state = State.CLAIMED
    ticket.record(now, actor, "accepted")


def pass_on(ticket: Ticket, actor: int, now: datetime, next_tech: Technician | None) -> None:
    """The offered technician passes; the next one on duty gets it, else the whole group."""
    _require(ticket.state is State.OFFERED, Reason.STALE)
    _require(ticket.assignee_id == actor, Reason.NOT_OFFERED_TO_YOU)
    ticket.passed_by.append(actor)
    ticket.record(now, actor, "passed")
    if next_tech is None:
        ticket.state = State.NEW
        ticket.assignee_id = None
        ticket.assignee_name = None
    else:
        _offer(ticket, next_tech, now)


def _owner_or_manager(ticket: Ticket, actor: int, is_manager: bool) -> None:
    _require(is_manager or ticket.assignee_id == actor, Reason.NOT_YOURS)


def mark_contacted(ticket: Ticket, actor: int, is_manager: bool, now: datetime) -> None:
    _require(ticket.state is State.CLAIMED, Reason.STALE)
    _owner_or_manager(ticket, actor, is_manager)
    ticket.state = State.CONTACTED
    ticket.record(now, actor, "contacted")


def choose_outcome(
    ticket: Ticket, actor: int, is_manager: bool, outcome: Outcome, now: datetime
) -> None:
    """First half of "service done": the outcome; the one-line report follows."""
    _require(ticket.state is State.CONTACTED, Reason.STALE)
    _owner_or_manager(ticket, actor, is_manager)
    ticket.pending_outcome = outcome
    ticket.record(now, actor, "outcome_chosen", outcome=outcome.value)


def finish(ticket: Ticket, actor: int, is_manager: bool, report: str, now: datetime,
           callback_at: datetime) -> None:
    """Second half of "service done": the report closes the service; a callback follows."""
    _require(ticket.state is State.CONTACTED and ticket.pending_outcome is not None, Reason.STALE)
    _owner_or_manager(ticket, actor, is_manager)
    outcome = ticket.pending_outcome
    assert outcome is not None  # required above
    ticket.state = State.DONE
    ticket.outcome = outcome
    ticket.pending_outcome = None
    ticket.report = report
    ticket.report_prompt_id = None
    ticket.callback_at = callback_at.isoformat()
    ticket.callback_sent = ticket.callback_reminded = False
    ticket.record(now, actor, "done", outcome=outcome.value, report=report)


def no_answer(ticket: Ticket, actor: int, is_manager: bool, now: datetime,
              retry_at: datetime) -> None:
    """"Called, no answer": an attempt, not a contact; the technician is reminded to retry."""
    _require(ticket.state is State.CLAIMED, Reason.STALE)
    _owner_or_manager(ticket, actor, is_manager)
    ticket.retry_at = retry_at.isoformat()
    ticket.record(now, actor, "call_attempt", retry_at=ticket.retry_at)


def manager_answered(ticket: Ticket, manager: int, name: str, now: datetime) -> None:
    """The manager answered the escalated customer: that is the contact."""
    _require(ticket.state is State.ESCALATED, Reason.STALE)
    _require(may_handle(ticket, manager), Reason.ABOUT_YOU)
    ticket.state = State.CONTACTED
    if ticket.assignee_id is None:
        ticket.assignee_id, ticket.assignee_name = manager, name
    ticket.record(now, manager, "manager_answered")


def reopen(ticket: Ticket, now: datetime, contact_by: datetime) -> None:
    """A low score or "not solved" in the callback: the ticket goes back to its technician."""
    _require(ticket.state is State.DONE, Reason.STALE)
    ticket.state = State.CLAIMED if ticket.assignee_id is not None else State.NEW
    ticket.contact_by = contact_by.isoformat()
    ticket.contact_reminded = ticket.missed = False
    ticket.nudged_at = ticket.retry_at = None
    ticket.callback_at = None
    ticket.callback_sent = ticket.callback_reminded = False
    ticket.record(now, BOT, "reopened", contact_by=ticket.contact_by)


def escalate(ticket: Ticket, actor: int, is_manager: bool, now: datetime) -> None:
    """"Can't solve here": the store's managers take over (当即向专职经理取得联系)."""
    _require(ticket.state in ACTIVE_STATES - {State.ESCALATED}, Reason.STALE)
    if ticket.state in (State.OFFERED, State.CLAIMED, State.CONTACTED):
        _owner_or_manager(ticket, actor, is_manager)
    ticket.state = State.ESCALATED
    ticket.pending_outcome = None
    ticket.reply_by = None
    ticket.record(now, actor, "escalated")


def promise_reply(ticket: Ticket, manager: int, reply_by: datetime, now: datetime) -> None:
    """The manager sets the latest reply time the customer is promised (最迟答复时间)."""
    _require(ticket.state is State.ESCALATED and ticket.reply_by is None, Reason.STALE)
    _require(may_handle(ticket, manager), Reason.ABOUT_YOU)
    ticket.reply_by = reply_by.isoformat()
    ticket.record(now, manager, "reply_promised", reply_by=ticket.reply_by)


def reassign(ticket: Ticket, manager: int, tech: Technician, now: datetime) -> None:
    """A manager hands an open ticket to a technician, who owns it at once."""
    _require(ticket.is_active, Reason.STALE)
    _require(may_handle(ticket, manager), Reason.ABOUT_YOU)
    _require(may_handle(ticket, tech.user_id), Reason.ABOUT_THEM)
    ticket.state = State.CLAIMED
    ticket.assignee_id = tech.user_id
    ticket.assignee_name = tech.name
    ticket.pending_outcome = None
    ticket.record(now, manager, "reassigned", to=tech.user_id)


def file_question(ticket: Ticket, now: datetime, reply_by: datetime | None) -> None:
    """A question the bot cannot answer goes straight to the store's managers, the SOP's
    specialists (我会通知公司的专门人员为你解答), with the latest reply time the policy gives:
    never a technician and no contact deadline; the reply time is watched like an
    escalation's."""
    _require(ticket.state is State.DRAFT, Reason.STALE)
    ticket.confirmed_at = now.isoformat()
    ticket.awaiting = None
    ticket.state = State.ESCALATED
    ticket.reply_by = reply_by.isoformat() if reply_by else None
    ticket.record(now, ticket.customer_id, "question_filed", kind=ticket.kind.value,
                  reply_by=ticket.reply_by)


def turn_urgent(ticket: Ticket, now: datetime, urgency: tuple[Urgency, ...],
                words: tuple[str, ...], sooner: datetime | None) -> bool:
    """A follow-up shows what the first message did not ("现在冒烟了"): its reasons are added,
    and while nobody has contacted the customer the contact deadline becomes ``sooner`` (the
    shortest the store allows) when that is earlier. True when the ticket was not urgent
    before: the managers are told once."""
    new = [(u, w) for u, w in zip(urgency, words, strict=True) if u not in ticket.urgency]
    if not new or not ticket.is_active:
        return False
    was_urgent = ticket.is_urgent
    ticket.urgency = [*ticket.urgency, *(u for u, _ in new)]
    ticket.urgency_words = [*ticket.urgency_words, *(w for _, w in new)]
    if (sooner is not None and ticket.contact_by
            and ticket.state in (State.NEW, State.OFFERED, State.CLAIMED)
            and sooner < datetime.fromisoformat(ticket.contact_by)):
        ticket.contact_by = sooner.isoformat()
    ticket.record(now, ticket.customer_id, "urgent", urgency=[u.value for u, _ in new],
                  contact_by=ticket.contact_by)
    return not was_urgent
