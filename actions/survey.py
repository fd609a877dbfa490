"""The customer's verbs on their ticket: the answers to the satisfaction callback.

Overall score 1-5, then "is your problem solved? yes / partly / not yet" (跟进:
是否已圆满解决?是否仍有问题?, one question in the customer's words); that is the essential
part, and "no thanks" ends the survey on the third tap. Then, optional, the five quality
drivers as plain questions about the visit, and a comment. A score of 2 or less, or "not solved",
reopens the ticket at once: the technician and the managers are alerted with the feedback
record, and the customer is told someone will contact them again. The finished record
(技术服务反馈表) goes to the managers and the ticket is archived after the write.

Only the ticket's own customer answers (actions.core checks it), and only the question asked
now: an answer to another stage is data we never drew for this moment.
"""

from __future__ import annotations

from typing import Any

from actions.core import Call, Invalid
from desk import lifecycle, policy
from desk.buttons import Action
from desk.models import State
from desk.survey import MAX_COMMENT, is_low, next_driver
from outbox import views
from outbox.notices import file_feedback, tell_reopened

# Which stage of the survey each answer belongs to.
STAGE_OF = {
    Action.SURVEY_OVERALL: "overall",
    Action.SURVEY_SOLVED: "solved",
    Action.SURVEY_DRIVER: "drivers",
    Action.SURVEY_SKIP: "drivers",
    Action.SURVEY_NO_COMMENT: "comment",
}


def _survey(c: Call, action: Action) -> dict[str, Any]:
    survey = dict(c.ticket.survey or {})
    if STAGE_OF[action] != survey.get("stage"):
        raise Invalid
    return survey


def _record(c: Call, action: Action, survey: dict[str, Any], reopen: bool = False) -> None:
    """Store the answer, then show the next question (or thanks) in place of this one."""
    ticket, outbox, t = c.ticket, c.outbox, c.t
    c.redraw = False  # the card changes only on a reopen, which redraws it
    ticket.survey = survey
    ticket.record(c.now, c.actor.user_id, "survey_answer", step=action.value.split(":")[1],
                  value=":".join(str(v) for v in c.args))
    if reopen:
        lifecycle.reopen(ticket, c.now, policy.contact_deadline(c.store, ticket, c.now))
    if survey["stage"] == "done":
        outbox.edit(c.tx, c.actor.chat_id, c.message_id, views.survey_thanks(t),
                    kind="survey")
        _file(c)
        return
    driver = next_driver(survey)
    if survey["stage"] == "solved":
        question = views.survey_solved(t)
    elif survey["stage"] == "comment" or driver is None:
        question = views.survey_comment(t)
    else:
        question = views.survey_driver(t, driver)
    outbox.edit(c.tx, c.actor.chat_id, c.message_id, question, kind="survey",
                markup=views.survey_keyboard(t, ticket, survey["stage"], driver))
    if reopen:
        tell_reopened(outbox, c.tx, ticket)


def _file(c: Call) -> None:
    """The finished record goes to the managers; the ticket is archived after the write."""
    if file_feedback(c.outbox, c.tx, c.ticket):
        db, key = c.desk.db, c.ticket.key
        c.after.append(lambda: db.archive(key))


def overall(c: Call) -> None:
    """The overall score; "is it solved?" follows."""
    survey = _survey(c, Action.SURVEY_OVERALL)
    survey["overall"] = c.args[0]
    survey["stage"] = "solved"
    _record(c, Action.SURVEY_OVERALL, survey)


def solved(c: Call) -> None:
    """The mandatory part is complete: the digest counts the answer from here, for this
    technician. A low score or "not solved" reopens the ticket (everyone is told)."""
    survey = _survey(c, Action.SURVEY_SOLVED)
    survey["solved"] = c.args[0]
    survey["stage"] = "drivers"
    survey["answered_at"] = c.now.isoformat()
    survey["technician"] = c.ticket.assignee_id
    _record(c, Action.SURVEY_SOLVED, survey,
            reopen=is_low(survey) and c.ticket.state is State.DONE)


def driver(c: Call) -> None:
    """One quality driver, in order; the comment follows the last."""
    survey = _survey(c, Action.SURVEY_DRIVER)
    if c.args[0] != next_driver(survey):
        raise Invalid
    survey.setdefault("drivers", {})[c.args[0]] = c.args[1]
    if next_driver(survey) is None:
        survey["stage"] = "comment"
    _record(c, Action.SURVEY_DRIVER, survey)


def skip(c: Call) -> None:
    """"No thanks": the essential part is done, in three taps."""
    survey = _survey(c, Action.SURVEY_SKIP)
    survey["stage"] = "done"
    _record(c, Action.SURVEY_SKIP, survey)


def no_comment(c: Call) -> None:
    survey = _survey(c, Action.SURVEY_NO_COMMENT)
    survey["stage"] = "done"
    _record(c, Action.SURVEY_NO_COMMENT, survey)


def comment(c: Call) -> None:
    """The customer's free comment (a message, not a button), the survey's last answer."""
    if (c.ticket.survey or {}).get("stage") != "comment":
        raise Invalid
    c.redraw = False
    c.ticket.survey = {**(c.ticket.survey or {}), "comment": str(c.args[0])[:MAX_COMMENT],
                       "stage": "done"}
    c.ticket.record(c.now, c.ticket.customer_id, "survey_answer", step="comment")
    c.outbox.send(c.tx, c.ticket.customer_id, views.survey_thanks(c.t), kind="survey")
    _file(c)
