"""The manager's daily digest: Haier's three controls and four no-misses (seed 001), in figures.

Everything is computed from the tickets' audit trails, so a digest for any past day gives the
same figures it gave that evening. Periods are days in the store's time zone: the digest's
day, and the 7 days ending with it.

- Three controls (三个控制): complaint rate (complaints / customers served, only when a manager
  reported the served count), miss rate (contact deadlines missed / deadlines passed), and
  dissatisfaction rate (low scores / answered callbacks).
- Four no-misses (四个不漏): every problem recorded, handled, re-checked and fed back. The audit
  lists tickets that fell out of that loop, and recurring products or issues (3+ in 30 days)
  not yet marked as fed back to design, production and operations.
"""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from desk.config import StoreConfig
from desk.models import Kind, Ticket
from desk.storage import load_tickets
from desk.survey import DRIVERS, is_low, quality_index, survey_records

WEEK = 7
CHART_DAYS = 14
RECURRENCE_DAYS = 30
RECURRENCE_MIN = 3
SIMILAR_TEXT = 0.45  # Jaccard similarity of character bigrams that makes two texts "the same"
CONTACT_ACTIONS = ("contacted", "manager_answered")
CLAIM_ACTIONS = ("claimed", "accepted", "reassigned")
UNANSWERED_AFTER = timedelta(hours=24)


@dataclass
class TechnicianFigures:
    name: str
    claimed: int = 0
    contacted_on_time: int = 0
    scores: list[int] = field(default_factory=list)
    guard_hits: int = 0  # messages to customers the phrase guard stopped (SOP section 4)

    @property
    def average_score(self) -> float | None:
        return round(statistics.fmean(self.scores), 1) if self.scores else None


@dataclass
class Figures:
    """One period's figures."""

    new_by_kind: dict[Kind, int] = field(default_factory=lambda: dict.fromkeys(Kind, 0))
    contact_minutes: list[float] = field(default_factory=list)
    deadlines_due: int = 0
    missed: int = 0
    answered: int = 0
    low: int = 0
    complaints: int = 0
    served: int | None = None
    quality: list[float] = field(default_factory=list)
    drivers: dict[str, list[int]] = field(default_factory=dict)
    technicians: dict[int, TechnicianFigures] = field(default_factory=dict)

    @property
    def new_total(self) -> int:
        return sum(self.new_by_kind.values())

    @property
    def contact_median(self) -> float | None:
        return statistics.median(self.contact_minutes) if self.contact_minutes else None

    @property
    def contact_p90(self) -> float | None:
        return percentile(self.contact_minutes, 90)

    @property
    def miss_rate(self) -> float | None:
        return self.missed / self.deadlines_due if self.deadlines_due else None

    @property
    def dissatisfaction_rate(self) -> float | None:
        return self.low / self.answered if self.answered else None

    @property
    def complaint_rate(self) -> float | None:
        return self.complaints / self.served if self.served else None

    @property
    def quality_index(self) -> float | None:
        return round(statistics.fmean(self.quality), 1) if self.quality else None

    def driver_average(self, name: str) -> float | None:
        scores = self.drivers.get(name)
        return round(statistics.fmean(scores), 1) if scores else None


@dataclass
class Recurring:
    key: str  # "p:<product>" or "t:<first ticket number>"
    label: str
    numbers: list[int]

    @property
    def token(self) -> str:
        """A short, stable id for buttons (callback data is limited to 64 bytes)."""
        return hashlib.sha1(self.key.encode()).hexdigest()[:8]


@dataclass
class Digest:
    store_id: str
    day: date
    today: Figures
    week: Figures
    open_now: int
    overdue_now: int
    escalations_waiting: int
    gaps: dict[str, list[int]]
    recurring: list[Recurring]
    chart: list[tuple[date, dict[Kind, int], int]]
    # Messages the outbox gave up on (id, kind, number, error): listed once, then dropped.
    undelivered: list[dict[str, Any]] = field(default_factory=list)
    # Open tickets of stores no longer in the config: store id -> numbers. They stay where
    # they are (never posted to another store's group) until the store comes back.
    orphaned: dict[str, list[int]] = field(default_factory=dict)
    # When the bot was not running, in the 24 hours before the digest: (from, to) spans.
    downtime: list[tuple[datetime, datetime]] = field(default_factory=list)


