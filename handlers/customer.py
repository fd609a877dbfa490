"""The customer's private chat: complain in free text, confirm the restatement, follow the ticket.

Usage, as a customer sees it:
    /start            greeting (a store's QR code opens /start s_<store_id>)
    <any text/photo>  a complaint: thanks, a restatement, "Is this right?"
    /mytickets        my tickets and their state
    /cancel           drop an unsubmitted draft
    /language         choose 简体中文, 繁體中文 or English

The flow follows seed 003: thank the customer, restate the complaint (复述其意见), and only a
confirmed restatement becomes a ticket. At most two short questions come before the
restatement: which store (in a chain, when no QR link told us) and what the customer wants.
Every update is one write of the database with the replies it causes; the outbox delivers.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from desk import answers, lifecycle, policy
from desk.buttons import Action, Press, decode
from desk.calendar import local_day, urgent_contact_deadline
from desk.config import StoreConfig
from desk.i18n import LANGUAGES, N_, Translator, translator
from desk.models import TIER_VIP, Customer, Kind, State, Ticket, Want, new_key
from desk.names import contact_name
from desk.restatement import named_person, read_complaint, read_urgency
from desk.roster import pick_technician
from desk.storage import Transaction
from desk.text import visible
from desk.tone import tone_of
from handlers import greetings as manager_greetings
from handlers import survey
from handlers.common import display_name, media_of, remember_user, reply, user_translator
from outbox import notices, views
from outbox.context import DeskContext
from outbox.notices import alert_escalation, alert_question
from outbox.refusals import invalid_button
from outbox.relay import media_to_group

# Drafts and tickets keep the whole text Telegram allows; the restatement quotes a part.
MAX_TEXT = 4096
DECLINE_PHONE = N_("No, thanks")
PRIVATE = filters.ChatType.PRIVATE
FOLLOWUP_ACK = "followup_ack"
HOT_FOLLOWUPS = 20  # per ticket in the hot file
HOT_FOLLOWUP_TEXT = 500  # characters of each
MEDIA_ICONS = {"photo": "📷", "voice": "🎤", "video": "🎬", "video_note": "🎬", "document": "📄",
               "audio": "🎵", "animation": "🎞"}
CUSTOMER_MEDIA = (filters.PHOTO | filters.VOICE | filters.VIDEO | filters.VIDEO_NOTE
                  | filters.Document.ALL | filters.AUDIO)


class Invalid(Exception):
    """A press this customer cannot make now: the transaction is dropped, the press refused."""


async def start(update: Update, context: DeskContext) -> None:
    """Greet the customer; a deep link ``s_<store_id>`` binds them to that store."""
    desk = context.desk
    user = update.effective_user
    customer = remember_user(desk, user)
    arg = context.args[0] if context.args else ""
    linked = desk.settings.store(arg[2:]) if arg.startswith("s_") else None
    if linked is not None:
        customer.store_id = linked.id
        # One visit a day per store: a QR scan at the counter.
        customer.record_visit(linked.id, local_day(linked, desk.clock()))
    elif customer.store_id is None and len(desk.settings.stores) == 1:
        customer.store_id = desk.settings.stores[0].id
    desk.db.save_customer(customer)
    t = user_translator(desk, user, customer)
    _ = t.gettext
    with context.outbox.transaction() as tx:
        if arg and linked is None:
            context.outbox.send(tx, user.id, _(
                "Sorry, this link does not belong to any of our stores."), kind="bad_link")
        store = desk.store(customer.store_id)
        if store is None:
            context.outbox.send(tx, user.id, _("Hello! Which of our stores is this about?"),
                                kind="store_question",
                                markup=views.store_keyboard(desk.settings.stores))
            return
        context.outbox.send(tx, user.id, views.welcome(t, customer, store)
                            + views.greeting(t, store.name), kind="greeting")


async def help_command(update: Update, context: DeskContext) -> None:
    """Say what the bot does and which commands there are."""
    t = user_translator(context.desk, update.effective_user)
    reply(update, context, t.gettext(
        "Write to me what went wrong and I will pass it to the store's technicians.\n"
        "/mytickets shows your tickets, /cancel drops an unsubmitted draft, "
        "/language changes the language."), kind="help")


async def language(update: Update, context: DeskContext) -> None:
    """Offer the shipped languages."""
    t = user_translator(context.desk, update.effective_user)
    reply(update, context, t.gettext("Please choose your language:"), kind="language",
          markup=views.language_keyboard())


async def my_tickets(update: Update, context: DeskContext) -> None:
    """List the customer's own tickets, open ones first."""
    desk = context.desk
    user = update.effective_user
    customer = remember_user(desk, user)
    t = user_translator(desk, user, customer)
    tickets = desk.db.tickets_of(user.id)
    for number in reversed(customer.closed_tickets[-5:]):
        archived = desk.db.archived(number)
        if archived is not None and archived.customer_id == user.id:
            tickets.append(archived)
    if not tickets:
        reply(update, context, t.gettext("You have no tickets yet."), kind="my_tickets")
        return
    lines = [t.gettext("Your tickets:")] + [
        views.ticket_line(t, ticket, desk.display_store(ticket.store_id)) for ticket in tickets
    ]
    reply(update, context, "\n".join(lines), kind="my_tickets")


