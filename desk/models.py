"""The records the desk keeps: tickets (with their audit trail) and customers.

A ticket starts as a *draft* holding the customer's words and the bot's restatement; only a
confirmed restatement becomes a numbered ticket. Records are plain dataclasses that round-trip
through JSON so the database can keep them in TinyDB.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import InitVar, asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from desk.files import TICKET_KEY, check_name
from desk.i18n import N_


class Kind(StrEnum):
    """The kinds of complaint in seed 002 (客户投诉定义), plus a plain question."""

    CONTRACT = "contract"  # 购销合同投诉
    QUALITY = "quality"  # 商品质量投诉
    SERVICE = "service"  # 服务投诉
    INQUIRY = "inquiry"  # not a complaint: the SOP's unclear-question path


KIND_LABELS = {
    Kind.CONTRACT: N_("Sales contract complaint"),
    Kind.QUALITY: N_("Product quality complaint"),
    Kind.SERVICE: N_("Service complaint"),
    Kind.INQUIRY: N_("Inquiry"),
}


class Want(StrEnum):
    """What the customer asks for; a ticket can ask for several (``Ticket.wants``)."""

    REFUND = "refund"
    EXCHANGE = "exchange"
    REPAIR = "repair"
    EXPLANATION = "explanation"
    APOLOGY = "apology"
    COMPENSATION = "compensation"  # damage, medical costs, losses
    DELIVERY = "delivery"  # late or missing goods or parts, a promised gift
    CONTACT = "contact"  # a manager or a responsible person calls the customer
    OTHER = "other"


WANT_LABELS = {
    Want.REFUND: N_("Refund"),
    Want.EXCHANGE: N_("Exchange"),
    Want.REPAIR: N_("Repair"),
    Want.EXPLANATION: N_("An explanation"),
    Want.APOLOGY: N_("An apology"),
    Want.COMPENSATION: N_("Compensation"),
    Want.DELIVERY: N_("Delivery"),
    Want.CONTACT: N_("A call from a manager"),
    Want.OTHER: N_("Something else"),
}

# The wants in a sentence: "您希望我们{退款和正式道歉}".
WANT_PHRASES = {
    Want.REFUND: N_("a refund"),
    Want.EXCHANGE: N_("an exchange"),
    Want.REPAIR: N_("a repair"),
    Want.EXPLANATION: N_("an explanation"),
    Want.APOLOGY: N_("a formal apology"),
    Want.COMPENSATION: N_("compensation for the damage"),
    Want.DELIVERY: N_("the goods delivered"),
    Want.CONTACT: N_("a call from a responsible person"),
    Want.OTHER: N_("something else done"),
}


class Urgency(StrEnum):
    """Why a ticket cannot wait for the day's deadline."""

    SAFETY = "safety"  # smoke, fire, burns, electric shock, food poisoning, an injured person
    THREAT = "threat"  # 12315, 消协/消保, media, lawyer, police, a bad review


URGENCY_LABELS = {
    Urgency.SAFETY: N_("safety risk"),
    Urgency.THREAT: N_("threatens to go to the authorities, the media or a lawyer"),
}


class State(StrEnum):
    DRAFT = "draft"  # restated, waiting for the customer's confirmation
    NEW = "new"  # confirmed, open to the whole staff group
    OFFERED = "offered"  # confirmed, offered to the on-duty technician
    CLAIMED = "claimed"  # a technician owns it
    CONTACTED = "contacted"  # the technician has reached the customer
    ESCALATED = "escalated"  # "can't solve here": with the store's managers
    DONE = "done"  # service done, with outcome and report


STATE_LABELS = {
    State.DRAFT: N_("Draft"),
    State.NEW: N_("Waiting for a technician"),
    State.OFFERED: N_("Offered to a technician"),
    State.CLAIMED: N_("Claimed"),
    State.CONTACTED: N_("Customer contacted"),
    State.ESCALATED: N_("Escalated to a manager"),
    State.DONE: N_("Service done"),
}

# A customer's follow-up messages attach to a ticket in one of these states.
ACTIVE_STATES = frozenset(
    {State.NEW, State.OFFERED, State.CLAIMED, State.CONTACTED, State.ESCALATED}
)


class Outcome(StrEnum):
    """The three outcomes of seed 003."""

    SOLVED = "solved"  # 问题可以立即圆满解决
    PARTLY = "partly"  # 问题可以局部解决
    UNSOLVED = "unsolved"  # 问题短期内,或根本上不能解决


OUTCOME_LABELS = {
    Outcome.SOLVED: N_("Solved"),
    Outcome.PARTLY: N_("Partly solved"),
    Outcome.UNSOLVED: N_("Cannot be solved for now"),
}


