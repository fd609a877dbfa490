"""The customer's answers to the satisfaction callback.

Overall score 1-5, then "is your problem solved? yes / partly / not yet" (跟进:
是否已圆满解决?是否仍有问题?, one question in the customer's words); that is the essential
part, and "no thanks" ends the survey on the third tap. Then, optional, the five quality
drivers as plain questions about the visit, and a comment. A score of 2 or less, or "not solved",
reopens the ticket at once: the technician and the managers are alerted with the feedback
record, and the customer is told someone will contact them again. The finished record
(技术服务反馈表) goes to the managers and is archived with the ticket.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from desk import lifecycle, policy
from desk.buttons import Action, Press, decode
from desk.i18n import Translator
from desk.models import State, Ticket
from desk.storage import Transaction
from desk.survey import MAX_COMMENT, is_low, next_driver
from handlers.common import user_translator
from outbox import views
from outbox.context import DeskContext
from outbox.notices import file_feedback, tell_reopened
from outbox.refusals import invalid_button

# Which stage of the survey each answer belongs to.
STAGE_OF = {
    Action.SURVEY_OVERALL: "overall",
    Action.SURVEY_SOLVED: "solved",
    Action.SURVEY_DRIVER: "drivers",
    Action.SURVEY_SKIP: "drivers",
    Action.SURVEY_NO_COMMENT: "comment",
}


class Invalid(Exception):
    """Not this customer's survey, or not the question being asked now."""


async def on_survey_button(update: Update, context: DeskContext) -> None:
    """An answer button: only the ticket's own customer, only for the question now asked."""
    query = update.callback_query
    user = update.effective_user
    t = user_translator(context.desk, user)
    press = decode(query.data)
    private = query.message is not None and query.message.chat.type == "private"
    if press is None or press.action not in STAGE_OF or not private:
        context.outbox.answer(query, invalid_button(t), alert=True)
        return
    try:
        with context.outbox.transaction() as tx:
            finished = _answer(context, tx, press, user.id, query.message.message_id, t)
    except Invalid:
        context.outbox.answer(query, invalid_button(t), alert=True)
        return
    context.outbox.answer(query)
    if finished is not None:
        context.desk.db.archive(finished)


def _answer(context: DeskContext, tx: Transaction, press: Press, user_id: int,
            message_id: int, t: Translator) -> str | None:
    """Record one answer; returns the ticket's key when it is finished and to be archived."""
    ticket = tx.ticket_by_number(press.number)
    survey = dict(ticket.survey or {}) if ticket else {}
    if ticket is None or ticket.customer_id != user_id \
            or STAGE_OF[press.action] != survey.get("stage"):
        raise Invalid
    now = context.desk.clock()
    value = press.args[1:]
    reopen = False
    if press.action is Action.SURVEY_OVERALL:
        survey["overall"] = value[0]
        survey["stage"] = "solved"
    elif press.action is Action.SURVEY_SOLVED:
        survey["solved"] = value[0]
        survey["stage"] = "drivers"
        # The mandatory part is complete: the digest counts the answer from here, for this
        # technician.
        survey["answered_at"] = now.isoformat()
        survey["technician"] = ticket.assignee_id
        reopen = is_low(survey) and ticket.state is State.DONE
    elif press.action is Action.SURVEY_DRIVER:
        if value[0] != next_driver(survey):
            raise Invalid
        survey.setdefault("drivers", {})[value[0]] = value[1]
        if next_driver(survey) is None:
            survey["stage"] = "comment"
    elif press.action is Action.SURVEY_SKIP:  # the essential part is done: three taps
        survey["stage"] = "done"
    else:
        survey["stage"] = "done"
    ticket.survey = survey
    ticket.record(now, user_id, "survey_answer", step=press.action.value.split(":")[1],
                  value=":".join(str(v) for v in value))
    if reopen:
        store = context.desk.store(ticket.store_id)
        if store is not None:
            lifecycle.reopen(ticket, now, policy.contact_deadline(store, ticket, now))
    tx.save(ticket)
    outbox = context.outbox
    if survey["stage"] == "done":
        outbox.edit(tx, user_id, message_id, views.survey_thanks(t), kind="survey")
        return ticket.key if file_feedback(outbox, tx, ticket) else None
    driver = next_driver(survey)
    question = {"solved": views.survey_solved(t), "comment": views.survey_comment(t)}.get(
        survey["stage"]) or views.survey_driver(t, driver)
    outbox.edit(tx, user_id, message_id, question, kind="survey",
                markup=views.survey_keyboard(t, ticket, survey["stage"], driver))
    if reopen:
        tell_reopened(outbox, tx, ticket)
    return None


def record_comment(update: Update, context: DeskContext, key: str, text: str) -> None:
    """The customer's free comment, the survey's last answer."""
    t = user_translator(context.desk, update.effective_user)
    finished = None
    with context.outbox.transaction() as tx:
        ticket: Ticket | None = tx.ticket(key)
        if ticket is None or (ticket.survey or {}).get("stage") != "comment":
            return
        ticket.survey = {**ticket.survey, "comment": text[:MAX_COMMENT], "stage": "done"}
        ticket.record(context.desk.clock(), ticket.customer_id, "survey_answer", step="comment")
        tx.save(ticket)
        context.outbox.send(tx, ticket.customer_id, views.survey_thanks(t), kind="survey")
        if file_feedback(context.outbox, tx, ticket):
            finished = ticket.key
    if finished is not None:
        context.desk.db.archive(finished)


def register(application: Application) -> None:
    """Survey answer buttons (``s:``)."""
    application.add_handler(CallbackQueryHandler(on_survey_button, pattern=r"^s:"))