async def cancel(update: Update, context: DeskContext) -> None:
    """Drop the customer's unsubmitted draft."""
    user = update.effective_user
    t = user_translator(context.desk, user)
    with context.outbox.transaction() as tx:
        draft = tx.draft_for(user.id)
        if draft is None:
            context.outbox.send(tx, user.id, t.gettext(
                "There is no unsubmitted draft to drop."), kind="cancel")
            return
        tx.remove(draft.key)
        context.outbox.send(tx, user.id, t.gettext(
            "Your draft was dropped. Write to me any time."), kind="cancel")


async def on_message(update: Update, context: DeskContext) -> None:
    """A customer's words: a follow-up to an open ticket, a draft's correction, or a complaint."""
    desk = context.desk
    user = update.effective_user
    message = update.effective_message
    customer = remember_user(desk, user)
    t = user_translator(desk, user, customer)
    _ = t.gettext
    # Zero-width characters alone look empty to everyone: they are no complaint.
    text = visible(message.text or message.caption or "")[:MAX_TEXT]
    photo = message.photo[-1].file_id if message.photo else None
    media = media_of(message)
    if not text and media is None:
        reply(update, context, _("Please tell me in words what happened."), kind="ask_words")
        return
    if text in {translator(code).gettext(DECLINE_PHONE) for code in LANGUAGES}:
        def decline(profile: Customer) -> None:
            profile.phone_declined = True

        desk.db.update_customer(user.id, decline)
        reply(update, context, _("All right. We will answer you here in this chat."),
              kind="phone_declined", markup=ReplyKeyboardRemove())
        return
    surveyed = desk.db.awaiting_comment(user.id)
    if surveyed is not None and text:
        survey.record_comment(update, context, surveyed.key, text)
        return
    with context.outbox.transaction() as tx:
        active = tx.active_for(user.id)
        if active is not None:
            _attach_followup(context, tx, active, text, photo, t, media, message.message_id)
            return
        draft = tx.draft_for(user.id)
        store = desk.store((draft.store_id if draft else "") or customer.store_id or "")
        # A question the store's facts answer is answered at once; a draft waits as it is.
        if store is not None and text and media is None \
                and _answer_from_facts(context, tx, user.id, text, store, t):
            return
        if draft is None:
            draft = Ticket(key=new_key(), store_id=customer.store_id or "", customer_id=user.id,
                           customer_name=display_name(user), language=t.language, text=text,
                           kind=Kind.QUALITY, created_at=desk.clock().isoformat())
        elif draft.awaiting == "text" or not draft.text:
            draft.text = text  # a correction replaces the words; photos stay
        elif text:
            draft.text = f"{draft.text}\n{text}"[:MAX_TEXT]  # two messages in a row: one story
        if photo is not None:
            draft.photos.append(photo)
        if media is not None:  # shown to staff with the card
            draft.attachments.append({"kind": media, "message_id": message.message_id})
        if not draft.text:
            draft.awaiting = "text"
            tx.save(draft)
            context.outbox.send(tx, user.id, _(
                "Thank you for the photo. Please describe the problem in a sentence or two.")
                if photo is not None else _(
                "Thank you, the technician will get it with your complaint. So that I can "
                "restate the complaint, please describe the problem in a sentence or two."),
                kind="ask_words")
            return
        _restate(context, tx, draft, customer, t)


