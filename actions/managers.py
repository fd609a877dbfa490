"""A manager's verbs on a ticket, from their private chat and (where offered) from the desk.

Usage, as a manager sees it: when staff press "can't solve here" every manager of the store is
alerted at once (当即向专职经理取得联系). The alert offers the latest reply times the policy
allows (最迟答复时间; never typed freely), "hand to a technician" and, once they have answered
the customer themselves, "I have answered". In the chat the alert is edited to say what was
done; from the desk the page shows it.
"""

from __future__ import annotations

from html import escape

from actions.core import Call, Surface
from desk import lifecycle, policy
from desk.lifecycle import Reason, Refused
from outbox import views
from outbox.notices import tell_assigned, tell_technician


def _in_chat(c: Call) -> bool:
    return c.actor.surface is Surface.PRIVATE


def pick(c: Call) -> None:
    """Shows the store's technicians under the alert; the card does not change."""
    if not c.ticket.is_active:
        raise Refused(Reason.STALE)
    if not policy.may_handle(c.ticket, c.actor.user_id):
        raise Refused(Reason.ABOUT_YOU)
    c.outbox.keyboard(c.tx, c.actor.chat_id, c.message_id,
                      views.technician_keyboard(c.ticket, c.store), kind="technician_choice")
    c.redraw = False


def _option(c: Call) -> policy.ReplyOption:
    key = str(c.args[0])
    options = policy.reply_choices(c.store, c.ticket)
    if key.isdigit():  # an alert drawn before the buttons carried keys: an index
        chosen = options[int(key)] if int(key) < len(options) else None
    else:
        chosen = policy.reply_option(c.store, c.ticket, key)
    if chosen is None:
        raise Refused(Reason.STALE)
    return chosen


def reply_by(c: Call) -> None:
    """Promises the customer an answer by the chosen time (the customer is told); the
    sweep then reminds the managers before it and alerts them if it passes."""
    when = _option(c).at
    ticket, store = c.ticket, c.store
    lifecycle.promise_reply(ticket, c.actor.user_id, when, c.now)
    c.outbox.to_customer(c.tx, ticket, lambda tc: tc.gettext(
        "Your ticket #{number} needs the support of the store's manager, and we contacted them "
        "at once. You will get an answer by {time} at the latest.").format(
            number=ticket.number, time=tc.when(when, store.timezone, c.now)),
        kind="reply_promised")
    if _in_chat(c):
        c.outbox.edit(c.tx, c.actor.chat_id, c.message_id, c.t.gettext(
            "Done: the customer was promised an answer by {time}.").format(
                time=c.t.when(when, store.timezone, c.now)), kind="reply_promised",
            markup=views.answered_keyboard(c.t, ticket))


def answered(c: Call) -> None:
    """The manager answered the customer themselves: that is the contact."""
    lifecycle.manager_answered(c.ticket, c.actor.user_id, c.actor.name, c.now)
    c.outbox.edit(c.tx, c.actor.chat_id, c.message_id, c.t.gettext(
        "Noted: you have answered the customer of ticket #{number}.").format(
            number=c.ticket.number), kind="manager_answered")


def assign(c: Call) -> None:
    """Hands the ticket to a technician of the roster, who owns it at once: the customer and
    the technician are told."""
    tech = c.store.technician(int(c.args[0]))
    if tech is None:
        raise Refused(Reason.NOT_ON_ROSTER)
    lifecycle.reassign(c.ticket, c.actor.user_id, tech, c.now)
    tell_assigned(c.outbox, c.tx, c.ticket)
    tell_technician(c.outbox, c.tx, c.ticket, c.store)
    if _in_chat(c):
        c.outbox.edit(c.tx, c.actor.chat_id, c.message_id, c.t.gettext(
            "Done: ticket #{number} is now with {name}.").format(
                number=c.ticket.number, name=escape(tech.name)), kind="reassigned")
