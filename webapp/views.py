"""What the desk's API answers: tickets, search results and trends as JSON, in the manager's
language, with dates in each store's time zone. The page shows these strings as text
(never as HTML), so nothing here is escaped but the server-drawn charts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from desk.config import StoreConfig
from desk.context import Desk
from desk.i18n import Translator
from desk.listing import deadline, decide_by, needs_manager, overdue, taken_by
from desk.models import (
    KIND_LABELS,
    OUTCOME_LABELS,
    STATE_LABELS,
    URGENCY_LABELS,
    WANT_LABELS,
    Kind,
    State,
)
from desk.policy import ReplyOption, may_handle
from desk.search import Row
from desk.survey import DRIVERS, SOLVED_LABELS, quality_index, survey_records
from desk.text import field_name
from desk.trends import Controls, Trends
from outbox.views import reply_choice_label
from webapp import charts
from webapp.texts import ACTION_LABELS


def _when(t: Translator, iso: str | None, store: StoreConfig) -> str:
    return t.datetime(datetime.fromisoformat(iso), store.timezone) if iso else ""


def _promised(t: Translator, iso: str | None, store: StoreConfig, now: datetime) -> str:
    """A promised time as the manager reads it: 今天 16:45, 明天 09:30, else the date."""
    return t.when(datetime.fromisoformat(iso), store.timezone, now) if iso else ""


def _phone_link(phone: str | None) -> str:
    """A tap-to-call link: ``tel:`` and the digits (a leading + kept), nothing else."""
    if not phone:
        return ""
    digits = "".join(ch for ch in phone if ch.isascii() and ch.isdigit())
    if not digits:
        return ""
    return "tel:" + ("+" if phone.strip().startswith("+") else "") + digits


def _offered_to(ticket) -> str:
    return (ticket.assignee_name or "") if ticket.state is State.OFFERED else ""


def _label(t: Translator, labels: dict, value: Any) -> str:
    try:
        return t.gettext(labels[value])
    except KeyError:
        return str(value or "")


def ticket_line(t: Translator, desk: Desk, ticket, now: datetime) -> dict[str, Any]:
    """One line of the open tickets' list."""
    store = desk.display_store(ticket.store_id)
    due = deadline(ticket, store)
    return {"number": ticket.number, "store": ticket.store_id, "store_name": store.name,
            "state": ticket.state.value, "state_label": _label(t, STATE_LABELS, ticket.state),
            "kind": ticket.kind.value, "kind_label": _label(t, KIND_LABELS, ticket.kind),
            "customer": ticket.customer_name, "product": ticket.product or "",
            # Offered is not taken: the technician has not accepted it yet.
            "assignee": (ticket.assignee_name or "") if taken_by(ticket) else "",
            "offered_to": _offered_to(ticket),
            "deadline": t.when(due, store.timezone, now) if due else "",
            "needs_manager": needs_manager(ticket),
            "overdue": overdue(ticket, now, store),
            "urgent": _urgency(t, ticket)}


def _urgency(t: Translator, ticket) -> str:
    """Why the ticket is urgent ("safety risk"), or "" when it is not."""
    return t.gettext(", ").join(t.gettext(URGENCY_LABELS[u]) for u in ticket.urgency)


def search_line(t: Translator, desk: Desk, row: Row) -> dict[str, Any]:
    store = desk.display_store(row.store_id)
    return {"number": row.number, "store": row.store_id, "store_name": store.name,
            "state": row.state, "state_label": _label(t, STATE_LABELS, _enum(State, row.state)),
            "kind_label": _label(t, KIND_LABELS, _enum(Kind, row.kind)),
            "customer": row.customer_name, "product": row.product,
            "assignee": row.assignee_name, "confirmed": _when(t, row.confirmed_at, store),
            "text": row.text[:120], "archived": row.month is not None}


def _enum(enum, value: str):
    try:
        return enum(value)
    except ValueError:
        return value


def _person(desk: Desk, store: StoreConfig, ticket, actor: int) -> str:
    if actor == 0:
        return "Sundown"
    if actor == ticket.customer_id:
        return ticket.customer_name
    tech = store.technician(actor)
    if tech is not None:
        return tech.name
    profile = desk.db.customer(actor)
    return profile.name if profile else str(actor)