def _restate(context: DeskContext, tx: Transaction, draft: Ticket, customer: Customer,
             t: Translator) -> None:
    """Read the draft afresh and show the restatement, or ask the one missing thing first."""
    desk = context.desk
    if not draft.store_id and customer.store_id:
        draft.store_id = customer.store_id
    store = desk.store(draft.store_id)
    reading = read_complaint(draft.text, store.products if store else (),
                             dict(store.product_aliases) if store else None)
    draft.kind, draft.product = reading.kind, reading.product
    draft.wants = list(reading.wants) or (draft.wants if draft.awaiting != "text" else [])
    draft.urgency, draft.urgency_words = list(reading.urgency), list(reading.urgency_words)
    chat = draft.customer_id
    if store is None:
        draft.store_id = ""
        draft.awaiting = "store"
        tx.save(draft)
        context.outbox.send(tx, chat, t.gettext("Thank you. Which of our stores is this about?"),
                            kind="store_question",
                            markup=views.store_keyboard(desk.settings.stores))
        return
    if draft.kind is Kind.INQUIRY:  # a question is answered, or filed once: not restated
        if _answer_from_facts(context, tx, chat, draft.text, store, t):
            tx.remove(draft.key)
        else:
            _file_question(context, tx, draft, customer, store, t)
        return
    if draft.want is None:
        draft.awaiting = "want"
        tx.save(draft)
        context.outbox.send(tx, chat, views.want_question(t), kind="want_question",
                            markup=views.want_keyboard(t, draft))
        return
    draft.awaiting = None
    opening = views.opening(t, customer, store, tone_of(draft.text), draft.urgency) \
        if draft.restatement_message_id is None else ""
    tx.save(draft)
    context.outbox.send(tx, chat, opening + views.restatement(t, draft), kind="restatement",
                        markup=views.restatement_keyboard(t, draft), ticket=draft,
                        remember="restatement_message_id")


def _answer_from_facts(context: DeskContext, tx: Transaction, chat: int, text: str,
                       store: StoreConfig, t: Translator) -> bool:
    """Answer a question from the store's facts (hours, address...); False when the text is
    no question or the facts do not answer it."""
    if read_complaint(text, store.products).kind is not Kind.INQUIRY:
        return False
    found = answers.answer(text, store, context.desk.clock(), t)
    if found is None:
        return False
    context.outbox.send(tx, chat, found.text, kind="answer")
    return True


def _file_question(context: DeskContext, tx: Transaction, draft: Ticket, customer: Customer,
                   store: StoreConfig, t: Translator) -> None:
    """Seed 003's path for an unclear question, once: one message to the customer (sorry, your
    phone number please, the specialist answers by a time), the store's managers told, and the
    reply time kept like an escalation's (reminded before, alerted when missed)."""
    outbox = context.outbox
    now = context.desk.clock()
    options = policy.reply_options(store, now)
    draft.want = Want.EXPLANATION
    draft.language = t.language
    draft.number = tx.next_number()
    lifecycle.file_question(draft, now, options[0].at if options else None)
    tx.save(draft)
    ask_phone = not customer.phone and not customer.phone_declined
    outbox.send(tx, draft.customer_id, views.question_filed(t, draft, store, now, ask_phone),
                kind="question_filed", markup=views.contact_keyboard(t) if ask_phone else None,
                ticket=draft)
    outbox.card(tx, draft)
    if draft.reply_by is None:  # the policy gives no time: the managers choose one
        alert_escalation(outbox, tx, draft, store)
    else:
        alert_question(outbox, tx, draft, store)
    for attachment in draft.attachments:
        media_to_group(outbox, tx, draft, attachment["message_id"], attachment["kind"],
                       with_card=True)


