"""Topics mode: a forum topic per ticket in the store's staff group.

A store's group gets topics when it is a forum (Telegram's "Topics" switch; the bot finds out
from the chat) or when its config says ``staff_topics = true``; ``false`` keeps cards and
replies. Each confirmed ticket then opens its own topic, named so staff can scan the list
("🆕 #42 张女士 · 电热水壶 漏水", the emoji following the ticket's state), with the card as its
first message, pinned. Everything the bot says in the group about the ticket goes into the
topic (``thread_into``, called for every entry the outbox queues); staff write in the topic
and the customer gets it (handlers/topics.py).

Making, renaming, closing and reopening topics are outbox entries like any message: the sender
keeps Telegram's group limit for them (making and renaming count, as messages do), and a
rename still queued takes the newest name instead of a second rename. A topic deleted by hand
is made again, with the card, the next time something goes into it; a group that refuses
topics (the bot lacks the right to manage them, or the group is no forum) is marked
"refused" and its tickets fall back to cards and replies, at once and for good (until the
bot is restarted with the right: see ``detect``).

The ticket a message in a topic is about is found from the thread id the sender recorded
when the topic was made (the routes of ``desk.storage``), never from the topic's name.
"""

from __future__ import annotations

import logging
from datetime import datetime
from html import escape

from desk.calendar import local_day
from desk.config import StoreConfig
from desk.context import Desk
from desk.i18n import Translator, translator
from desk.models import State, Ticket
from desk.outgoing import Method, Outgoing, Priority, Ref, Status
from desk.restatement import PROBLEM_LABELS, problems_of
from desk.storage import Transaction
from desk.text import field_name

log = logging.getLogger(__name__)

TOPIC = "topic_id"
CARD = "card_message_id"
NAME_LIMIT = 128  # Telegram's limit for a topic's name
FORUM, PLAIN, REFUSED = "forum", "plain", "refused"
TOPIC_METHODS = (Method.TOPIC, Method.RENAME, Method.CLOSE, Method.REOPEN, Method.PIN)


def enabled(desk: Desk, store: StoreConfig) -> bool:
    """Whether new tickets of ``store`` open topics now."""
    state = desk.db.topics_state(store.id)
    if state == REFUSED:
        return False
    if store.staff_topics is not None:
        return store.staff_topics
    return state == FORUM


def detect(desk: Desk, store: StoreConfig, is_forum: bool, may_manage: bool | None) -> None:
    """What the bot found out about a store's group (at start-up, or from an update): a forum
    or not, and (when known) whether it may manage topics there."""
    state = desk.db.topics_state(store.id)
    if state == REFUSED and not may_manage:
        return  # stays refused until the bot holds the right
    found = FORUM if is_forum else PLAIN
    if may_manage is False and (is_forum or store.staff_topics):
        found = REFUSED
    if found != state:
        with desk.db.transaction() as tx:
            tx.set_topics(store.id, found)


def icon(ticket: Ticket) -> str:
    """The state at a glance: new, taken, waiting for the customer, escalated, urgent, done."""
    if not ticket.is_active:
        return "✅"
    if ticket.is_urgent and ticket.state in (State.NEW, State.OFFERED):
        return "🚨"
    if ticket.state is State.ESCALATED:
        return "🆘"
    if ticket.retry_at:  # called, no answer: waiting for the customer
        return "⏳"
    if ticket.state in (State.CLAIMED, State.CONTACTED):
        return "🔧"
    return "🆕"


def title(t: Translator, ticket: Ticket) -> str:
    """"🆕 #42 张女士 · 电热水壶 漏水": plain text (a topic's name shows no markup)."""
    name = field_name(ticket.customer_name or "") or "—"
    what = [ticket.product or ""]
    problems = problems_of(ticket.text)
    if problems:
        what.append(t.gettext(PROBLEM_LABELS[problems[0]]))
    about = " ".join(w for w in what if w) or " ".join(ticket.text.split())[:40]
    text = f"{icon(ticket)} #{ticket.number} {name} · {about}"
    return text if len(text) <= NAME_LIMIT else text[:NAME_LIMIT - 1] + "…"


def link(chat_id: int, thread_id: int) -> str:
    """A link to a topic of a supergroup (members open it; others see nothing)."""
    internal = str(-chat_id)
    internal = internal[3:] if internal.startswith("100") else internal
    return f"https://t.me/c/{internal}/{thread_id}"


def _pending(tx: Transaction, ticket: Ticket, method: Method) -> Outgoing | None:
    return next((e for e in tx.outgoings() if e.ticket == ticket.key and e.method is method
                 and e.status is Status.PENDING), None)


