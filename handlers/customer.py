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
"""

from __future__ import annotations

from telegram import Message, ReplyKeyboardRemove, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from desk import lifecycle
from desk.calendar import contact_deadline, local_day
from desk.i18n import LANGUAGES, N_, Translator, translator
from desk.models import TIER_VIP, Customer, Kind, State, Ticket, Want, new_key
from desk.restatement import read_complaint
from desk.roster import pick_technician
from handlers import views
from handlers.cards import post_card, refresh_card
from handlers.common import (
    answer,
    desk_of,
    edit,
    remember_user,
    reply,
    split_data,
    user_translator,
)
from handlers.refusals import invalid_button
from handlers.survey import record_comment

# Drafts and tickets keep the whole text Telegram allows; the restatement quotes a part.
MAX_TEXT = 4096
DECLINE_PHONE = N_("No, thanks")
PRIVATE = filters.ChatType.PRIVATE


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the customer; a deep link ``s_<store_id>`` binds them to that store."""
    desk = desk_of(context)
    user = update.effective_user
    customer = remember_user(desk, user)
    arg = context.args[0] if context.args else ""
    linked = desk.settings.store(arg[2:]) if arg.startswith("s_") else None
    if linked is not None:
        customer.store_id = linked.id
        visit = f"{linked.id}:{local_day(linked, desk.clock()).isoformat()}"
        if visit not in customer.visits:  # one visit a day per store: a QR scan at the counter
            customer.visits.append(visit)
    elif customer.store_id is None and len(desk.settings.stores) == 1:
        customer.store_id = desk.settings.stores[0].id
    desk.store.save_customer(customer)
    t = user_translator(desk, user, customer)
    _ = t.gettext
    if arg and linked is None:
        await reply(update, context, _("Sorry, this link does not belong to any of our stores."))
    if customer.store_id is None:
        await reply(update, context, _("Hello! Which of our stores is this about?"),
                    reply_markup=views.store_keyboard(desk.settings.stores))
        return
    store = desk.store_config(customer.store_id)
    await reply(update, context, _welcome(t, customer, store) + _greeting(t, store.name))


def _welcome(t: Translator, customer: Customer, store) -> str:
    """A regular is recognised by name (seed 004: the hotel that greets its regular)."""
    if customer.is_regular(store.greetings.regular_after):
        return t.gettext("{name}, welcome back! ").format(name=customer.name)
    return ""


def _greeting(t: Translator, store_name: str) -> str:
    return t.gettext(
        "Hello! I am the customer service assistant of {store}. Tell me in a sentence or two "
        "what went wrong, or what you would like to ask; a photo with a caption is welcome too."
    ).format(store=store_name)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say what the bot does and which commands there are."""
    t = user_translator(desk_of(context), update.effective_user)
    await reply(update, context, t.gettext(
        "Write to me what went wrong and I will pass it to the store's technicians.\n"
        "/mytickets shows your tickets, /cancel drops an unsubmitted draft, "
        "/language changes the language."))


async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer the shipped languages."""
    t = user_translator(desk_of(context), update.effective_user)
    await reply(update, context, t.gettext("Please choose your language:"),
                reply_markup=views.language_keyboard())