def _attach_followup(context: DeskContext, tx: Transaction, ticket: Ticket, text: str,
                     photo: str | None, t: Translator, media: str | None = None,
                     message_id: int | None = None) -> None:
    """Attach a customer's message to their open ticket; never open a duplicate. Staff get a
    notice under the card (one for several messages in quick succession)."""
    now = context.desk.clock()
    if photo is not None:
        ticket.photos.append(photo)
    icon = MEDIA_ICONS.get(media or "", "")
    entry = {"at": now.isoformat(), "text": text or icon, **({"media": media} if media else {})}
    # The hot file is rewritten on every write: it keeps the last few, shortened; the side
    # file keeps every word for the archive and the export.
    context.desk.db.keep_followup(ticket.key, entry)
    ticket.followups = [*ticket.followups, {**entry, "text": entry["text"][:HOT_FOLLOWUP_TEXT]}
                        ][-HOT_FOLLOWUPS:]
    ticket.record(now, ticket.customer_id, "followup", **({"media": media} if media else {}))
    store = context.desk.store(ticket.store_id)
    # Urgency is read in follow-ups too: "现在冒烟了" makes the open ticket urgent.
    alert = lifecycle.turn_urgent(ticket, now, *read_urgency(text),
                                  urgent_contact_deadline(store, now) if store else None)
    tx.save(ticket)
    staffed = store is not None  # a removed store has no staff
    context.outbox.to_customer(tx, ticket, lambda tc: (tc.gettext(
        "Added to your ticket #{number}; the technician will see it.") if staffed
        else tc.gettext("Added to your ticket #{number}.")).format(
            number=ticket.number), kind=FOLLOWUP_ACK, merge=f"{FOLLOWUP_ACK}:{ticket.key}")
    context.outbox.card(tx, ticket)
    if alert and store is not None:
        notices.alert_urgent(context.outbox, tx, ticket, store, followup=True)
    if media is not None and message_id is not None:  # staff see (or hear) it themselves
        media_to_group(context.outbox, tx, ticket, message_id, media, text)
        return
    line = views.followup_line(text or icon)
    context.outbox.in_thread(
        tx, ticket, lambda ts: views.followup_notice(ts, ticket) + "\n" + line,
        kind="followup_notice", merge=f"followup:{ticket.key}", addition=line)


async def on_contact(update: Update, context: DeskContext) -> None:
    """Keep the phone number the customer shared, and tell staff on their open tickets."""
    desk = context.desk
    user = update.effective_user
    contact = update.effective_message.contact
    customer = remember_user(desk, user)
    t = user_translator(desk, user, customer)
    if contact.user_id != user.id:
        reply(update, context, t.gettext("Please share your own phone number with the button "
                                         "below."), kind="phone_not_own")
        return

    def keep(profile: Customer) -> None:
        profile.phone = contact.phone_number
        profile.contact_name = contact_name(contact.first_name, contact.last_name) or None
        profile.phone_declined = False

    desk.db.update_customer(user.id, keep)
    with context.outbox.transaction() as tx:
        context.outbox.send(tx, user.id, t.gettext(
            "Thank you, our technician will call you on {phone}.").format(
                phone=escape(contact.phone_number)), kind="phone_thanks",
            markup=ReplyKeyboardRemove())
        for ticket in tx.tickets():
            if ticket.customer_id == user.id and ticket.is_active:
                context.outbox.card(tx, ticket)
                context.outbox.in_thread(tx, ticket, lambda ts, tk=ticket: views.phone_notice(
                    ts, tk, contact.phone_number), kind="phone_notice")


async def on_unsupported(update: Update, context: DeskContext) -> None:
    """Stickers, locations, polls: a polite word about what the bot takes."""
    t = user_translator(context.desk, update.effective_user)
    reply(update, context, t.gettext(
        "Sorry, I can only take text, photos, voice messages, videos and files. Please "
        "describe the problem in words."), kind="unsupported")


async def on_edited(update: Update, context: DeskContext) -> None:
    """An edited message changes nothing already received; say so."""
    t = user_translator(context.desk, update.effective_user)
    reply(update, context, t.gettext(
        "I saw that you edited a message. What was already received stays as it was; to add "
        "something, please send a new message."), kind="edited")


# -- buttons -----------------------------------------------------------------------------------

Button = Callable[[Update, DeskContext, Press, Customer, Translator], None]


async def on_button(update: Update, context: DeskContext) -> None:
    """Route a customer's button press after checking it is theirs."""
    query = update.callback_query
    user = update.effective_user
    customer = remember_user(context.desk, user)
    t = user_translator(context.desk, user, customer)
    press = decode(query.data)
    handler = BUTTONS.get(press.action) if press else None
    if handler is None:
        context.outbox.answer(query, invalid_button(t), alert=True)
        return
    if query.message is None or query.message.chat.type != "private":
        context.outbox.answer(query, t.gettext("This button does not work here."), alert=True)
        return
    try:
        handler(update, context, press, customer, t)
    except Invalid:
        context.outbox.answer(query, invalid_button(t), alert=True)
        return
    context.outbox.answer(query)


