"""The verbs on a ticket's card in the store's staff group, and the replies to its prompts.

Usage, as staff see it: the on-duty technician with the fewest open tickets is offered a new
ticket (accept / pass); with nobody on duty anyone may claim it. The assignee records
"customer contacted" (or "called, no answer"), then "service done" with an outcome and a
one-line service report (a reply to the bot's prompt), or "can't solve here" to escalate to a
manager. Each verb says here whom it tells.
"""

from __future__ import annotations

from telegram import ForceReply

from actions.core import Call, Invalid
from desk import lifecycle, policy
from desk.calendar import callback_time, local_day
from desk.i18n import translator
from desk.lifecycle import Reason, Refused
from desk.models import TIER_LABELS, Customer, Outcome, State
from desk.outgoing import Priority
from desk.roster import pick_technician
from desk.text import one_line
from outbox import views
from outbox.notices import alert_escalation, tell_assigned, tell_done, tell_technician
from outbox.relay import canned_menu, canned_text, say_to_customer

MAX_REPORT = 500
# A prompt someone just asked for comes before notices and edits.
_PROMPT = Priority.REPLY


def claim(c: Call) -> None:
    """Tells the customer who owns the ticket now."""
    lifecycle.claim(c.ticket, c.actor.user_id, c.actor.name, c.now)
    tell_assigned(c.outbox, c.tx, c.ticket)


def accept(c: Call) -> None:
    """Tells the customer who owns the ticket now."""
    lifecycle.accept(c.ticket, c.actor.user_id, c.now)
    tell_assigned(c.outbox, c.tx, c.ticket)


def pass_on(c: Call) -> None:
    """Offers the ticket to the next technician on duty (told in private), else the group."""
    next_tech = pick_technician(c.store, c.desk.db.open_load(c.store.id), c.now,
                                exclude=[*c.ticket.passed_by, c.actor.user_id,
                                         *policy.barred(c.ticket)])
    lifecycle.pass_on(c.ticket, c.actor.user_id, c.now, next_tech)
    if c.ticket.state is State.OFFERED:
        tell_technician(c.outbox, c.tx, c.ticket, c.store)


def contacted(c: Call) -> None:
    """Tells the customer they may add anything."""
    lifecycle.mark_contacted(c.ticket, c.actor.user_id, c.is_manager, c.now)
    number = c.ticket.number
    c.outbox.to_customer(c.tx, c.ticket, lambda t: t.gettext(
        "Our technician has been in touch with you about ticket #{number}. Anything to add? "
        "Just write it here.").format(number=number), kind="contacted")


def no_answer(c: Call) -> None:
    """Tells the customer a technician tried; the sweep reminds the technician to retry."""
    lifecycle.no_answer(c.ticket, c.actor.user_id, c.is_manager, c.now,
                        c.now + c.store.promises.retry_after)
    number = c.ticket.number
    c.outbox.to_customer(c.tx, c.ticket, lambda t: t.gettext(
        "Our technician just tried to call you about ticket #{number} but could not get "
        "through, and will call again later.").format(number=number), kind="call_attempt")


def _require_service_owner(c: Call) -> None:
    if c.ticket.state is not State.CONTACTED or c.ticket.pending_outcome is not None:
        raise Refused(Reason.STALE)
    if not (c.is_manager or c.ticket.assignee_id == c.actor.user_id):
        raise Refused(Reason.NOT_YOURS)


def service_done(c: Call) -> None:
    """Shows the outcome buttons on the card; nobody else is told."""
    _require_service_owner(c)
    c.markup = views.outcome_keyboard(c.t, c.ticket)


def back(c: Call) -> None:
    """Back to the card's own buttons."""
    _require_service_owner(c)


def outcome(c: Call) -> None:
    """Asks the presser, in the group, for the one-line service report."""
    lifecycle.choose_outcome(c.ticket, c.actor.user_id, c.is_manager, Outcome(c.args[0]),
                             c.now)
    t = translator(c.desk.person_language(c.actor.user_id, c.store.language))
    c.outbox.in_thread(c.tx, c.ticket,
                       views.report_prompt(t, c.ticket, c.actor.user_id, c.actor.name),
                       kind="report_prompt", markup=ForceReply(selective=True),
                       remember="report_prompt_id", priority=_PROMPT)


def escalate(c: Call) -> None:
    """Alerts every manager of the store at once, with the reply times the policy allows."""
    lifecycle.escalate(c.ticket, c.actor.user_id, c.is_manager, c.now)
    alert_escalation(c.outbox, c.tx, c.ticket, c.store)


