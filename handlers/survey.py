"""The customer's answers to the satisfaction callback.

Overall score 1-5, then "fully solved / partly / not solved" (跟进: 是否已圆满解决?是否仍有问题?);
then, skippable, the five quality drivers and a comment. A score of 2 or less, or "not solved",
reopens the ticket at once: the technician and the managers are alerted with the feedback
record, and the customer is told someone will contact them again. The finished record
(技术服务反馈表) goes to the managers and is archived with the ticket.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from desk import lifecycle
from desk.calendar import contact_deadline
from desk.i18n import translator
from desk.models import State, Ticket
from desk.survey import MAX_COMMENT, SCORES, SOLVED, is_low, next_driver
from handlers import views
from handlers.cards import post_in_thread, refresh_card
from handlers.common import answer, as_int, desk_of, edit, user_translator
from handlers.notices import tell_customer, tell_managers
from handlers.refusals import invalid_button

# Which answer each stage accepts: callback action -> stage it belongs to.
STAGE_OF = {"o": "overall", "s": "solved", "d": "drivers", "skip": "drivers", "c": "comment"}


async def on_survey_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An answer button: only the ticket's own customer, only for the question now asked."""
    desk = desk_of(context)
    query = update.callback_query
    user = update.effective_user
    t = user_translator(desk, user, desk.store.customer(user.id))
    fields = (query.data or "").split(":")[1:]
    number = as_int(fields[1]) if len(fields) >= 2 else None
    ticket = desk.store.by_number(number) if number else None
    survey = (ticket.survey or {}) if ticket else {}
    action = fields[0] if fields else ""
    private = query.message is not None and query.message.chat.type == "private"
    if (ticket is None or ticket.customer_id != user.id or not private
            or STAGE_OF.get(action) != survey.get("stage")):
        await answer(query, invalid_button(t), alert=True)
        return
    value = fields[2:]
    now = desk.clock()
    reopen = False
    if action == "o" and len(value) == 1 and value[0] in {str(s) for s in SCORES}:
        survey["overall"] = int(value[0])
        survey["stage"] = "solved"
    elif action == "s" and len(value) == 1 and value[0] in SOLVED:
        survey["solved"] = value[0]
        survey["stage"] = "drivers"
        # The mandatory part is complete: the digest counts the answer from here, for this
        # technician.
        survey["answered_at"] = now.isoformat()
        survey["technician"] = ticket.assignee_id
        reopen = is_low(survey) and ticket.state is State.DONE
    elif (action == "d" and len(value) == 2 and value[0] == next_driver(survey)
          and value[1] in {str(s) for s in SCORES}):
        survey.setdefault("drivers", {})[value[0]] = int(value[1])
        if next_driver(survey) is None:
            survey["stage"] = "comment"
    elif action == "skip" and not value:
        survey["stage"] = "comment"
    elif action == "c" and not value:
        survey["stage"] = "done"
    else:
        await answer(query, invalid_button(t), alert=True)
        return
    ticket.survey = survey
    ticket.record(now, user.id, "survey_answer", step=action, value=":".join(value))
    if reopen:
        store = desk.store_config(ticket.store_id)
        lifecycle.reopen(ticket, now, contact_deadline(store, now))
    desk.store.save(ticket)
    await answer(query)
    message = query.message
    if survey["stage"] == "done":
        await edit(context, message.chat.id, message.message_id, views.survey_thanks(t))
        await settle(context, ticket)
        return
    driver = next_driver(survey)
    question = {"solved": views.survey_solved(t), "comment": views.survey_comment(t)}.get(
        survey["stage"]) or views.survey_driver(t, driver)
    await edit(context, message.chat.id, message.message_id, question,
               reply_markup=views.survey_keyboard(t, ticket, survey["stage"], driver))
    if reopen:
        await _reopened(context, ticket)


async def record_comment(update: Update, context: ContextTypes.DEFAULT_TYPE,
                         ticket: Ticket, text: str) -> None:
    """The customer's free comment, the survey's last answer."""
    desk = desk_of(context)
    ticket.survey = {**ticket.survey, "comment": text[:MAX_COMMENT], "stage": "done"}
    ticket.record(desk.clock(), ticket.customer_id, "survey_answer", step="comment")
    desk.store.save(ticket)
    t = user_translator(desk, update.effective_user, desk.store.customer(ticket.customer_id))
    await update.effective_message.reply_text(views.survey_thanks(t))
    await settle(context, ticket)


def _record(ticket: Ticket) -> dict[str, Any]:
    return {**(ticket.survey or {}), "outcome": ticket.outcome.value if ticket.outcome else None,
            "report": ticket.report}


async def settle(context: ContextTypes.DEFAULT_TYPE, ticket: Ticket) -> None:
    """The callback is over (answered or not): file the record, tell the managers, archive."""
    desk = desk_of(context)
    store = desk.store_config(ticket.store_id)
    record = _record(ticket)
    ticket.feedback.append(record)
    desk.store.save(ticket)
    await tell_managers(context, store,
                        lambda tm: views.feedback_record(tm, ticket, store, record))
    if ticket.state is State.DONE:
        await refresh_card(context, ticket)
        desk.store.archive(ticket)


async def _reopened(context: ContextTypes.DEFAULT_TYPE, ticket: Ticket) -> None:
    store = desk_of(context).store_config(ticket.store_id)
    record = _record(ticket)
    await refresh_card(context, ticket)
    await tell_managers(context, store, lambda tm: "\n\n".join([
        tm.gettext("🔁 {store}: the customer is not satisfied; ticket #{number} is reopened."
                   ).format(store=store.name, number=ticket.number),
        views.feedback_record(tm, ticket, store, record)]))
    t = translator(store.language)
    owner = (views.mention(ticket.assignee_id, ticket.assignee_name or "")
             if ticket.assignee_id else t.gettext("everyone"))
    await post_in_thread(context, ticket, "\n\n".join([t.gettext(
        "🔁 {name}: the customer of ticket #{number} is not satisfied; the ticket is reopened. "
        "Please contact them again.").format(name=owner, number=ticket.number),
        views.feedback_record(t, ticket, store, record)]))
    await tell_customer(context, ticket, lambda tc: tc.gettext(
        "We are sorry the problem is not solved yet. Your ticket #{number} is open again and "
        "someone will contact you again soon.").format(number=ticket.number))


def register(application: Application) -> None:
    """Survey answer buttons (``s:``)."""
    application.add_handler(CallbackQueryHandler(on_survey_button, pattern=r"^s:"))