def new_key() -> str:
    """A short random key; drafts have no number yet, so buttons address them by key."""
    return secrets.token_hex(4)


@dataclass
class Event:
    """One step of a ticket's audit trail: when, who, what."""

    at: str  # ISO 8601, UTC
    actor: int  # Telegram user id; 0 for the bot itself
    action: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Ticket:
    key: str
    store_id: str
    customer_id: int
    customer_name: str
    language: str
    text: str
    kind: Kind
    created_at: str
    # Only for building a ticket with one want (old callers, tests): it becomes ``wants``.
    want: InitVar[Want | None] = None
    # What the customer asks for, in the reading's order; the first is the main one.
    wants: list[Want] = field(default_factory=list)
    product: str | None = None
    # Safety or a threat: the manager is told at once and the contact deadline is the shortest.
    urgency: list[Urgency] = field(default_factory=list)
    # The customer's words that made it urgent ("冒烟", "12315"), for the card.
    urgency_words: list[str] = field(default_factory=list)
    photos: list[str] = field(default_factory=list)
    # The customer's media of the complaint itself (message ids in their chat, with the kind),
    # copied under the card once it is posted.
    attachments: list[dict[str, Any]] = field(default_factory=list)
    state: State = State.DRAFT
    number: int | None = None
    confirmed_at: str | None = None
    awaiting: str | None = None  # what the customer is asked for next: "want" or "text"
    assignee_id: int | None = None
    assignee_name: str | None = None
    passed_by: list[int] = field(default_factory=list)
    # A service complaint naming a technician of the roster is never offered to them.
    complained_about: int | None = None
    # No longer written (replies are routed by the hot file's routes); read so older files load.
    thread_message_ids: list[int] = field(default_factory=list)
    card_message_id: int | None = None
    # Topics mode (outbox/topics.py): the ticket's forum topic in the staff group (its thread
    # id), the name last asked for, and whether it is closed. ``topic`` marks a ticket whose
    # messages go into its topic.
    topic: bool = False
    topic_id: int | None = None
    topic_title: str | None = None
    topic_closed: bool = False
    restatement_message_id: int | None = None
    followups: list[dict[str, str]] = field(default_factory=list)
    outcome: Outcome | None = None
    pending_outcome: Outcome | None = None
    report_prompt_id: int | None = None
    note_prompt_id: int | None = None  # a reply to this prompt is a staff note on the customer
    vip: bool = False
    report: str | None = None
    reply_by: str | None = None
    # The promises (schedules/): each due time is stored with the ticket, and each send is
    # marked done in the same record before it goes out, so a restart never repeats one.
    contact_by: str | None = None  # the same-day contact deadline (日落原则)
    contact_reminded: bool = False
    nudged_at: str | None = None  # the last "still unclaimed" nudge to the group
    missed: bool = False  # the contact deadline passed without contact (遗漏)
    long_wait_alerted: bool = False  # managers told it waits over more than one closed day
    retry_at: str | None = None  # "called, no answer": when to remind the technician to retry
    reply_reminded: bool = False
    reply_missed: bool = False
    callback_at: str | None = None  # the satisfaction callback (电话跟踪)
    callback_sent: bool = False
    callback_reminded: bool = False
    survey: dict[str, Any] | None = None
    feedback: list[dict[str, Any]] = field(default_factory=list)  # 技术服务反馈表, archived
    events: list[Event] = field(default_factory=list)

    def __post_init__(self, want: Want | None) -> None:
        if want is not None and not self.wants:
            self.wants = [want]

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def is_urgent(self) -> bool:
        return bool(self.urgency)

    def missed_deadline(self) -> datetime | None:
        """The contact deadline last missed, while the miss stands (``missed``); the promise
        renewed after it is ``contact_by``, watched like the first."""
        if not self.missed:
            return None
        deadline = next((e.detail.get("deadline") for e in reversed(self.events)
                         if e.action == "missed"), None) or self.contact_by
        return datetime.fromisoformat(deadline) if deadline else None

    def record(self, at: datetime, actor: int, action: str, **detail: Any) -> None:
        self.events.append(Event(at=at.isoformat(), actor=actor, action=action, detail=detail))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        # Plain strings, not enum members: stored documents compare at C speed.
        for name in ("kind", "state", "outcome", "pending_outcome"):
            if data[name] is not None:
                data[name] = data[name].value
        data["wants"] = [w.value for w in self.wants]
        data["urgency"] = [u.value for u in self.urgency]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Ticket:
        data = dict(data)
        # Read from a data file: the key names the ticket's side file, the dates its month file.
        check_name(TICKET_KEY, data.get("key"), "the ticket key")
        for name in ("created_at", "confirmed_at"):
            if data.get(name) is not None:
                datetime.fromisoformat(data[name])
        if data.get("number") is not None and type(data["number"]) is not int:
            raise ValueError(f"the ticket number {data['number']!r} is not a number")
        # Fresh lists: the store's cached documents must never change through a Ticket.
        data["photos"] = list(data.get("photos", []))
        data["attachments"] = [dict(a) for a in data.get("attachments", [])]
        data["passed_by"] = list(data.get("passed_by", []))
        data["thread_message_ids"] = list(data.get("thread_message_ids", []))
        data["followups"] = [dict(f) for f in data.get("followups", [])]
        if data.get("survey") is not None:
            data["survey"] = json.loads(json.dumps(data["survey"]))
        data["feedback"] = json.loads(json.dumps(data.get("feedback", [])))
        data["kind"] = Kind(data["kind"])
        data["state"] = State(data["state"])
        # Files written before wants were a set hold one "want": it is the set of that one.
        old = data.pop("want", None)
        wants = data.get("wants")
        data["wants"] = ([Want(w) for w in wants] if wants is not None
                         else [Want(old)] if old is not None else [])
        data["urgency"] = [Urgency(u) for u in data.get("urgency", [])]
        data["urgency_words"] = list(data.get("urgency_words", []))
        for name, enum in (("outcome", Outcome), ("pending_outcome", Outcome)):
            if data.get(name) is not None:
                data[name] = enum(data[name])
        data["events"] = [Event(at=e["at"], actor=e["actor"], action=e["action"],
                                detail=dict(e.get("detail", {}))) for e in data.get("events", [])]
        return cls(**data)


