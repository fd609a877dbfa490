"""Exported records: tickets with their audit trail and feedback records, as CSV for Excel.

UTF-8 with a byte-order mark, so Excel opens Chinese text correctly.
"""

from __future__ import annotations

import csv
import io
import json

from desk.models import Ticket
from desk.survey import DRIVERS, quality_index, survey_records

COLUMNS = [
    "number", "store", "kind", "state", "confirmed_at", "customer", "phone", "product", "want",
    "text", "assignee", "contact_by", "first_contact_at", "missed", "escalated", "reply_by",
    "outcome", "report", "overall", "solved", *[name for name, _, _ in DRIVERS],
    "quality_index", "comment", "feedback_records", "audit_trail",
]


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
        writer.writerow([
            ticket.number, ticket.store_id, ticket.kind.value, ticket.state.value,
            ticket.confirmed_at, ticket.customer_name, phones.get(ticket.customer_id) or "",
            ticket.product or "", ticket.want.value if ticket.want else "", ticket.text,
            ticket.assignee_name or "", ticket.contact_by or "", first_contact,
            "yes" if any(e.action == "missed" for e in ticket.events) else "",
            "yes" if any(e.action == "escalated" for e in ticket.events) else "",
            ticket.reply_by or "", ticket.outcome.value if ticket.outcome else "",
            ticket.report or "", last.get("overall", ""), last.get("solved", ""),
            *[drivers.get(name, "") for name, _, _ in DRIVERS],
            quality_index(drivers) if drivers else "", last.get("comment", ""),
            json.dumps(surveys, ensure_ascii=False) if surveys else "",
            "\n".join(f"{e.at} {e.actor} {e.action} "
                      f"{json.dumps(e.detail, ensure_ascii=False) if e.detail else ''}".rstrip()
                      for e in ticket.events),
        ])
    return buffer.getvalue().encode("utf-8-sig")
