"""The satisfaction callback's questions and the service quality index (seed 003).

The five drivers of service quality and their weights: reliability 可靠度 32%, responsiveness
反应度 22%, assurance 保证 19%, empathy 同情心 16%, tangibles 有形化 11%. The index is the
weighted mean of the drivers the customer scored, on 0-100.
"""

from __future__ import annotations

from typing import Any

from desk.i18n import N_
from desk.models import Ticket

SCORES = (1, 2, 3, 4, 5)
LOW_SCORE = 2  # an overall score at or below this reopens the ticket

DRIVERS = (
    ("reliability", 0.32, N_("Reliability")),
    ("responsiveness", 0.22, N_("Responsiveness")),
    ("assurance", 0.19, N_("Assurance")),
    ("empathy", 0.16, N_("Empathy")),
    ("tangibles", 0.11, N_("Tangibles")),
)
# What the customer is asked: the drivers as plain questions about the visit (the SERVQUAL
# names above are for managers; a customer reads 同情心 as condescending).
DRIVER_QUESTIONS = {
    "reliability": N_("Did the technician do what we promised, and fix it properly?"),
    "responsiveness": N_("Did we get back to you quickly enough?"),
    "assurance": N_("Did the technician know the job and treat you politely?"),
    "empathy": N_("Did we listen to you and understand your situation?"),
    "tangibles": N_("Were the technician, the tools and the parts neat and in good order?"),
}

SOLVED = ("fully", "partly", "not")
SOLVED_LABELS = {
    "fully": N_("Yes, it is solved"),
    "partly": N_("Partly, something remains"),
    "not": N_("No, not yet"),
}
MAX_COMMENT = 1000


def quality_index(drivers: dict[str, int]) -> float | None:
    """Weighted mean of the scored drivers on 0-100; None when none was scored."""
    scored = [(weight, drivers[name]) for name, weight, _ in DRIVERS if name in drivers]
    if not scored:
        return None
    total = sum(weight for weight, _ in scored)
    return round(sum(weight * (score - 1) / 4 for weight, score in scored) / total * 100, 1)


def survey_records(ticket: Ticket) -> list[dict[str, Any]]:
    """A ticket's callback records: the archived ones, then the one in progress if it was
    answered and is not archived yet (a settled record repeats it, with outcome and report)."""
    records = list(ticket.feedback)
    current = ticket.survey or {}
    answered = current.get("answered_at")
    if answered and not any(r.get("answered_at") == answered for r in records):
        records.append(current)
    return records


def feedback_of(ticket: Ticket) -> dict[str, Any]:
    """The feedback record (技术服务反馈表): the service report and the customer's answers."""
    return {**(ticket.survey or {}), "outcome": ticket.outcome.value if ticket.outcome else None,
            "report": ticket.report}


def is_low(survey: dict[str, Any]) -> bool:
    """A low score or "not solved" reopens the ticket."""
    overall = survey.get("overall")
    return (overall is not None and overall <= LOW_SCORE) or survey.get("solved") == "not"


def next_driver(survey: dict[str, Any]) -> str | None:
    answered = survey.get("drivers", {})
    return next((name for name, _, _ in DRIVERS if name not in answered), None)