def prepare(outbox, tx: Transaction, ticket: Ticket, store: StoreConfig) -> bool:
    """Before the card is posted: in topics mode, make the ticket's topic (unless it has one
    or one is on its way). True when the card goes into a topic."""
    if not ticket.topic:
        if ticket.card_message_id is not None or not enabled(outbox.desk, store):
            return False
        ticket.topic = True
    if ticket.topic_id is None and _pending(tx, ticket, Method.TOPIC) is None:
        t = translator(store.language)
        ticket.topic_title = title(t, ticket)
        ticket.topic_closed = False
        outbox.put(tx, Outgoing(
            id="", chat_id=store.staff_chat_id, kind="topic", priority=Priority.CARD,
            method=Method.TOPIC, text=ticket.topic_title, ticket=ticket.key,
            number=ticket.number, store_id=store.id, remember=TOPIC))
    tx.save(ticket)
    return True


def after_card(outbox, tx: Transaction, ticket: Ticket, store: StoreConfig) -> None:
    """The card was queued as the topic's first message: pin it, and link the customer's
    earlier topics (a regular's history, one tap away)."""
    outbox.put(tx, Outgoing(
        id="", chat_id=store.staff_chat_id, kind="pin", priority=Priority.CARD,
        method=Method.PIN, target=Ref(ticket.key, CARD), ticket=ticket.key,
        number=ticket.number, store_id=store.id))
    earlier = _earlier(outbox.desk, ticket)
    if not earlier:
        return
    t = translator(store.language)
    links = [f'<a href="{link(store.staff_chat_id, thread)}">#{number}</a>'
             for number, thread in earlier]
    outbox.put(tx, Outgoing(
        id="", chat_id=store.staff_chat_id, kind="earlier_topics", priority=Priority.NOTICE,
        text=t.gettext("🗂 Earlier tickets of this customer: {links}").format(
            links=", ".join(links)), ticket=ticket.key, number=ticket.number,
        store_id=store.id))


def _earlier(desk: Desk, ticket: Ticket) -> list[tuple[int, int]]:
    found: dict[int, int] = {}
    customer = desk.db.customer(ticket.customer_id)
    for number, thread in (customer.topics if customer else []):
        found[number] = thread
    for other in desk.db.tickets_of(ticket.customer_id):  # their open ones
        if other.key != ticket.key \
                and other.store_id == ticket.store_id and other.topic_id is not None \
                and other.number is not None:
            found[other.number] = other.topic_id
    return sorted(found.items())[-10:]


def follow(outbox, tx: Transaction, ticket: Ticket, store: StoreConfig) -> None:
    """The topic follows the ticket: its name (the state's emoji), closed when the ticket is
    done, reopened when it reopens. A rename still queued takes the newest name."""
    if not ticket.topic:
        return
    creating = _pending(tx, ticket, Method.TOPIC) if ticket.topic_id is None else None
    if ticket.topic_id is None and creating is None:
        return
    t = translator(store.language)
    name = title(t, ticket)
    if name != ticket.topic_title:
        ticket.topic_title = name
        if creating is not None and not _flying(outbox, creating):
            creating.text = name
            tx.put(creating)
        else:
            merge = f"topic:{ticket.key}"
            queued = outbox.mergeable(tx, merge)
            if queued is not None:
                queued.text = name
                tx.put(queued)
            else:
                outbox.put(tx, Outgoing(
                    id="", chat_id=store.staff_chat_id, kind="topic_name",
                    priority=Priority.EDIT, method=Method.RENAME, text=name,
                    target=Ref(ticket.key, TOPIC), ticket=ticket.key, number=ticket.number,
                    store_id=store.id, merge=merge))
    closed = not ticket.is_active
    if closed != ticket.topic_closed:
        ticket.topic_closed = closed
        outbox.put(tx, Outgoing(
            id="", chat_id=store.staff_chat_id, kind="topic_state", priority=Priority.EDIT,
            method=Method.CLOSE if closed else Method.REOPEN, target=Ref(ticket.key, TOPIC),
            ticket=ticket.key, number=ticket.number, store_id=store.id))
    tx.save(ticket)


def _flying(outbox, entry: Outgoing) -> bool:
    return outbox.sender is not None and outbox.sender.is_flying(entry.id)


def thread_into(tx: Transaction, entry: Outgoing, store: StoreConfig | None) -> None:
    """An entry for a ticket's group goes into the ticket's topic (no reply to the card
    needed there: the topic is the thread)."""
    if store is None or entry.chat_id != store.staff_chat_id or entry.method in TOPIC_METHODS:
        return
    ticket = tx.ticket(entry.ticket or "")
    if ticket is None or not ticket.topic:
        return
    entry.thread = Ref(ticket.key, TOPIC)
    if entry.reply_to == Ref(ticket.key, CARD):
        entry.reply_to = None


# -- faults, from the sender -------------------------------------------------------------------


def topic_gone(outbox, entry: Outgoing) -> None:
    """The ticket's topic was deleted by hand: make it again with the card, then send what
    was on its way into it."""
    with outbox.transaction() as tx:
        ticket = tx.ticket(entry.ticket or "")
        store = outbox.desk.store(ticket.store_id) if ticket else None
        if ticket is None or store is None:
            tx.drop(entry.id)
            return
        log.warning("the topic of ticket #%s was deleted; making it again", ticket.number)
        ticket.topic_id = None
        ticket.card_message_id = None
        ticket.topic_title = None
        ticket.topic_closed = False
        tx.save(ticket)
        # The new topic gets its own name, state, card and pin.
        stale = (Method.RENAME, Method.CLOSE, Method.REOPEN, Method.PIN)
        for queued in [entry, *tx.outgoings()]:
            if queued.ticket != ticket.key or queued.status is not Status.PENDING \
                    or (queued is not entry and _flying(outbox, queued)):
                continue
            if queued.method in stale or queued.kind == "card" or queued.method is Method.TOPIC:
                tx.drop(queued.id)
            elif queued is entry:
                tx.put(entry)
        outbox.card(tx, ticket)


