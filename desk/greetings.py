"""Holiday greetings for regular customers (seed 004: 过年过节打个电话).

Which days: the first day of each greeted public holiday (from ``holidays``; never the make-up
or substituted days off), plus the store's own dates (its anniversary). Who: the store's
regulars who consented and can be reached. A customer with an open complaint, or a low score
in the last 30 days, gets no cheerful greeting; the manager gets their names to call instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from desk.calendar import public_holidays
from desk.config import StoreConfig
from desk.files import open_append, private_folder, read_private
from desk.i18n import N_
from desk.models import Customer, Ticket
from desk.survey import is_low, survey_records

# Our keys, the names the holidays package gives them, and what we call them.
HOLIDAYS = {
    "new_year": (("New Year's Day",), N_("New Year's Day")),
    "spring_festival": (("Chinese New Year (Spring Festival)",), N_("Spring Festival")),
    "labour_day": (("Labor Day", "Labour Day"), N_("Labour Day")),
    "dragon_boat": (("Dragon Boat Festival",), N_("Dragon Boat Festival")),
    "mid_autumn": (("Mid-Autumn Festival",), N_("Mid-Autumn Festival")),
    "national_day": (("National Day",), N_("National Day")),
}
LOW_SCORE_WINDOW = timedelta(days=30)
SKIP_REASONS = ("opted_out", "inactive", "open_complaint", "low_score")
TO_CALL = ("open_complaint", "low_score")  # the manager calls these instead


@dataclass(frozen=True)
class Occasion:
    day: date
    key: str  # "spring_festival", or "custom-11-28"
    name: str  # a message id for holidays; the store's own words for its custom dates
    custom: bool = False


def occasions(store: StoreConfig, year: int) -> list[Occasion]:
    """The days greeted in ``year``, in date order."""
    found: dict[str, Occasion] = {}
    calendar = public_holidays(store.holidays_country, store.holidays_subdivision, year)
    for day, names in sorted(calendar.items()):
        for name in names.split("; "):  # 2028: "Mid-Autumn Festival; National Day"
            for key in store.greetings.holidays:
                package_names, label = HOLIDAYS[key]
                if name in package_names and key not in found:  # first day only
                    found[key] = Occasion(day, key, label)
    result = list(found.values())
    for month, day_of_month, name in store.greetings.custom:
        try:
            result.append(Occasion(date(year, month, day_of_month),
                                   f"custom-{month:02d}-{day_of_month:02d}",
                                   name, custom=True))
        except ValueError:  # 29 February outside leap years
            continue
    return sorted(result, key=lambda o: (o.day, o.key))


def occasion_on(store: StoreConfig, day: date) -> Occasion | None:
    return next((o for o in occasions(store, day.year) if o.day == day), None)


def next_occasion(store: StoreConfig, today: date) -> Occasion | None:
    upcoming = [o for year in (today.year, today.year + 1) for o in occasions(store, year)
                if o.day >= today]
    return upcoming[0] if upcoming else None


@dataclass
class Plan:
    recipients: list[int] = field(default_factory=list)
    skipped: dict[str, list[int]] = field(default_factory=lambda: {r: [] for r in SKIP_REASONS})


def unhappy_customers(tickets: list[Ticket], now: datetime) -> tuple[set[int], set[int]]:
    """Customers with an open complaint, and those with a low score in the last 30 days."""
    open_complaints = {t.customer_id for t in tickets if t.is_active}
    low = set()
    for ticket in tickets:
        for survey in survey_records(ticket):
            answered = survey.get("answered_at")
            if answered and is_low(survey) and \
                    now - datetime.fromisoformat(answered) <= LOW_SCORE_WINDOW:
                low.add(ticket.customer_id)
    return open_complaints, low


def plan(store: StoreConfig, customers: list[Customer], open_complaints: set[int],
         low_scores: set[int]) -> Plan:
    """Who gets the greeting and who is skipped, and why; in a stable order."""
    result = Plan()
    for customer in sorted(customers, key=lambda c: c.user_id):
        if store.id not in customer.stores or \
                not customer.is_regular(store.greetings.regular_after):
            continue
        if not customer.greetings:
            result.skipped["opted_out"].append(customer.user_id)
        elif customer.blocked:
            result.skipped["inactive"].append(customer.user_id)
        elif customer.user_id in open_complaints:
            result.skipped["open_complaint"].append(customer.user_id)
        elif customer.user_id in low_scores:
            result.skipped["low_score"].append(customer.user_id)
        else:
            result.recipients.append(customer.user_id)
    return result


class SendLog:
    """A campaign's durable, append-only record: one line per recipient step.

    ``<user id> pending`` is written before a send and ``<user id> <outcome>`` after it, each
    flushed and fsynced. A restart skips everyone with a line: a greeting in flight during a
    crash stays "pending" (reported as unconfirmed) rather than risk a second one.
    """

    def __init__(self, path: Path):
        self.path = path
        private_folder(path.parent)
        self.outcomes: dict[int, str] = {}
        if path.exists():
            for line in read_private(path).decode("utf-8", "replace").splitlines():
                parts = line.split(" ", 1)
                if len(parts) == 2 and parts[0].lstrip("-").isdigit():
                    self.outcomes[int(parts[0])] = parts[1]
        # In flight when the bot stopped: never sent again, so as settled as any outcome.
        self._unconfirmed = {uid for uid, outcome in self.outcomes.items()
                             if outcome == "pending"}
        self._file = open_append(path)  # 0600, never through a link

    def record(self, user_id: int, outcome: str) -> None:
        self._file.write(f"{user_id} {outcome}\n")
        self._file.flush()
        os.fsync(self._file.fileno())
        self.outcomes[user_id] = outcome

    def close(self) -> None:
        self._file.close()

    def settled(self) -> int:
        """Recipients whose step is over: answered, skipped, or unconfirmed from a crash."""
        return sum(1 for uid, outcome in self.outcomes.items()
                   if outcome != "pending" or uid in self._unconfirmed)

    def counts(self) -> dict[str, int]:
        result: dict[str, int] = {}
        for outcome in self.outcomes.values():
            result[outcome] = result.get(outcome, 0) + 1
        return result