async def my_tickets(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the customer's own tickets, open ones first."""
    desk = desk_of(context)
    user = update.effective_user
    customer = remember_user(desk, user)
    t = user_translator(desk, user, customer)
    tickets = desk.store.tickets_of(user.id)
    for number in reversed(customer.closed_tickets[-5:]):
        archived = desk.store.archived(number)
        if archived is not None and archived.customer_id == user.id:
            tickets.append(archived)
    if not tickets:
        await reply(update, context, t.gettext("You have no tickets yet."))
        return
    lines = [t.gettext("Your tickets:")] + [
        views.ticket_line(t, ticket, desk.store_config(ticket.store_id)) for ticket in tickets
    ]
    await reply(update, context, "\n".join(lines))


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Drop the customer's unsubmitted draft."""
    desk = desk_of(context)
    user = update.effective_user
    t = user_translator(desk, user, desk.store.customer(user.id))
    draft = desk.store.draft_for(user.id)
    if draft is None:
        await reply(update, context, t.gettext("There is no unsubmitted draft to drop."))
        return
    desk.store.delete_draft(draft)
    await reply(update, context, t.gettext("Your draft was dropped. Write to me any time."))


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A customer's words: a follow-up to an open ticket, a draft's correction, or a complaint."""
    desk = desk_of(context)
    user = update.effective_user
    message = update.effective_message
    customer = remember_user(desk, user)
    t = user_translator(desk, user, customer)
    _ = t.gettext
    text = (message.text or message.caption or "").strip()[:MAX_TEXT]
    photo = message.photo[-1].file_id if message.photo else None
    if not text and photo is None:
        await reply(update, context, _("Please tell me in words what happened."))
        return
    if text in {translator(code).gettext(DECLINE_PHONE) for code in LANGUAGES}:
        customer.phone_declined = True
        desk.store.save_customer(customer)
        await reply(update, context, _("All right. We will answer you here in this chat."),
                    reply_markup=ReplyKeyboardRemove())
        return
    now = desk.clock()
    surveyed = desk.store.awaiting_comment(user.id)
    if surveyed is not None and text:
        await record_comment(update, context, surveyed, text)
        return
    active = desk.store.active_for(user.id)
    if active is not None:
        await _attach_followup(update, context, active, text, photo, t)
        return
    draft = desk.store.draft_for(user.id)
    if draft is None:
        draft = Ticket(key=new_key(), store_id=customer.store_id or "", customer_id=user.id,
                       customer_name=user.full_name, language=t.language, text=text,
                       kind=Kind.QUALITY, created_at=now.isoformat())
    elif draft.awaiting == "text" or not draft.text:
        draft.text = text  # a correction replaces the words; photos stay
    elif text:
        draft.text = f"{draft.text}\n{text}"[:MAX_TEXT]  # two messages in a row are one story
    if photo is not None:
        draft.photos.append(photo)
    if not draft.text:
        draft.awaiting = "text"
        desk.store.save(draft)
        await reply(update, context, _("Thank you for the photo. Please describe the problem in "
                                       "a sentence or two."))
        return
    await _restate(update, context, draft, customer, t)


async def _restate(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Ticket,
                   customer: Customer, t: Translator) -> None:
    """Read the draft afresh and show the restatement, or ask the one missing thing first."""
    desk = desk_of(context)
    if not draft.store_id and customer.store_id:
        draft.store_id = customer.store_id
    products = desk.settings.store(draft.store_id).products if draft.store_id else ()
    reading = read_complaint(draft.text, products)
    draft.kind, draft.product = reading.kind, reading.product
    draft.want = reading.want or (draft.want if draft.awaiting != "text" else None)
    if not draft.store_id:
        draft.awaiting = "store"
        desk.store.save(draft)
        await reply(update, context, t.gettext("Thank you. Which of our stores is this about?"),
                    reply_markup=views.store_keyboard(desk.settings.stores))
        return
    if draft.want is None:
        draft.awaiting = "want"
        desk.store.save(draft)
        await reply(update, context, views.want_question(t),
                    reply_markup=views.want_keyboard(t, draft))
        return
    draft.awaiting = None
    welcome = _welcome(t, customer, desk.store_config(draft.store_id)) \
        if draft.restatement_message_id is None else ""
    sent = await reply(update, context, welcome + views.restatement(t, draft),
                       reply_markup=views.restatement_keyboard(t, draft))
    draft.restatement_message_id = sent.message_id if sent else None
    desk.store.save(draft)


async def _attach_followup(update: Update, context: ContextTypes.DEFAULT_TYPE, ticket: Ticket,
                           text: str, photo: str | None, t: Translator) -> None:
    """Attach a customer's message to their open ticket; never open a duplicate."""
    desk = desk_of(context)
    now = desk.clock()
    if photo is not None:
        ticket.photos.append(photo)
    ticket.followups.append({"at": now.isoformat(), "text": text or "📷"})
    ticket.record(now, ticket.customer_id, "followup")
    desk.store.save(ticket)
    await reply(update, context, t.gettext(
        "Added to your ticket #{number}; the technician will see it.").format(
            number=ticket.number))
    await refresh_card(context, ticket)


async def on_contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Keep the phone number the customer shared, and show it on their open tickets' cards."""
    desk = desk_of(context)
    user = update.effective_user
    contact = update.effective_message.contact
    customer = remember_user(desk, user)
    t = user_translator(desk, user, customer)
    if contact.user_id != user.id:
        await reply(update, context, t.gettext("Please share your own phone number with the "
                                               "button below."))
        return
    customer.phone = contact.phone_number
    customer.phone_declined = False
    desk.store.save_customer(customer)
    await reply(update, context, t.gettext("Thank you, our technician will call you on {phone}.")
                .format(phone=contact.phone_number), reply_markup=ReplyKeyboardRemove())
    for ticket in desk.store.tickets_of(user.id):
        if ticket.is_active:
            await refresh_card(context, ticket)


async def on_unsupported(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, voice, files: a polite word that only text and photos are read."""
    t = user_translator(desk_of(context), update.effective_user)
    await reply(update, context, t.gettext(
        "Sorry, I can only read text and photos with a caption. Please describe the problem "
        "in words."))


async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edited message changes nothing already received; say so."""
    t = user_translator(desk_of(context), update.effective_user)
    await reply(update, context, t.gettext(
        "I saw that you edited a message. What was already received stays as it was; to add "
        "something, please send a new message."))


# -- buttons -----------------------------------------------------------------------------------


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Route a customer's button press after checking it is theirs."""
    query = update.callback_query
    desk = desk_of(context)
    user = update.effective_user
    customer = remember_user(desk, user)
    t = user_translator(desk, user, customer)
    data = query.data or ""
    if not data.startswith("c:"):
        # PTB hands empty callback data to the first handler with a pattern.
        await answer(query, invalid_button(t), alert=True)
        return
    if query.message is None or query.message.chat.type != "private":
        await answer(query, t.gettext("This button does not work here."), alert=True)
        return
    if fields := split_data(data, "c", 2):
        action, value = fields
        if action == "store":
            await _choose_store(update, context, customer, value)
            return
        if action == "lang":
            await _choose_language(update, context, customer, value)
            return
        if action == "forget" and value in ("yes", "no"):
            await _forget(update, context, value == "yes")
            return
        handler = {"ok": _confirm, "kind": _show_kinds, "edit": _ask_correction}.get(action)
        draft = desk.store.by_key(value)
        if handler is not None and _is_own_draft(draft, user.id):
            await handler(update, context, draft, customer, t)
            return
    elif fields := split_data(data, "c", 3):
        action, key, value = fields
        draft = desk.store.by_key(key)
        if action in ("setkind", "want") and _is_own_draft(draft, user.id):
            enum = Kind if action == "setkind" else Want
            if value in {e.value for e in enum}:
                await _set_reading(update, context, draft, customer, t, action, value)
                return
    await answer(query, invalid_button(t), alert=True)


def _is_own_draft(ticket: Ticket | None, user_id: int) -> bool:
    return ticket is not None and ticket.customer_id == user_id and ticket.state is State.DRAFT


async def _edit_query_message(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str,
                              **kwargs) -> None:
    message: Message = update.callback_query.message
    await edit(context, message.chat.id, message.message_id, text, **kwargs)


async def _choose_store(update: Update, context: ContextTypes.DEFAULT_TYPE, customer: Customer,
                        store_id: str) -> None:
    desk = desk_of(context)
    query = update.callback_query
    store = desk.settings.store(store_id)
    t = user_translator(desk, update.effective_user, customer)
    if store is None:
        await answer(query, invalid_button(t), alert=True)
        return
    customer.store_id = store.id
    desk.store.save_customer(customer)
    await answer(query)
    await _edit_query_message(update, context, t.gettext("Store: {store}").format(
        store=store.name))
    draft = desk.store.draft_for(customer.user_id)
    if draft is not None and draft.awaiting == "store":
        draft.store_id = store.id
        await _restate(update, context, draft, customer, t)
    else:
        await reply(update, context, _greeting(t, store.name))


async def _choose_language(update: Update, context: ContextTypes.DEFAULT_TYPE,
                           customer: Customer, code: str) -> None:
    desk = desk_of(context)
    query = update.callback_query
    if code not in LANGUAGES:
        await answer(query, invalid_button(
            user_translator(desk, update.effective_user, customer)), alert=True)
        return
    customer.language = code
    desk.store.save_customer(customer)
    await answer(query)
    await _edit_query_message(update, context,
                              translator(code).gettext("I will write to you in English."))


async def _show_kinds(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Ticket,
                      customer: Customer, t: Translator) -> None:
    await answer(update.callback_query)
    await _edit_query_message(update, context, views.restatement(t, draft),
                              reply_markup=views.kind_keyboard(t, draft))


async def _set_reading(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Ticket,
                       customer: Customer, t: Translator, action: str, value: str) -> None:
    """The customer picked the kind or what they want; show the restatement again."""
    desk = desk_of(context)
    if action == "setkind":
        draft.kind = Kind(value)
        if draft.kind is Kind.INQUIRY and draft.want is None:
            draft.want = Want.EXPLANATION
    else:
        draft.want = Want(value)
    if draft.want is None:
        draft.awaiting = "want"
        desk.store.save(draft)
        await answer(update.callback_query)
        await _edit_query_message(update, context, views.want_question(t),
                                  reply_markup=views.want_keyboard(t, draft))
        return
    draft.awaiting = None
    draft.restatement_message_id = update.callback_query.message.message_id
    desk.store.save(draft)
    await answer(update.callback_query)
    await _edit_query_message(update, context, views.restatement(t, draft),
                              reply_markup=views.restatement_keyboard(t, draft))


async def _ask_correction(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Ticket,
                          customer: Customer, t: Translator) -> None:
    desk = desk_of(context)
    draft.awaiting = "text"
    desk.store.save(draft)
    await answer(update.callback_query)
    await reply(update, context, t.gettext(
        "Please send me the whole description again, and I will restate it."))


async def _confirm(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Ticket,
                   customer: Customer, t: Translator) -> None:
    """The customer confirmed: store the ticket durably, then thank them and tell the staff."""
    desk = desk_of(context)
    query = update.callback_query
    if draft.want is None or not draft.store_id or not draft.text or draft.awaiting:
        await answer(query, invalid_button(t), alert=True)
        return
    store = desk.store_config(draft.store_id)
    now = desk.clock()
    offer_to = pick_technician(store, desk.store.open_load(store.id), now)
    contact_by = contact_deadline(store, now)
    vip = customer.tier == TIER_VIP
    if vip and store.promises.vip_contact_within is not None:
        contact_by = min(contact_by, now + store.promises.vip_contact_within)
    draft.vip = vip
    draft.language = t.language
    ticket = desk.store.confirm(
        draft, lambda d: lifecycle.confirm(d, now, offer_to, contact_by))
    # Only now, with the ticket on disk, is the customer acknowledged.
    await answer(query)
    await _edit_query_message(update, context, views.restatement(t, ticket, asking=False))
    await reply(update, context, views.acknowledgement(t, ticket, store, now))
    if not customer.phone and not customer.phone_declined:
        await reply(update, context, views.phone_request(t, ticket.kind is Kind.INQUIRY),
                    reply_markup=views.contact_keyboard(t))
    await post_card(context, ticket)


async def greetings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/greetings on|off for customers; preview|cancel for managers."""
    desk = desk_of(context)
    user = update.effective_user
    customer = remember_user(desk, user)
    t = user_translator(desk, user, customer)
    choice = (context.args or [""])[0].lower()
    if choice in ("preview", "cancel"):
        from handlers import greetings  # managers' side of the same command

        await (greetings.preview if choice == "preview" else greetings.cancel)(update, context)
        return
    if choice not in ("on", "off"):
        state = t.gettext("on") if customer.greetings else t.gettext("off")
        await reply(update, context, t.gettext(
            "Holiday greetings are {state} for you. /greetings on or /greetings off to change."
        ).format(state=state))
        return
    customer.greetings = choice == "on"
    desk.store.save_customer(customer)
    await reply(update, context, t.gettext("You will get our holiday greetings.")
                if customer.greetings else
                t.gettext("You will not get holiday greetings any more."))


async def forget_me(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask before deleting the customer's personal data."""
    t = user_translator(desk_of(context), update.effective_user)
    await reply(update, context, t.gettext(
        "This deletes your name, phone number and profile with us. Your tickets stay in the "
        "store's records without any link to you, and we cannot follow them up with you any "
        "more. Delete?"), reply_markup=views.forget_keyboard(t))


async def _forget(update: Update, context: ContextTypes.DEFAULT_TYPE, confirmed: bool) -> None:
    desk = desk_of(context)
    user = update.effective_user
    t = user_translator(desk, user, desk.store.customer(user.id))
    await answer(update.callback_query)
    if not confirmed:
        await _edit_query_message(update, context, t.gettext("Nothing was deleted."))
        return
    count = desk.store.forget_customer(user.id, desk.clock())
    await _edit_query_message(update, context, t.gettext(
        "Done: your personal data is deleted; {count} tickets are kept anonymously.").format(
            count=count))


def register(application: Application) -> None:
    """Customer handlers, private chats only; the order matters: commands, then content."""
    application.add_handler(CommandHandler("start", start, filters=PRIVATE))
    application.add_handler(CommandHandler("help", help_command, filters=PRIVATE))
    application.add_handler(CommandHandler("language", language, filters=PRIVATE))
    application.add_handler(CommandHandler("mytickets", my_tickets, filters=PRIVATE))
    application.add_handler(CommandHandler("cancel", cancel, filters=PRIVATE))
    application.add_handler(CommandHandler("greetings", greetings_command, filters=PRIVATE))
    application.add_handler(CommandHandler("forget_me", forget_me, filters=PRIVATE))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^c:"))
    application.add_handler(MessageHandler(
        PRIVATE & filters.UpdateType.EDITED_MESSAGE, on_edited))
    application.add_handler(MessageHandler(
        PRIVATE & filters.UpdateType.MESSAGE & filters.CONTACT, on_contact))
    application.add_handler(MessageHandler(
        PRIVATE & filters.UpdateType.MESSAGE & ((filters.TEXT & ~filters.COMMAND) | filters.PHOTO),
        on_message))
    application.add_handler(MessageHandler(
        PRIVATE & filters.UpdateType.MESSAGE & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
        on_unsupported))