def _own_draft(tx: Transaction, key: str, user_id: int) -> Ticket:
    draft = tx.ticket(key)
    if draft is None or draft.customer_id != user_id or draft.state is not State.DRAFT:
        raise Invalid
    return draft


def _query_message(update: Update) -> tuple[int, int]:
    message = update.callback_query.message
    return message.chat.id, message.message_id


def _choose_store(update: Update, context: DeskContext, press: Press, customer: Customer,
                  t: Translator) -> None:
    desk = context.desk
    store = desk.store(str(press.args[0]))
    if store is None:
        raise Invalid

    def choose(profile: Customer) -> None:
        profile.store_id = store.id

    customer = desk.db.update_customer(customer.user_id, choose) or customer
    chat, message_id = _query_message(update)
    with context.outbox.transaction() as tx:
        context.outbox.edit(tx, chat, message_id, t.gettext("Store: {store}").format(
            store=escape(store.name)), kind="store_chosen")
        draft = tx.draft_for(customer.user_id)
        if draft is not None and draft.awaiting == "store":
            draft.store_id = store.id
            _restate(context, tx, draft, customer, t)
        else:
            context.outbox.send(tx, chat, views.greeting(t, store.name), kind="greeting")


def _choose_language(update: Update, context: DeskContext, press: Press, customer: Customer,
                     t: Translator) -> None:
    code = str(press.args[0])
    if code not in LANGUAGES:
        raise Invalid

    def choose(profile: Customer) -> None:
        profile.language = code

    context.desk.db.update_customer(customer.user_id, choose)
    chat, message_id = _query_message(update)
    with context.outbox.transaction() as tx:
        context.outbox.edit(tx, chat, message_id,
                            translator(code).gettext("I will write to you in English."),
                            kind="language_chosen")


def _show_kinds(update: Update, context: DeskContext, press: Press, customer: Customer,
                t: Translator) -> None:
    chat, message_id = _query_message(update)
    with context.outbox.transaction() as tx:
        draft = _own_draft(tx, str(press.args[0]), customer.user_id)
        context.outbox.edit(tx, chat, message_id, views.restatement(t, draft),
                            kind="restatement", markup=views.kind_keyboard(t, draft))


def _set_reading(update: Update, context: DeskContext, press: Press, customer: Customer,
                 t: Translator) -> None:
    """The customer picked the kind or what they want; show the restatement again."""
    chat, message_id = _query_message(update)
    with context.outbox.transaction() as tx:
        draft = _own_draft(tx, str(press.args[0]), customer.user_id)
        value = str(press.args[1])
        if press.action is Action.SET_KIND:
            draft.kind = Kind(value)
            if draft.kind is Kind.INQUIRY and draft.want is None:
                draft.want = Want.EXPLANATION
        else:
            draft.want = Want(value)
        if draft.want is None:
            draft.awaiting = "want"
            tx.save(draft)
            context.outbox.edit(tx, chat, message_id, views.want_question(t),
                                kind="want_question", markup=views.want_keyboard(t, draft))
            return
        draft.awaiting = None
        store = context.desk.store(draft.store_id)
        # The want question answered: the restatement's first showing, with its opening.
        opening = views.opening(t, customer, store, tone_of(draft.text), draft.urgency) \
            if draft.restatement_message_id is None and store is not None else ""
        draft.restatement_message_id = message_id
        tx.save(draft)
        context.outbox.edit(tx, chat, message_id, opening + views.restatement(t, draft),
                            kind="restatement", markup=views.restatement_keyboard(t, draft))


def _toggle_want(update: Update, context: DeskContext, press: Press, customer: Customer,
                 t: Translator) -> None:
    """A want button. Answering the one question sets that want and shows the restatement; under
    the restatement each press adds or removes its want (a complaint can ask for several)."""
    chat, message_id = _query_message(update)
    with context.outbox.transaction() as tx:
        draft = _own_draft(tx, str(press.args[0]), customer.user_id)
        want = Want(str(press.args[1]))
        asked = draft.awaiting == "want"
        if asked:
            draft.wants = [want]
        elif want in draft.wants:
            draft.wants = [w for w in draft.wants if w is not want]
        else:
            draft.wants = [*draft.wants, want]
        _show_reading(context, tx, draft, chat, message_id, t, toggles=not asked,
                      customer=customer)