def tier(c: Call) -> None:
    """Grade the customer (seed 001: 对客户进行精确的分级): any member of the group may."""
    chosen = str(c.args[0])
    if not c.ticket.is_active:
        raise Invalid

    def grade(customer: Customer) -> None:
        customer.tier = None if customer.tier == chosen else chosen

    customer = c.desk.db.update_customer(c.ticket.customer_id, grade)
    if customer is None:
        raise Invalid
    label = TIER_LABELS[chosen]
    marked = customer.tier is not None
    c.note = lambda t: (t.gettext("Now marked: {tier}") if marked else
                        t.gettext("No longer marked: {tier}")).format(tier=t.gettext(label))


def visit(c: Call) -> None:
    """Record that the customer came to the store today (seed 004: regulars are those who come
    back); one visit a day per store, as a QR code scan counts."""
    if not c.ticket.is_active:
        raise Invalid
    day = local_day(c.store, c.now)
    counted: list[bool] = []

    def visited(customer: Customer) -> None:
        counted.append(customer.record_visit(c.store.id, day))

    if c.desk.db.update_customer(c.ticket.customer_id, visited) is None:
        raise Invalid
    new = counted[0]
    c.note = lambda t: (t.gettext("Recorded: the customer came to the store today.") if new
                        else t.gettext("Today's visit is already recorded."))


def note(c: Call) -> None:
    """Ask for a note on the customer (seed 004: what the hotel remembered of its regular)."""
    if not c.ticket.is_active:
        raise Invalid
    c.outbox.in_thread(c.tx, c.ticket,
                       views.note_prompt(c.t, c.ticket, c.actor.user_id, c.actor.name),
                       kind="note_prompt", markup=ForceReply(selective=True),
                       remember="note_prompt_id", priority=_PROMPT)


def _may_write(c: Call) -> None:
    """With a roster, only its technicians and the managers write to customers."""
    if (c.store.technicians and c.store.technician(c.actor.user_id) is None
            and not c.is_manager):
        raise Refused(Reason.NOT_ON_ROSTER)
    if not c.ticket.is_active:
        raise Refused(Reason.STALE)


def say(c: Call) -> None:
    """Show the standard replies under the card."""
    _may_write(c)
    text, markup = canned_menu(c.t, c.ticket)
    c.outbox.in_thread(c.tx, c.ticket, text, kind="canned_menu", markup=markup)


def canned(c: Call) -> None:
    """One of the SOP's standard sentences, to the customer in the customer's language."""
    _may_write(c)
    which = str(c.args[0])
    ticket, store, now = c.ticket, c.store, c.now
    sent = say_to_customer(c.outbox, c.tx, ticket, store, by=c.actor.user_id, name=c.actor.name,
                           role="manager" if c.is_manager else "staff",
                           text=lambda tc: canned_text(tc, which, ticket, store, now))
    if not sent:
        raise Refused(Reason.UNREACHABLE)
    c.note = lambda t: t.gettext("Sent to the customer.")


def report(c: Call) -> None:
    """The one-line service report (a reply to the prompt) closes the service: the customer
    is told, the satisfaction callback is set, and the customer's record counts it."""
    text = str(c.args[0])
    lifecycle.finish(c.ticket, c.actor.user_id, c.is_manager, text, c.now,
                     callback_time(c.store, c.now))
    tell_done(c.outbox, c.tx, c.ticket)
    db, customer_id = c.desk.db, c.ticket.customer_id

    def completed(customer: Customer) -> None:  # recorded; no longer makes a regular
        customer.completed += 1

    c.after.append(lambda: db.update_customer(customer_id, completed))


def save_note(c: Call) -> None:
    """A staff note on the customer (seed 004: preferences the hotel remembered); the writer
    is answered under their reply."""
    text, at, actor = str(c.args[0]), c.now.isoformat(), c.actor

    def add(customer: Customer) -> None:
        customer.notes.append({"at": at, "by": actor.user_id, "by_name": actor.name,
                               "text": text})

    if c.desk.db.update_customer(c.ticket.customer_id, add) is None:
        raise Invalid
    c.ticket.note_prompt_id = None
    c.outbox.send(c.tx, actor.chat_id, c.t.gettext("Noted on the customer's profile."),
                  kind="note_saved", reply_to=actor.message_id, ticket=c.ticket)


def one_line_report(text: str | None) -> str | None:
    """A report or a note as staff typed it: one line, at most MAX_REPORT characters."""
    line = one_line(text)
    return line if line and len(line) <= MAX_REPORT else None