def ticket_detail(t: Translator, desk: Desk, ticket, followups: list[dict[str, Any]],
                  phone: str | None, now: datetime, archived: bool,
                  reply_choices: list[ReplyOption]) -> dict[str, Any]:
    """One ticket whole: the card's facts, the conversation and audit trail in order, the
    feedback record, and what a manager may still decide on it."""
    store = desk.display_store(ticket.store_id)
    said = [{"at": e.at, "who": e.detail.get("name") or _person(desk, store, ticket, e.actor),
             "role": e.detail.get("role", "staff"),
             "text": e.detail.get("text") or f"[{e.detail.get('media', '')}]"}
            for e in ticket.events if e.action == "said"]
    wrote = [{"at": f["at"], "who": ticket.customer_name, "role": "customer",
              "text": f.get("text", "")} for f in followups]
    conversation = sorted(said + wrote, key=lambda line: line["at"])
    for line in conversation:
        line["when"] = _when(t, line.pop("at"), store)
    audit = [{"when": _when(t, e.at, store), "who": _person(desk, store, ticket, e.actor),
              "action": _label(t, ACTION_LABELS, e.action)} for e in ticket.events]
    feedback = []
    for record in survey_records(ticket):
        drivers = record.get("drivers") or {}
        feedback.append({
            "answered": _when(t, record.get("answered_at"), store),
            "overall": record.get("overall"),
            "solved": _label(t, SOLVED_LABELS, record.get("solved")),
            "drivers": [{"label": t.gettext(label), "score": drivers[name]}
                        for name, _w, label in DRIVERS if name in drivers],
            "quality_index": quality_index(drivers),
            "comment": record.get("comment") or ""})
    active = ticket.is_active and desk.store(ticket.store_id) is not None
    customer = field_name(ticket.customer_name) or "—"

    def reply_choice(option: ReplyOption) -> dict[str, Any]:
        return {"choice": option.key, "label": reply_choice_label(t, store, option, now),
                "confirm": t.gettext(
                    "The customer {customer} will be told: the latest reply time is {time}; "
                    "the card in the staff group is updated.").format(
                        customer=customer, time=t.when(option.at, store.timezone, now))}

    def hand_over(name: str) -> str:
        return t.gettext(
            "{technician} will be told that ticket #{number} is now theirs, and the customer "
            "{customer} that {technician} will contact them.").format(
                technician=field_name(name), number=ticket.number, customer=customer)

    waiting = ticket.is_active and needs_manager(ticket)
    return {
        "number": ticket.number, "store": ticket.store_id, "store_name": store.name,
        "state": ticket.state.value, "state_label": _label(t, STATE_LABELS, ticket.state),
        "kind_label": _label(t, KIND_LABELS, ticket.kind),
        "want_label": t.gettext(", ").join(_label(t, WANT_LABELS, w) for w in ticket.wants),
        "urgent": _urgency(t, ticket),
        "customer": ticket.customer_name, "phone": phone or "", "product": ticket.product or "",
        "text": ticket.text, "confirmed": _when(t, ticket.confirmed_at, store),
        "phone_link": _phone_link(phone),
        "assignee": (ticket.assignee_name or "") if taken_by(ticket) else "",
        "offered_to": _offered_to(ticket),
        "contact_by": _promised(t, ticket.contact_by, store, now),
        "reply_by": _promised(t, ticket.reply_by, store, now),
        "needs_manager": waiting,
        "decide_by": t.when(decide_by(ticket, store), store.timezone, now) if waiting else "",
        "overdue": ticket.is_active and overdue(ticket, now, store),
        "outcome": _label(t, OUTCOME_LABELS, ticket.outcome) if ticket.outcome else "",
        "report": ticket.report or "", "archived": archived,
        "conversation": conversation, "audit": audit, "feedback": feedback,
        "actions": {
            # The option's key, sent back as is: the time is looked up again on the server.
            "reply_choices": [reply_choice(o) for o in reply_choices],
            "technicians": [{"id": tech.user_id, "name": tech.name,
                             "confirm": hand_over(tech.name)}
                            for tech in store.technicians
                            if may_handle(ticket, tech.user_id)
                            and tech.user_id != ticket.assignee_id] if active else [],
        },
    }


def _percent(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"


def _minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def controls_view(c: Controls) -> dict[str, Any]:
    return {"complaint_rate": _percent(c.complaint_rate),
            "miss_rate": _percent(c.miss_rate),
            "missed": c.missed, "deadlines_due": c.deadlines_due,
            "dissatisfaction_rate": _percent(c.dissatisfaction_rate),
            "low": c.low, "answered": c.answered, "complaints": c.complaints,
            "contact_median": _minutes(c.contact_median),
            "contact_p90": _minutes(c.contact_p90)}


def trends_view(t: Translator, store: StoreConfig, trends: Trends,
                texts: dict[str, str]) -> dict[str, Any]:
    s = trends.store
    techs = [(tech.name, trends.technicians.get(tech.user_id)) for tech in store.technicians]
    techs = [(name, c) for name, c in techs if c is not None]
    controls = charts.bars(texts["store_controls"], [
        (texts["complaint_rate"], s.complaint_rate,
         _percent(s.complaint_rate) if s.complaint_rate is not None else texts["no_served"]),
        (texts["miss_rate"], s.miss_rate, _percent(s.miss_rate)),
        (texts["dissatisfaction_rate"], s.dissatisfaction_rate,
         _percent(s.dissatisfaction_rate)),
    ], maximum=max([v for v in (s.complaint_rate, s.miss_rate, s.dissatisfaction_rate)
                    if v is not None] + [0.1]))
    contact = charts.bars(texts["contact_times"], [
        (texts["median"], s.contact_median, _minutes(s.contact_median)),
        (texts["p90"], s.contact_p90, _minutes(s.contact_p90)),
    ] + [(name, c.contact_median, _minutes(c.contact_median)) for name, c in techs])
    misses = charts.bars(texts["miss_rate"], [(name, c.miss_rate, _percent(c.miss_rate))
                                              for name, c in techs], maximum=1.0)
    unhappy = charts.bars(texts["dissatisfaction_rate"], [
        (name, c.dissatisfaction_rate, _percent(c.dissatisfaction_rate))
        for name, c in techs], maximum=1.0)
    daily = charts.daily(texts["daily"], trends.daily, t.date(trends.first),
                         t.date(trends.last))
    return {
        "store": store.id, "store_name": store.name, "days": trends.days,
        "first": t.date(trends.first), "last": t.date(trends.last),
        "controls": controls_view(s),
        "technicians": [{"name": name, **controls_view(c)} for name, c in techs],
        "charts": {"controls": controls, "contact": contact, "misses": misses,
                   "dissatisfaction": unhappy, "daily": daily},
        "recurring": [{"label": r.label, "count": len(r.numbers), "numbers": r.numbers,
                       "fed_back": r.key in trends.fed_back} for r in trends.recurring],
    }