@dataclass
class Customer:
    user_id: int
    name: str
    language: str | None = None  # set by /language; otherwise Telegram's language_code decides
    telegram_language: str | None = None  # the last language_code Telegram sent for this user
    store_id: str | None = None
    phone: str | None = None
    contact_name: str | None = None  # the name on the contact they shared ("张伟")
    phone_declined: bool = False
    blocked: bool = False  # the customer blocked the bot; sends to them are pointless
    closed_tickets: list[int] = field(default_factory=list)
    # Seed 001: 对客户进行精确的分级; seed 004: the hotel that knows its regular.
    tier: str | None = None  # "regular" or "vip", set by staff
    notes: list[dict[str, Any]] = field(default_factory=list)  # staff notes: at, by, text
    # "<store>:<date>", one a day per store: a scan of the store's QR code link, or staff
    # recording the visit from a ticket's card.
    visits: list[str] = field(default_factory=list)
    completed: int = 0  # tickets whose service was done (recorded; makes nobody a regular)
    greetings: bool = True  # consent to holiday greetings (/greetings off)
    # The forum topics of their archived tickets, [number, thread id], so that a new
    # ticket's topic links the previous ones (outbox/topics.py).
    topics: list[list[int]] = field(default_factory=list)

    @property
    def stores(self) -> set[str]:
        visited = {v.split(":", 1)[0] for v in self.visits}
        return visited | ({self.store_id} if self.store_id else set())

    def is_regular(self, rule: int) -> bool:
        """A regular comes back (seed 004): marked by staff, or ``rule`` recorded visits.
        Complaints, however many, do not count (issue 19, item 9)."""
        return self.tier in (TIER_REGULAR, TIER_VIP) or len(self.visits) >= rule

    def record_visit(self, store_id: str, day: date) -> bool:
        """Count a visit, one a day per store; False when today's is already counted."""
        visit = f"{store_id}:{day.isoformat()}"
        if visit in self.visits:
            return False
        self.visits.append(visit)
        return True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Customer:
        return cls(**{**data, "closed_tickets": list(data.get("closed_tickets", [])),
                      "notes": [dict(n) for n in data.get("notes", [])],
                      "visits": list(data.get("visits", [])),
                      "topics": [list(x) for x in data.get("topics", [])]})


TIER_REGULAR = "regular"
TIER_VIP = "vip"
TIER_LABELS = {TIER_REGULAR: N_("Regular"), TIER_VIP: N_("VIP")}


def _get_want(ticket: Ticket) -> Want | None:
    return ticket.wants[0] if ticket.wants else None


def _set_want(ticket: Ticket, want: Want | None) -> None:
    ticket.wants = [want] if want is not None else []


# ``ticket.want``: the main want (the first), for readers that show one; setting it sets the
# set to that one want. Assigned after the dataclass is built, as ``want`` is an init-only field.
# mypy sees only the init-only field, which is not a class attribute.
Ticket.want = property(_get_want, _set_want)  # type: ignore[attr-defined]
