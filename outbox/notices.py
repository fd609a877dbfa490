"""Notices that both sides give: a handler after a button press, a sweep when time is up.

Each one queues its messages in the caller's transaction; nothing here awaits Telegram.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from desk import policy
from desk.config import StoreConfig
from desk.i18n import Translator, translator
from desk.models import OUTCOME_LABELS, State, Ticket
from desk.outgoing import Priority
from desk.storage import Transaction
from desk.survey import feedback_of
from outbox import views
from outbox.post import Outbox


def tell_assigned(outbox: Outbox, tx: Transaction, ticket: Ticket) -> None:
    """Tell the customer who now owns their ticket, and by when they will hear from them (the
    SOP: who will contact them and by when), while that promise is still ahead."""
    name = ticket.assignee_name or ""
    store = outbox.desk.store(ticket.store_id)
    now = outbox.desk.clock()
    contact_by = views.parse_time(ticket.contact_by)

    def text(t: Translator) -> str:
        if store is None or contact_by is None or contact_by <= now:
            return t.gettext("Technician {name} has taken your ticket #{number} and will "
                             "contact you.").format(name=escape(name), number=ticket.number)
        return t.gettext("Technician {name} has taken your ticket #{number} and will contact "
                         "you {promise}.").format(
            name=escape(name), number=ticket.number,
            promise=t.promise(contact_by, store.timezone, now))

    outbox.to_customer(tx, ticket, text, kind="assigned")


def tell_technician(outbox: Outbox, tx: Transaction, ticket: Ticket,
                    store: StoreConfig) -> None:
    """A private nudge: an edited card does not notify the person it now mentions."""
    if ticket.assignee_id is None:
        return
    outbox.to_person(tx, ticket.assignee_id, store, lambda t: t.gettext(
        "Ticket #{number} of {store} is now yours; please see its card in the staff group.")
        .format(number=ticket.number, store=escape(store.name)), kind="assigned_to_you",
        ticket=ticket)


def alert_escalation(outbox: Outbox, tx: Transaction, ticket: Ticket,
                     store: StoreConfig) -> None:
    """Every manager of the store, in private, at once (当即向专职经理取得联系), with the reply
    times the policy allows."""
    customer = outbox.desk.db.customer(ticket.customer_id)
    phone = customer.phone if customer else None
    options = policy.reply_choices(store, ticket)
    now = outbox.desk.clock()
    outbox.to_managers(
        tx, store, lambda t: views.escalation_alert(t, ticket, store, phone, now),
        kind="escalation",
        markup=lambda t: views.reply_time_keyboard(t, ticket, store, options, now),
        ticket=ticket)


def alert_urgent(outbox: Outbox, tx: Transaction, ticket: Ticket, store: StoreConfig,
                 followup: bool = False) -> None:
    """Safety or a threat: every manager of the store hears of the new ticket at once, or of
    an open ticket a follow-up made urgent."""
    customer = outbox.desk.db.customer(ticket.customer_id)
    phone = customer.phone if customer else None
    now = outbox.desk.clock()
    outbox.to_managers(tx, store,
                       lambda t: views.urgent_alert(t, ticket, store, phone, now, followup),
                       kind="urgent", ticket=ticket)


def alert_question(outbox: Outbox, tx: Transaction, ticket: Ticket,
                   store: StoreConfig) -> None:
    """A question the bot cannot answer: every manager of the store (the SOP's specialists),
    in private, at once; they answer by replying to this message."""
    customer = outbox.desk.db.customer(ticket.customer_id)
    phone = customer.phone if customer else None
    outbox.to_managers(
        tx, store, lambda t: views.question_alert(t, ticket, store, phone), kind="question",
        markup=lambda t: views.answered_keyboard(t, ticket), ticket=ticket)


def report_unreadable(outbox: Outbox, tx: Transaction, key: str, info: dict) -> None:
    """A ticket record that cannot be read is set aside (kept as it is); its store's managers
    (every manager, when the record does not say its store) hear of it once."""
    name = f"unreadable:{key}"
    if tx.marked(name):
        return
    tx.mark(name, outbox.desk.clock(), reason=info.get("reason", ""))
    store = outbox.desk.store(str(info.get("store_id") or ""))
    stores = [store] if store is not None else list(outbox.desk.settings.stores)
    number = info.get("number")
    if info.get("record"):  # an outbox entry, a campaign: not a ticket
        for target in stores:
            outbox.to_managers(tx, target, lambda t: t.gettext(
                "⚠️ A record in the data folder ({record}) cannot be used safely, so I have set "
                "it aside: it is kept exactly as it is, and everything else goes on. Please ask "
                "whoever runs the bot to look at it. ({reason})").format(
                    record=escape(str(info["record"])),
                    reason=escape(str(info.get("reason", "")))), kind="unreadable")
        return
    for target in stores:
        outbox.to_managers(tx, target, lambda t: t.gettext(
            "⚠️ Ticket {ticket} cannot be read from the data file, so I have set it aside: it "
            "is kept exactly as it is, and everything else goes on. Please ask whoever runs the "
            "bot to look at it. ({reason})").format(
                ticket=f"#{number}" if number else escape(key),
                reason=escape(str(info.get("reason", "")))), kind="unreadable")


def tell_done(outbox: Outbox, tx: Transaction, ticket: Ticket) -> None:
    outcome = ticket.outcome
    outbox.to_customer(tx, ticket, lambda t: t.gettext(
        "The service for your ticket #{number} is done. Outcome: {outcome}. Thank you for your "
        "patience!").format(number=ticket.number, outcome=t.gettext(OUTCOME_LABELS[outcome])),
        kind="service_done")


def file_feedback(outbox: Outbox, tx: Transaction, ticket: Ticket) -> bool:
    """The callback is over (answered or not): the feedback record (技术服务反馈表) is filed
    with the ticket and sent to the managers. Returns whether the ticket is finished (the
    caller archives it after this write)."""
    store = outbox.desk.store(ticket.store_id)
    record = feedback_of(ticket)
    ticket.feedback.append(record)
    tx.save(ticket)
    if store is not None:
        outbox.to_managers(tx, store, lambda t: views.feedback_record(t, ticket, store, record),
                           kind="feedback_record", ticket=ticket)
    if ticket.state is State.DONE:
        outbox.card(tx, ticket)
        return True
    return False


def tell_reopened(outbox: Outbox, tx: Transaction, ticket: Ticket) -> None:
    """A low score or "not solved": technician, managers and customer hear of it."""
    store = outbox.desk.store(ticket.store_id)
    if store is None:
        return
    record = feedback_of(ticket)
    outbox.card(tx, ticket)
    outbox.to_managers(tx, store, lambda t: "\n\n".join([
        t.gettext("🔁 {store}: the customer is not satisfied; ticket #{number} is reopened."
                  ).format(store=escape(store.name), number=ticket.number),
        views.feedback_record(t, ticket, store, record)]), kind="reopened", ticket=ticket)
    t = translator(store.language)
    owner = (views.mention(ticket.assignee_id, ticket.assignee_name or "")
             if ticket.assignee_id else t.gettext("everyone"))
    outbox.in_thread(tx, ticket, "\n\n".join([t.gettext(
        "🔁 {name}: the customer of ticket #{number} is not satisfied; the ticket is reopened. "
        "Please contact them again.").format(name=owner, number=ticket.number),
        views.feedback_record(t, ticket, store, record)]), kind="reopened",
        priority=Priority.NOTICE)
    outbox.to_customer(tx, ticket, lambda tc: tc.gettext(
        "We are sorry the problem is not solved yet. Your ticket #{number} is open again and "
        "someone will contact you again soon.").format(number=ticket.number), kind="reopened")


def survey_question(outbox: Outbox, tx: Transaction, ticket: Ticket, reminder: bool) -> None:
    """Ask the satisfaction callback's current question (电话跟踪), or remind once."""
    store = outbox.desk.store(ticket.store_id)
    if store is None:
        return
    stage = (ticket.survey or {}).get("stage", "overall")

    def question(t) -> str:
        text = views.survey_overall(t, ticket, store) if stage == "overall" \
            else views.survey_solved(t)
        if reminder:
            text = views.survey_reminder(t, ticket, store) + "\n\n" + text
        return text

    outbox.to_customer(tx, ticket, question, kind="survey",
                       markup=lambda t: views.survey_keyboard(t, ticket, stage))


def reply_by(ticket: Ticket) -> datetime | None:
    return datetime.fromisoformat(ticket.reply_by) if ticket.reply_by else None
