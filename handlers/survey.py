"""The customer's answers to the satisfaction callback.

Overall score 1-5, then "is your problem solved? yes / partly / not yet" (跟进:
是否已圆满解决?是否仍有问题?, one question in the customer's words); that is the essential
part, and "no thanks" ends the survey on the third tap. Then, optional, the five quality
drivers as plain questions about the visit, and a comment. A score of 2 or less, or "not solved",
reopens the ticket at once: the technician and the managers are alerted with the feedback
record, and the customer is told someone will contact them again. The finished record
(技术服务反馈表) goes to the managers and is archived with the ticket.

The answers are the customer's verbs on the ticket (actions.survey); here a press or the
comment becomes ``actions.apply``.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

import actions
from actions import Actor, Reply, Surface
from desk.buttons import decode
from handlers.common import answer_press, button_pattern, display_name, user_translator
from outbox.context import DeskContext
from outbox.refusals import invalid_button


def _actor(update: Update, context: DeskContext, message_id: int | None) -> Actor:
    user = update.effective_user
    return Actor(user.id, display_name(user), Surface.CUSTOMER,
                 user_translator(context.desk, user), user.id, message_id)


async def on_survey_button(update: Update, context: DeskContext) -> None:
    """An answer button: actions.survey takes it from the ticket's own customer, for the
    question now asked."""
    query = update.callback_query
    press = decode(query.data)
    private = query.message is not None and query.message.chat.type == "private"
    actor = _actor(update, context, query.message.message_id if query.message else None)
    if press is None or not private or press.action not in actions.offered(Surface.CUSTOMER):
        context.outbox.answer(query, invalid_button(actor.t), alert=True)
        return
    answer = actions.apply(context.outbox, press.number, actor, press.action, press.args[1:])
    answer_press(context, query, actor.t, answer)


def record_comment(update: Update, context: DeskContext, key: str, text: str) -> None:
    """The customer's free comment, the survey's last answer."""
    actions.apply(context.outbox, key, _actor(update, context, None), Reply.COMMENT, (text,))


def register(application: Application) -> None:
    """Survey answer buttons (the customer's verbs, by their audience)."""
    application.add_handler(CallbackQueryHandler(on_survey_button,
                                                 pattern=button_pattern(Surface.CUSTOMER)))