def percentile(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def day_bounds(store: StoreConfig, day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=store.timezone)
    return start, start + timedelta(days=1)


def _at(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


def _when(iso: str) -> datetime:
    """A time the record always has (a survey's answer, a confirmed ticket's confirmation)."""
    return datetime.fromisoformat(iso)


def _events(ticket: Ticket, until: datetime) -> list[tuple[datetime, Any]]:
    return [(t, e) for e in ticket.events if (t := datetime.fromisoformat(e.at)) < until]


def _surveys(ticket: Ticket) -> list[dict[str, Any]]:
    """Every answered callback of a ticket."""
    return [r for r in survey_records(ticket) if r.get("answered_at")]


def figures(store: StoreConfig, tickets: Iterable[Ticket], start: datetime, end: datetime,
            served: dict[date, int], until: datetime | None = None) -> Figures:
    """The figures of one period [start, end), as of ``until``: the miss rate counts only the
    deadlines that have passed by then (one due tonight is neither kept nor missed yet)."""

    def passed(moment: datetime | None) -> bool:
        return moment is not None and inside(moment) and (until is None or moment <= until)
    result = Figures()
    for tech in store.technicians:
        result.technicians[tech.user_id] = TechnicianFigures(tech.name)

    def inside(moment: datetime | None) -> bool:
        return moment is not None and start <= moment < end

    for ticket in tickets:
        confirmed = _at(ticket.confirmed_at)
        if inside(confirmed):
            result.new_by_kind[ticket.kind] += 1
            if ticket.kind is not Kind.INQUIRY:
                result.complaints += 1
        missed_before_contact = False
        first_contact_seen = False
        for event in ticket.events:
            moment = datetime.fromisoformat(event.at)
            # A promise renewed after a miss is a deadline of its own.
            if event.action in ("confirmed", "reopened", "promise_renewed") and passed(
                    _at(event.detail.get("contact_by"))):
                result.deadlines_due += 1
            if event.action == "missed":
                missed_before_contact = True
                if inside(_at(event.detail.get("deadline"))):
                    result.missed += 1
            if event.action in CLAIM_ACTIONS and inside(moment):
                owner = event.detail.get("to", event.actor)
                if owner in result.technicians:
                    result.technicians[owner].claimed += 1
            if event.action in CONTACT_ACTIONS:
                if not first_contact_seen and confirmed is not None and inside(moment):
                    result.contact_minutes.append((moment - confirmed).total_seconds() / 60)
                first_contact_seen = True
                if inside(moment) and not missed_before_contact and event.actor in \
                        result.technicians:
                    result.technicians[event.actor].contacted_on_time += 1
            if event.action == "reopened":
                missed_before_contact = False
            if event.action == "guard_blocked" and inside(moment) \
                    and event.actor in result.technicians:
                result.technicians[event.actor].guard_hits += 1
        for survey in _surveys(ticket):
            if not inside(_at(survey["answered_at"])):
                continue
            result.answered += 1
            result.low += is_low(survey)
            tech_id = survey.get("technician")
            if tech_id in result.technicians and survey.get("overall") is not None:
                result.technicians[tech_id].scores.append(survey["overall"])
            drivers = survey.get("drivers") or {}
            index = quality_index(drivers)
            if index is not None:
                result.quality.append(index)
            for name, _weight, _label in DRIVERS:
                if name in drivers:
                    result.drivers.setdefault(name, []).append(drivers[name])
    days = [start.date() + timedelta(days=i) for i in range((end - start).days)]
    if days and all(d in served for d in days):
        result.served = sum(served[d] for d in days)
    return result


def _state_at(ticket: Ticket, until: datetime) -> dict[str, Any]:
    """What the audit trail says about a ticket at ``until``."""
    state: dict[str, Any] = {"open": False, "claimed": False, "contacted_since_reopen": False,
                             "missed": False, "escalated": False, "reopened_by": None,
                             "done": False}
    for _moment, event in _events(ticket, until):
        action = event.action
        if action == "confirmed":
            state["open"] = True
        elif action in CLAIM_ACTIONS:
            state["claimed"] = True
            state["escalated"] = state["escalated"] and action != "reassigned"
        elif action in CONTACT_ACTIONS:
            state["contacted_since_reopen"] = True
            state["escalated"] = False
        elif action == "missed":
            state["missed"] = True
        elif action == "escalated":
            state["escalated"] = True
        elif action == "done":
            state["open"], state["done"] = False, True
        elif action == "reopened":
            state.update(open=True, done=False, contacted_since_reopen=False, missed=False,
                         reopened_by=_at(event.detail.get("contact_by")))
    return state


def _gaps(tickets: list[Ticket], until: datetime) -> dict[str, list[int]]:
    gaps: dict[str, list[int]] = {"never_claimed": [], "done_unanswered": [],
                                  "reopened_uncontacted": [], "low_score_no_followup": []}
    for ticket in tickets:
        number = ticket.number
        if number is None:
            continue
        state = _state_at(ticket, until)
        events = _events(ticket, until)
        if state["open"] and not state["claimed"] and state["missed"]:
            gaps["never_claimed"].append(number)
        asked = [m for m, e in events if e.action == "callback_sent"]
        answered = [m for m, e in events if e.action == "survey_answer"
                    and e.detail.get("step") == "s"]
        unanswered = any(e.action == "callback_unanswered" for _, e in events)
        if asked and (unanswered or (not answered and asked[-1] + UNANSWERED_AFTER <= until)):
            gaps["done_unanswered"].append(number)
        if state["reopened_by"] is not None and not state["contacted_since_reopen"] and \
                state["reopened_by"] <= until:
            gaps["reopened_uncontacted"].append(number)
        for survey in _surveys(ticket):
            answered_at = _when(survey["answered_at"])
            if answered_at >= until or not is_low(survey):
                continue
            followed = any(m > answered_at and e.action in CONTACT_ACTIONS for m, e in events)
            if not followed:
                gaps["low_score_no_followup"].append(number)
                break
    return {k: sorted(set(v)) for k, v in gaps.items()}


def _bigrams(text: str) -> set[str]:
    text = "".join(text.lower().split())
    return {text[i:i + 2] for i in range(len(text) - 1)} or {text}


def recurring(tickets: list[Ticket], since: datetime, until: datetime,
              fed_back: set[str]) -> list[Recurring]:
    """Products or issues that came back 3+ times in the window, not yet marked fed back."""
    recent = sorted(((t.number, t) for t in tickets if t.number is not None
                     and (c := _at(t.confirmed_at)) is not None and since <= c < until),
                    key=lambda pair: pair[0])
    groups: list[Recurring] = []
    by_product: dict[str, Recurring] = {}
    texts: list[tuple[set[str], Recurring]] = []
    for number, ticket in recent:
        if ticket.product:
            key = "p:" + ticket.product.lower()
            group = by_product.setdefault(key, Recurring(key, ticket.product, []))
            group.numbers.append(number)
            continue
        grams = _bigrams(ticket.text)
        for seen, group in texts:
            if len(grams & seen) / len(grams | seen) >= SIMILAR_TEXT:
                group.numbers.append(number)
                break
        else:
            group = Recurring(f"t:{number}", ticket.text[:30], [number])
            texts.append((grams, group))
    groups = list(by_product.values()) + [g for _, g in texts]
    return [g for g in groups if len(g.numbers) >= RECURRENCE_MIN and g.key not in fed_back]


def compute(store: StoreConfig, tickets: list[Ticket], day: date, now: datetime,
            served: dict[date, int], fed_back: set[str]) -> Digest:
    """The digest of ``store`` for ``day``, as of ``now`` (or the day's end, if earlier)."""
    tickets = [t for t in tickets if t.store_id == store.id and t.number is not None]
    start, end = day_bounds(store, day)
    week_start = start - timedelta(days=WEEK - 1)
    until = min(now, end)
    states = [(_state_at(t, until), t) for t in tickets]
    chart_days = [day - timedelta(days=offset) for offset in range(CHART_DAYS - 1, -1, -1)]
    counts = {d: dict.fromkeys(Kind, 0) for d in chart_days}
    missed = dict.fromkeys(chart_days, 0)
    for ticket in tickets:  # one pass, not one per day: histories are long
        confirmed = _at(ticket.confirmed_at)  # a numbered ticket has been confirmed
        if confirmed is not None and \
                (confirmed_day := confirmed.astimezone(store.timezone).date()) in counts:
            counts[confirmed_day][ticket.kind] += 1
        for event in ticket.events:
            if event.action == "missed" and event.detail.get("deadline"):
                missed_day = _when(event.detail["deadline"]).astimezone(store.timezone).date()
                if missed_day in missed:
                    missed[missed_day] += 1
    chart = [(d, counts[d], missed[d]) for d in chart_days]
    return Digest(
        store_id=store.id,
        day=day,
        today=figures(store, tickets, start, end, served, until),
        week=figures(store, tickets, week_start, end, served, until),
        open_now=sum(1 for s, _ in states if s["open"]),
        overdue_now=sum(1 for s, _ in states if s["open"] and s["missed"]
                        and not s["contacted_since_reopen"]),
        escalations_waiting=sum(1 for s, _ in states if s["open"] and s["escalated"]),
        gaps=_gaps(tickets, until),
        recurring=recurring(tickets, end - timedelta(days=RECURRENCE_DAYS), end, fed_back),
        chart=chart,
    )


def digest_job(data_dir: Path, hot_snapshot: str, months: list[str], store: StoreConfig,
               day: date, now: datetime, served: dict[date, int], fed_back: set[str]) -> Digest:
    """The whole digest computation, for a worker process: reads the files itself."""
    tickets = load_tickets(data_dir, hot_snapshot, months)
    return compute(store, tickets, day, now, served, fed_back)