def no_topics(outbox, entry: Outgoing, reason: str) -> None:
    """The group refused a topic: the store falls back to cards and replies, for this ticket
    and the next; the group and its managers hear which right is missing."""
    with outbox.transaction() as tx:
        tx.drop(entry.id)
        store = outbox.desk.store(entry.store_id or "")
        if store is None:
            return
        first = outbox.desk.db.topics_state(store.id) != REFUSED
        tx.set_topics(store.id, REFUSED)
        log.error("store %s: the staff group refused a topic (%s); falling back to cards",
                  store.id, reason)
        for ticket in tx.tickets():
            if ticket.store_id != store.id or not ticket.topic or ticket.topic_id is not None:
                continue
            ticket.topic = False
            ticket.topic_title = None
            tx.save(ticket)
            for queued in tx.outgoings():
                if queued.ticket != ticket.key or queued.status is not Status.PENDING:
                    continue
                if queued.method is Method.PIN:
                    tx.drop(queued.id)
                    continue
                if isinstance(queued.thread, Ref):
                    queued.thread = None
                    if queued.remember != CARD and queued.reply_to is None \
                            and queued.kind != "card":
                        queued.reply_to = Ref(ticket.key, CARD)
                    tx.put(queued)
        if first:
            t = translator(store.language)
            outbox.put(tx, Outgoing(
                id="", chat_id=store.staff_chat_id, kind="topics_refused",
                priority=Priority.NOTICE, store_id=store.id, text=_refused(t)))


def _refused(t: Translator) -> str:
    return t.gettext("⚠️ I may not create topics in this group, so tickets appear here as "
                     "cards, and you answer a customer by replying to the card. For a topic "
                     "per ticket, make me an administrator with the right “Manage topics” "
                     "(and Topics switched on), then restart me.")


def install(outbox) -> None:
    """Let the sender tell this module about deleted topics and refusals."""
    if outbox.sender is not None:
        outbox.sender.on_topic_gone = lambda entry: topic_gone(outbox, entry)
        outbox.sender.on_no_topics = lambda entry, reason: no_topics(outbox, entry, reason)


# -- the General topic: the day's overview -----------------------------------------------------


def overview(t: Translator, store: StoreConfig, tickets: list[Ticket], now: datetime) -> str:
    """The group's morning overview, in General (where the cards used to be): open tickets,
    those due today and those overdue, each a link to its topic."""
    today = local_day(store, now)
    due, overdue = [], []
    for ticket in tickets:
        deadline = ticket.reply_by if ticket.state is State.ESCALATED else ticket.contact_by
        if not deadline or ticket.state not in (State.NEW, State.OFFERED, State.CLAIMED,
                                                State.ESCALATED):
            continue
        moment = datetime.fromisoformat(deadline)
        if moment <= now:
            overdue.append(ticket)
        elif local_day(store, moment) == today:
            due.append(ticket)
    lines = [t.gettext("📋 {store}, {day}: {open} open · {due} due today · {overdue} overdue"
                       ).format(store=escape(store.name), day=t.date(today),
                                open=len(tickets), due=len(due), overdue=len(overdue))]
    for ticket in tickets[:OVERVIEW_LISTED]:
        name = escape(title(t, ticket))
        mark = " ⚠️" if ticket in overdue else (" ⏰" if ticket in due else "")
        if ticket.topic_id is not None:
            name = f'<a href="{link(store.staff_chat_id, ticket.topic_id)}">{name}</a>'
        lines.append(f"{name}{mark}")
    if len(tickets) > OVERVIEW_LISTED:
        lines.append(t.gettext("and {count} more").format(
            count=len(tickets) - OVERVIEW_LISTED))
    return "\n".join(lines)


OVERVIEW_LISTED = 20


def post_overview(outbox, store: StoreConfig, now: datetime) -> bool:
    """Once a day per store in topics mode: the overview in General. True when posted."""
    mark = f"overview:{store.id}:{local_day(store, now).isoformat()}"
    desk = outbox.desk
    if desk.db.marked(mark) or not enabled(desk, store):
        return False
    t = translator(store.language)
    with outbox.transaction() as tx:
        tickets = sorted((tk for tk in tx.tickets() if tk.store_id == store.id
                          and tk.is_active), key=lambda tk: tk.number or 0)
        tx.mark(mark, now)
        outbox.put(tx, Outgoing(
            id="", chat_id=store.staff_chat_id, kind="overview", priority=Priority.NOTICE,
            text=overview(t, store, tickets, now), store_id=store.id))
    return True
