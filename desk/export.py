"""Exported records: tickets with their audit trail and feedback records, as CSV for Excel.

UTF-8 with a byte-order mark, so Excel opens Chinese text correctly. Customers and staff type
most of the cells, and a spreadsheet runs a cell that starts like a formula: every text cell
is neutralised (OWASP, CSV injection) before it is written.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from datetime import date, datetime

from desk.calendar import local_day
from desk.context import Desk
from desk.models import Ticket
from desk.storage import load_tickets, months_between
from desk.survey import DRIVERS, quality_index, survey_records

COLUMNS = [
    "number", "store", "kind", "state", "confirmed_at", "customer", "phone", "product", "want",
    "text", "assignee", "contact_by", "first_contact_at", "missed", "escalated", "reply_by",
    "outcome", "report", "overall", "solved", *[name for name, _, _ in DRIVERS],
    "quality_index", "comment", "feedback_records", "conversation", "audit_trail",
]


def conversation(ticket: Ticket) -> str:
    """Everything said on the ticket after the complaint, in order: the customer's follow-ups
    and what staff and managers sent them (``at who: text``)."""
    lines = [(f["at"], "customer", f.get("text", "")) for f in ticket.followups]
    lines += [(e.at, f"{e.detail.get('role', 'staff')} {e.detail.get('name', '')}".strip(),
               e.detail.get("text", "") or f"[{e.detail.get('media', '')}]")
              for e in ticket.events if e.action == "said"]
    return "\n".join(f"{at} {who}: {text}" for at, who, text in sorted(lines))

# What makes Excel, LibreOffice or Google Sheets read a cell as a formula (OWASP, ASVS 1.2.10).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")
# A plain signed number is read as a number and cannot call anything, so it keeps its sign and
# stays sortable: a phone "+86138...", an anonymised customer id "-123456789". ASCII digits only.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)


def safe_cell(value: object) -> object:
    """The value as a spreadsheet should show it: text that could start a formula gets a
    leading apostrophe, which Excel takes as "this is text"; numbers pass unchanged."""
    if not isinstance(value, str) or _NUMBER.fullmatch(value):
        return value
    # Some importers trim leading spaces before they look for a formula.
    if value.startswith(_FORMULA_START) or value.lstrip().startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(tickets: list[Ticket], phones: dict[int, str | None]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for ticket in sorted(tickets, key=lambda t: t.number or 0):
        surveys = survey_records(ticket)
        last = surveys[-1] if surveys else {}
        drivers = last.get("drivers") or {}
        first_contact = next((e.at for e in ticket.events
                              if e.action in ("contacted", "manager_answered")), "")
        row = [
            ticket.number, ticket.store_id, ticket.kind.value, ticket.state.value,
            ticket.confirmed_at, ticket.customer_name, phones.get(ticket.customer_id) or "",
            ticket.product or "", ",".join(w.value for w in ticket.wants), ticket.text,
            ticket.assignee_name or "", ticket.contact_by or "", first_contact,
            "yes" if any(e.action == "missed" for e in ticket.events) else "",
            "yes" if any(e.action == "escalated" for e in ticket.events) else "",
            ticket.reply_by or "", ticket.outcome.value if ticket.outcome else "",
            ticket.report or "", last.get("overall", ""), last.get("solved", ""),
            *[drivers.get(name, "") for name, _, _ in DRIVERS],
            quality_index(drivers) if drivers else "", last.get("comment", ""),
            json.dumps(surveys, ensure_ascii=False) if surveys else "",
            conversation(ticket),
            "\n".join(f"{e.at} {e.actor} {e.action} "
                      f"{json.dumps(e.detail, ensure_ascii=False) if e.detail else ''}".rstrip()
                      for e in ticket.events),
        ]
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


EXPORT_DAYS = 30  # an export without dates: the last 30 days


def export_filename(first: date, last: date) -> str:
    return f"sundown-{first.isoformat()}-{last.isoformat()}.csv"


async def export_csv(desk: Desk, store_ids: set[str], first: date,
                     last: date) -> tuple[list[Ticket], bytes]:
    """The tickets of ``store_ids`` confirmed from ``first`` to ``last`` (each store's own
    days), and their CSV; the months of history are read in a worker thread."""
    hot = desk.db.hot_snapshot()

    def select() -> list[Ticket]:
        chosen = [tk for tk in load_tickets(desk.db.data_dir, hot, months_between(first, last))
                  if tk.store_id in store_ids and tk.confirmed_at
                  and first <= local_day(desk.display_store(tk.store_id),
                                         datetime.fromisoformat(tk.confirmed_at)) <= last]
        for ticket in chosen:  # an open ticket's follow-ups, whole (the hot file keeps a few)
            ticket.followups = desk.db.all_followups(ticket)
        return chosen

    tickets = await asyncio.to_thread(select)
    # Phones come from the customer profiles, read here on the loop's thread.
    phones: dict[int, str | None] = {}
    for ticket in tickets:
        if ticket.customer_id not in phones:
            profile = desk.db.customer(ticket.customer_id)
            phones[ticket.customer_id] = profile.phone if profile else None
    return tickets, await asyncio.to_thread(to_csv, tickets, phones)