def _show_wants(update: Update, context: DeskContext, press: Press, customer: Customer,
                t: Translator) -> None:
    chat, message_id = _query_message(update)
    with context.outbox.transaction() as tx:
        draft = _own_draft(tx, str(press.args[0]), customer.user_id)
        _show_reading(context, tx, draft, chat, message_id, t, toggles=True)


def _wants_done(update: Update, context: DeskContext, press: Press, customer: Customer,
                t: Translator) -> None:
    chat, message_id = _query_message(update)
    with context.outbox.transaction() as tx:
        draft = _own_draft(tx, str(press.args[0]), customer.user_id)
        _show_reading(context, tx, draft, chat, message_id, t, toggles=False)


def _show_reading(context: DeskContext, tx: Transaction, draft: Ticket, chat: int,
                  message_id: int, t: Translator, toggles: bool,
                  customer: Customer | None = None) -> None:
    """The restatement with the want toggles or its own buttons; the one question when no want
    is left. Its first showing (the want question answered) opens like any restatement."""
    if not draft.wants:
        draft.awaiting = "want"
        tx.save(draft)
        context.outbox.edit(tx, chat, message_id, views.want_question(t),
                            kind="want_question", markup=views.want_keyboard(t, draft))
        return
    draft.awaiting = None
    store = context.desk.store(draft.store_id)
    opening = views.opening(t, customer, store, tone_of(draft.text), draft.urgency) \
        if draft.restatement_message_id is None and customer is not None and store is not None \
        else ""
    draft.restatement_message_id = message_id
    tx.save(draft)
    markup = (views.want_keyboard(t, draft, toggles=True) if toggles
              else views.restatement_keyboard(t, draft))
    context.outbox.edit(tx, chat, message_id, opening + views.restatement(t, draft),
                        kind="restatement", markup=markup)


def _ask_correction(update: Update, context: DeskContext, press: Press, customer: Customer,
                    t: Translator) -> None:
    with context.outbox.transaction() as tx:
        draft = _own_draft(tx, str(press.args[0]), customer.user_id)
        draft.awaiting = "text"
        tx.save(draft)
        context.outbox.send(tx, customer.user_id, t.gettext(
            "Please send me the whole description again, and I will restate it."),
            kind="ask_correction")


def _confirm(update: Update, context: DeskContext, press: Press, customer: Customer,
             t: Translator) -> None:
    """The customer confirmed: the ticket, its acknowledgement and its card, in one write."""
    desk = context.desk
    outbox = context.outbox
    chat, message_id = _query_message(update)
    with outbox.transaction() as tx:
        draft = _own_draft(tx, str(press.args[0]), customer.user_id)
        store = desk.store(draft.store_id)
        if draft.want is None or store is None or not draft.text or draft.awaiting:
            raise Invalid
        if draft.kind is Kind.INQUIRY:  # the customer made it a question
            outbox.edit(tx, chat, message_id, views.restatement(t, draft, asking=False),
                        kind="restatement", ticket=draft)
            _file_question(context, tx, draft, customer, store, t)
            return
        now = desk.clock()
        if draft.kind is Kind.SERVICE:  # never offered to the technician it is about
            named = named_person(draft.text, [tech.name for tech in store.technicians])
            draft.complained_about = next(
                (tech.user_id for tech in store.technicians if tech.name == named), None)
        offer_to = pick_technician(store, desk.db.open_load(store.id), now,
                                   exclude=policy.barred(draft))
        draft.vip = customer.tier == TIER_VIP
        contact_by = policy.contact_deadline(store, draft, now)  # VIP and urgency shorten it
        draft.language = t.language
        draft.number = tx.next_number()
        lifecycle.confirm(draft, now, offer_to, contact_by)
        tx.save(draft)
        # The sender delivers only after this write: the customer is acknowledged once the
        # ticket is on disk.
        outbox.edit(tx, chat, message_id, views.restatement(t, draft, asking=False),
                    kind="restatement", ticket=draft)
        outbox.send(tx, chat, views.acknowledgement(t, draft, store, now),
                    kind="acknowledgement", ticket=draft)
        if not customer.phone and not customer.phone_declined:
            outbox.send(tx, chat, views.phone_request(t),
                        kind="phone_request", markup=views.contact_keyboard(t), ticket=draft)
        outbox.card(tx, draft)
        if draft.urgency:
            notices.alert_urgent(outbox, tx, draft, store)
        for attachment in draft.attachments:  # the complaint's own photos, voice, video
            media_to_group(outbox, tx, draft, attachment["message_id"], attachment["kind"],
                           with_card=True)


