"""The digest as a manager reads it: the day and the last 7 days side by side, the controls,
the technicians, the four no-misses audit, and buttons to mark recurring issues fed back."""

from __future__ import annotations

from html import escape

from babel.numbers import format_decimal, format_percent
from telegram import InlineKeyboardMarkup

from desk.buttons import Action, encode
from desk.config import StoreConfig
from desk.digest import Digest, Figures
from desk.i18n import N_, Translator
from desk.models import KIND_LABELS, Kind
from desk.survey import DRIVERS
from outbox.views import button

# Lists in a digest stop here, with "and N more": hundreds of numbers help nobody.
LISTED = 20
RECURRING_LISTED = 10

GAP_LABELS = {
    "never_claimed": N_("Recorded but never claimed, deadline missed"),
    "done_unanswered": N_("Done, callback not answered"),
    "reopened_uncontacted": N_("Reopened, not contacted again"),
    "low_score_no_followup": N_("Low score, no follow-up yet"),
}


def _number(t: Translator, value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return format_decimal(round(value, digits), locale=t.locale)


def _rate(t: Translator, part: int, whole: int | None, rate: float | None) -> str:
    if rate is None or whole is None:
        return "—"
    return f"{part}/{whole} ({format_percent(rate, '#0.#%', locale=t.locale)})"


def _minutes(t: Translator, value: float | None) -> str:
    if value is None:
        return "—"
    return t.gettext("{minutes} min").format(minutes=format_decimal(round(value), locale=t.locale))


def _labelled(t: Translator, label: str, value: str) -> str:
    return t.gettext("{label}: {value}").format(label=label, value=value)


def _pair(t: Translator, today: str, week: str) -> str:
    return t.gettext("{today} · 7 days: {week}").format(today=today, week=week)


def _controls(t: Translator, today: Figures, week: Figures) -> list[str]:
    _ = t.gettext
    return [
        _("Three controls:"),
        "  " + _("Complaint rate: {value}").format(value=_pair(
            t, _rate(t, today.complaints, today.served, today.complaint_rate),
            _rate(t, week.complaints, week.served, week.complaint_rate))),
        "  " + _("Miss rate: {value}").format(value=_pair(
            t, _rate(t, today.missed, today.deadlines_due, today.miss_rate),
            _rate(t, week.missed, week.deadlines_due, week.miss_rate))),
        "  " + _("Dissatisfaction rate: {value}").format(value=_pair(
            t, _rate(t, today.low, today.answered, today.dissatisfaction_rate),
            _rate(t, week.low, week.answered, week.dissatisfaction_rate))),
    ]


def digest_text(t: Translator, store: StoreConfig, digest: Digest) -> str:
    _ = t.gettext
    today, week = digest.today, digest.week
    lines = [
        _("📊 {store} · daily digest · {date}").format(store=escape(store.name),
                                                      date=t.date(digest.day)),
        "",
        _("New tickets: {value}").format(value=_pair(t, str(today.new_total),
                                                     str(week.new_total))),
    ]
    for kind in Kind:
        lines.append("  " + _labelled(t, _(KIND_LABELS[kind]), _pair(
            t, str(today.new_by_kind[kind]), str(week.new_by_kind[kind]))))
    lines += [
        _("Open: {open} · overdue: {overdue} · escalations waiting: {waiting}").format(
            open=digest.open_now, overdue=digest.overdue_now,
            waiting=digest.escalations_waiting),
        _("Time to first contact, median: {value}").format(value=_pair(
            t, _minutes(t, today.contact_median), _minutes(t, week.contact_median))),
        _("Time to first contact, 90th percentile: {value}").format(value=_pair(
            t, _minutes(t, today.contact_p90), _minutes(t, week.contact_p90))),
        "",
        *_controls(t, today, week),
        "",
        _("Service quality index: {value}").format(value=_pair(
            t, _number(t, today.quality_index), _number(t, week.quality_index))),
        "  " + " · ".join(f"{_(label)} {_number(t, week.driver_average(name))}"
                          for name, _w, label in DRIVERS) + " " + _("(7 days)"),
    ]
    if week.technicians:
        lines += ["", _("Technicians (7 days):")]
        for tech in week.technicians.values():
            lines.append("  " + _(
                "{name}: claimed {claimed} · contacted on time {on_time} · average score "
                "{score}").format(name=escape(tech.name), claimed=tech.claimed,
                                  on_time=tech.contacted_on_time,
                                  score=_number(t, tech.average_score))
                + (" · " + _("forbidden phrases stopped {count}").format(count=tech.guard_hits)
                   if tech.guard_hits else ""))
    lines += ["", _("Four no-misses:")]
    for key, label in GAP_LABELS.items():
        lines.append("  " + _labelled(t, _(label), _numbers(t, digest.gaps.get(key, []))))
    lines.append("  " + _("Recurring (3+ in 30 days), not yet fed back:"))
    if not digest.recurring:
        lines.append("    —")
    for item in digest.recurring[:RECURRING_LISTED]:
        lines.append("    · " + _("{label} ×{count}: {numbers}").format(
            label=escape(item.label), count=len(item.numbers),
            numbers=_numbers(t, item.numbers)))
    if len(digest.recurring) > RECURRING_LISTED:
        lines.append("    " + _more(t, len(digest.recurring) - RECURRING_LISTED))
    for start, end in digest.downtime:
        lines += ["", _("⚠️ I was not running from {start} to {end} ({minutes} min): messages "
                        "and deadlines of that time were handled when I came back.").format(
            start=t.datetime(start, store.timezone), end=t.datetime(end, store.timezone),
            minutes=int((end - start).total_seconds() // 60))]
    for store_id, numbers in sorted(digest.orphaned.items()):
        lines += ["", _("⚠️ Store “{store}” is no longer in the config; its open tickets stay "
                        "where they are: {numbers}").format(store=escape(store_id),
                                                             numbers=_numbers(t, numbers))]
    if digest.undelivered:
        lines += ["", _("Messages that could not be delivered: {count}").format(
            count=len(digest.undelivered))]
        for item in digest.undelivered[:LISTED]:
            ticket = f"#{item['number']} " if item.get("number") else ""
            lines.append(f"  · {ticket}{escape(item['kind'])}: {escape(item.get('error') or '')}")
        if len(digest.undelivered) > LISTED:
            lines.append("  " + _more(t, len(digest.undelivered) - LISTED))
    return "\n".join(lines)


def _more(t: Translator, count: int) -> str:
    return t.gettext("and {count} more").format(count=count)


def _numbers(t: Translator, numbers: list[int]) -> str:
    if not numbers:
        return "—"
    listed = " ".join(f"#{n}" for n in numbers[:LISTED])
    if len(numbers) > LISTED:
        listed += " " + _more(t, len(numbers) - LISTED)
    return listed


def digest_keyboard(t: Translator, store: StoreConfig,
                    digest: Digest) -> InlineKeyboardMarkup | None:
    if not digest.recurring:
        return None
    return InlineKeyboardMarkup([
        [button(t.gettext("✅ Fed back: {label}").format(label=item.label[:20]),
                encode(Action.FED_BACK, store.id, item.token))]
        for item in digest.recurring[:RECURRING_LISTED]
    ])


def chain_summary(t: Translator, digests: list[tuple[StoreConfig, Digest]]) -> str:
    _ = t.gettext
    day = digests[0][1].day
    lines = [_("🏬 Chain summary · {date}").format(date=t.date(day)), ""]
    totals = Figures()
    for store, digest in digests:
        today = digest.today
        lines.append(_("{store}: new {new} · open {open} · miss rate {miss} · "
                       "dissatisfaction {low}").format(
            store=escape(store.name), new=today.new_total, open=digest.open_now,
            miss=_rate(t, today.missed, today.deadlines_due, today.miss_rate),
            low=_rate(t, today.low, today.answered, today.dissatisfaction_rate)))
        totals.missed += today.missed
        totals.deadlines_due += today.deadlines_due
        totals.low += today.low
        totals.answered += today.answered
        for kind, count in today.new_by_kind.items():
            totals.new_by_kind[kind] += count
    lines += ["", _("All stores: new {new} · miss rate {miss} · dissatisfaction {low}").format(
        new=totals.new_total,
        miss=_rate(t, totals.missed, totals.deadlines_due, totals.miss_rate),
        low=_rate(t, totals.low, totals.answered, totals.dissatisfaction_rate))]
    return "\n".join(lines)