async def greetings_command(update: Update, context: DeskContext) -> None:
    """/greetings on|off for customers; preview|cancel for managers."""
    desk = context.desk
    user = update.effective_user
    customer = remember_user(desk, user)
    t = user_translator(desk, user, customer)
    choice = (context.args or [""])[0].lower()
    if choice in ("preview", "cancel"):
        await (manager_greetings.preview if choice == "preview"
               else manager_greetings.cancel)(update, context)
        return
    if choice not in ("on", "off"):
        state = t.gettext("on") if customer.greetings else t.gettext("off")
        reply(update, context, t.gettext(
            "Holiday greetings are {state} for you. /greetings on or /greetings off to change."
        ).format(state=state), kind="greetings_state")
        return

    def consent(profile: Customer) -> None:
        profile.greetings = choice == "on"

    desk.db.update_customer(user.id, consent)
    reply(update, context, t.gettext("You will get our holiday greetings.") if choice == "on"
          else t.gettext("You will not get holiday greetings any more."), kind="greetings_state")


async def forget_me(update: Update, context: DeskContext) -> None:
    """Ask before deleting the customer's personal data."""
    t = user_translator(context.desk, update.effective_user)
    reply(update, context, t.gettext(
        "This deletes your name, phone number and profile with us. Your tickets stay in the "
        "store's records without any link to you, and we cannot follow them up with you any "
        "more. Delete?"), kind="forget_question", markup=views.forget_keyboard(t))


def _forget(update: Update, context: DeskContext, press: Press, customer: Customer,
            t: Translator) -> None:
    chat, message_id = _query_message(update)
    if press.args[0] != "yes":
        with context.outbox.transaction() as tx:
            context.outbox.edit(tx, chat, message_id, t.gettext("Nothing was deleted."),
                                kind="forget")
        return
    count = context.desk.db.forget_customer(customer.user_id, context.desk.clock())
    with context.outbox.transaction() as tx:
        context.outbox.edit(tx, chat, message_id, t.gettext(
            "Done: your personal data is deleted; {count} tickets are kept anonymously.").format(
                count=count), kind="forget")


BUTTONS: dict[Action, Button] = {
    Action.STORE: _choose_store,
    Action.LANGUAGE: _choose_language,
    Action.FORGET: _forget,
    Action.CONFIRM: _confirm,
    Action.SHOW_KINDS: _show_kinds,
    Action.SET_KIND: _set_reading,
    Action.SET_WANT: _toggle_want,
    Action.SHOW_WANTS: _show_wants,
    Action.WANTS_DONE: _wants_done,
    Action.CORRECT: _ask_correction,
}


def register(application: Application) -> None:
    """Customer handlers, private chats only; the order matters: commands, then content."""
    application.add_handler(CommandHandler("start", start, filters=PRIVATE))
    application.add_handler(CommandHandler("help", help_command, filters=PRIVATE))
    application.add_handler(CommandHandler("language", language, filters=PRIVATE))
    application.add_handler(CommandHandler("mytickets", my_tickets, filters=PRIVATE))
    application.add_handler(CommandHandler("cancel", cancel, filters=PRIVATE))
    # block=False: a manager's preview plans a campaign from the history, off the update queue.
    application.add_handler(CommandHandler("greetings", greetings_command, filters=PRIVATE,
                                           block=False))
    application.add_handler(CommandHandler("forget_me", forget_me, filters=PRIVATE))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^c:"))
    application.add_handler(MessageHandler(
        PRIVATE & filters.UpdateType.EDITED_MESSAGE, on_edited))
    application.add_handler(MessageHandler(
        PRIVATE & filters.UpdateType.MESSAGE & filters.CONTACT, on_contact))
    application.add_handler(MessageHandler(
        PRIVATE & filters.UpdateType.MESSAGE & ((filters.TEXT & ~filters.COMMAND) | CUSTOMER_MEDIA),
        on_message))
    application.add_handler(MessageHandler(
        PRIVATE & filters.UpdateType.MESSAGE & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
        on_unsupported))
