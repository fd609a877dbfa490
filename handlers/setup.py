"""The set-up conversation of `sundown init`: the owner finishes the set-up in Telegram.

Usage, as the owner sees it: `sundown init` prints a one-time link (``/start setup-<code>``);
whoever opens it first becomes the owner and the first manager, and nobody after them. The
bot asks the store's name, its location (a shared location, or a city button), its opening
hours (buttons), and to be added to the store's staff group: there it asks which store the
group belongs to (only the owner may answer). One-time invitation links add technicians and
managers. "Finish" writes ``config.toml`` and the bot goes on as the complaint desk.

Every step is one transaction: the set-up's document (desk.setup) and the bot's answers are
written together, so an interrupted set-up goes on where it stopped. Callback data is
``u:<verb>[:<store id>][:<value>]``, checked here; only the owner's presses count.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from desk import setup
from desk.config import ConfigError
from desk.i18n import Translator, negotiate, translator
from desk.setup import CITIES, CLOSING_TIMES, OPEN_DAYS, OPENING_TIMES, DraftStore, SetupState
from desk.storage import Transaction
from desk.text import one_line
from handlers import whoami
from handlers.common import display_name
from outbox.context import DeskContext

log = logging.getLogger(__name__)

SETUP_KEY = "setup"  # bot_data: the set-up's SetupRun
MAX_NAME = 40
_DATA = re.compile(r"^u:(city|open|close|days|group|tech|mgr|add|done|menu)"
                   r"(?::([A-Za-z0-9_]{1,32}))?(?::([A-Za-z0-9_]{1,16}))?$")


@dataclass
class SetupRun:
    """What the set-up application needs beside the desk: where the config goes, and whether
    it has been written (then `sundown init` goes on to run the bot)."""

    config_path: Path
    clock: Callable[[], datetime]
    done: bool = False


def button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i:i + width] for i in range(0, len(buttons), width)]


def _load(tx: Transaction) -> SetupState | None:
    doc = tx.setup_state()
    return SetupState.from_dict(doc) if doc else None


# -- what the owner is asked next --------------------------------------------------------------


def _link(state: SetupState, payload: str, kind: str = "start") -> str:
    return f"https://t.me/{state.bot_username}?{kind}={payload}"


def next_prompt(state: SetupState) -> tuple[str, InlineKeyboardMarkup | None]:
    """The owner's next question, from the state alone: a store's name, its location, its
    hours, its group; else the overview with the invitations and "Finish"."""
    t = translator(state.language)
    store = state.store(state.current)
    if state.awaiting == "name" or store is None:
        if not state.stores:
            return t.gettext("What is your store called? Write its name as customers should "
                             "see it, e.g. 旗舰店."), None
        return t.gettext("What is the next store called?"), None
    name = escape(store.name)
    if store.timezone is None:
        cities = [button(t.gettext(c.name), f"u:city:{store.id}:{c.key}") for c in CITIES]
        return t.gettext(
            "Where is {store}? Share its location (📎 → Location): I take the time zone and "
            "the sunset from it. Or choose the nearest city:").format(store=name), \
            InlineKeyboardMarkup(_rows(cities, 3))
    if store.opens is None:
        return t.gettext("When does {store} open?").format(store=name), InlineKeyboardMarkup(
            _rows([button(v, f"u:open:{store.id}:{v.replace(':', '')}")
                   for v in OPENING_TIMES], 5))
    if store.closes is None:
        return t.gettext("And when does it close?"), InlineKeyboardMarkup(
            _rows([button(v, f"u:close:{store.id}:{v.replace(':', '')}")
                   for v in CLOSING_TIMES], 4))
    if store.days is None:
        return t.gettext("On which days is it open? The store stays open on public holidays; "
                         "the config can change that."), InlineKeyboardMarkup(
            [[button(t.gettext(label), f"u:days:{store.id}:{key}")]
             for key, (label, _days) in OPEN_DAYS.items()])
    if store.staff_chat_id is None:
        return t.gettext(
            "Now add me to the staff group of {store}, where tickets will appear as cards: "
            "open <a href=\"{link}\">this link</a> and choose the group (or add me in the "
            "group's members). I will ask there which store the group is for.").format(
                store=name, link=_link(state, "setup", "startgroup")), None
    return overview(state, t), _menu(state, t)


def overview(state: SetupState, t: Translator) -> str:
    lines = [t.gettext("Set-up so far:")]
    for store in state.stores:
        hours = (t.gettext("{opens}–{closes}, {days}").format(
            opens=store.opens, closes=store.closes, days=t.gettext(OPEN_DAYS[store.days][0]))
                 if store.hours_set else "—")
        lines.append(t.gettext(
            "<b>{store}</b>: {timezone}, {hours}; staff group: {group}; managers: {managers}, "
            "technicians: {technicians}").format(
                store=escape(store.name), timezone=store.timezone or "—", hours=hours,
                group=escape(store.group_title or str(store.staff_chat_id or "—")),
                managers=len(store.managers), technicians=len(store.technicians)))
    lines.append(t.gettext(
        "Invite technicians and managers with a one-time link each, add another store, or "
        "finish: I then write the config and start answering customers."))
    return "\n".join(lines)


def _menu(state: SetupState, t: Translator) -> InlineKeyboardMarkup:
    rows = []
    for store in state.stores:
        label = f" · {store.name}" if len(state.stores) > 1 else ""
        rows.append([button(t.gettext("👷 Invite a technician") + label, f"u:tech:{store.id}"),
                     button(t.gettext("👔 Invite a manager") + label, f"u:mgr:{store.id}")])
    rows.append([button(t.gettext("➕ Add another store"), "u:add")])
    rows.append([button(t.gettext("✅ Finish"), "u:done")])
    return InlineKeyboardMarkup(rows)


def _ask(context: DeskContext, tx: Transaction, state: SetupState, lead: str = "") -> None:
    text, markup = next_prompt(state)
    context.outbox.send(tx, state.owner_id, f"{lead}\n\n{text}" if lead else text,
                        kind="setup_prompt", markup=markup)


# -- private chats -----------------------------------------------------------------------------


def _user_t(update: Update, state: SetupState | None) -> Translator:
    user = update.effective_user
    return translator(negotiate(user.language_code if user else None,
                                state.language if state else "zh_CN"))


async def on_start(update: Update, context: DeskContext) -> None:
    """/start in private: the owner's link, an invitation, or anyone else while setting up."""
    user = update.effective_user
    payload = context.args[0] if context.args else ""
    outbox = context.outbox
    with outbox.transaction() as tx:
        state = _load(tx)
        if state is None:
            return
        t = _user_t(update, state)
        if user.id == state.owner_id:
            _ask(context, tx, state)
            return
        if payload.startswith("setup-"):
            language = negotiate(user.language_code, state.language)
            if not state.claim(payload.removeprefix("setup-"), user.id, display_name(user),
                               language):
                outbox.send(tx, user.id, t.gettext(
                    "This set-up link is not valid (any more): the bot is being set up by its "
                    "owner."), kind="setup_refused")
                return
            tx.save_setup_state(state.to_dict())
            _ask(context, tx, state, translator(language).gettext(
                "Welcome! You are the owner of this bot and the first manager of your stores. "
                "A few questions, and customers can start writing to your store."))
            return
        if payload.startswith("join-"):
            _join(context, tx, state, update, payload.removeprefix("join-"), t)
            return
        _not_yet(context, tx, update, t)


def _not_yet(context: DeskContext, tx: Transaction, update: Update, t: Translator) -> None:
    context.outbox.send(tx, update.effective_chat.id, t.gettext(
        "I am being set up and will answer customers soon. Please come back a little later."),
        kind="setup_not_yet")


def _join(context: DeskContext, tx: Transaction, state: SetupState, update: Update, code: str,
          t: Translator) -> None:
    user = update.effective_user
    joined = state.join(code, user.id, display_name(user)) if state.owner_id else None
    if joined is None:
        context.outbox.send(tx, user.id, t.gettext(
            "This invitation is not valid (any more): each link works once. Please ask for a "
            "new one."), kind="setup_refused")
        return
    store, role = joined
    tx.save_setup_state(state.to_dict())
    name = escape(store.name)
    if role == setup.MANAGER:
        mine = t.gettext("Welcome! You are now a manager of {store}: I will alert you here "
                         "when a ticket needs you.").format(store=name)
        told = translator(state.language).gettext(
            "{name} joined {store} as a manager.")
    else:
        mine = t.gettext("Welcome! You are now a technician of {store}: tickets will appear "
                         "as cards in the staff group, and I tell you here when one is "
                         "yours.").format(store=name)
        told = translator(state.language).gettext(
            "{name} joined {store} as a technician.")
    context.outbox.send(tx, user.id, mine, kind="setup_joined")
    _ask(context, tx, state, told.format(name=escape(display_name(user)), store=name))


async def on_text(update: Update, context: DeskContext) -> None:
    """The owner's answer to "what is the store called"; anyone else hears "not yet"."""
    user = update.effective_user
    with context.outbox.transaction() as tx:
        state = _load(tx)
        if state is None:
            return
        t = _user_t(update, state)
        if user.id != state.owner_id:
            _not_yet(context, tx, update, t)
            return
        name = one_line(update.effective_message.text)
        if state.awaiting != "name":
            buttons = next_prompt(state)[1] is not None
            _ask(context, tx, state, t.gettext("Please answer with the buttons.") if buttons
                 else "")
            return
        if not name or len(name) > MAX_NAME:
            _ask(context, tx, state, t.gettext(
                "A store's name is one line of at most {limit} characters.").format(
                    limit=MAX_NAME))
            return
        state.add_store(name)
        tx.save_setup_state(state.to_dict())
        _ask(context, tx, state)


async def on_location(update: Update, context: DeskContext) -> None:
    """A shared location: the current store's coordinates, and the nearest time zone."""
    user = update.effective_user
    with context.outbox.transaction() as tx:
        state = _load(tx)
        if state is None or user.id != state.owner_id:
            return
        store = state.store(state.current)
        if store is None or state.awaiting == "name":
            _ask(context, tx, state)
            return
        location = update.effective_message.location
        store.lat, store.lon = location.latitude, location.longitude
        store.timezone = setup.nearest_zone(store.lat, store.lon)
        state.awaiting = None
        tx.save_setup_state(state.to_dict())
        _ask(context, tx, state, translator(state.language).gettext(
            "📍 Noted. Time zone: {timezone}.").format(timezone=store.timezone))


# -- buttons -----------------------------------------------------------------------------------


async def on_button(update: Update, context: DeskContext) -> None:
    query = update.callback_query
    user = update.effective_user
    outbox = context.outbox
    match = _DATA.match(query.data or "")
    with outbox.transaction() as tx:
        state = _load(tx)
        t = _user_t(update, state)
        if state is None or match is None:
            outbox.answer(query, t.gettext("This button is out of date."), alert=True)
            return
        if user.id != state.owner_id:
            outbox.answer(query, t.gettext("Only the owner who is setting up the bot can "
                                           "choose this."), alert=True)
            return
        verb, store_id, value = match.groups()
        store = state.store(store_id)
        if verb not in ("add", "done", "menu") and store is None:
            outbox.answer(query, t.gettext("This button is out of date."), alert=True)
            return
        answer = _STEPS[verb](context, tx, state, store, value, update)
        if answer is False:  # refused: nothing changed, the answer says why
            return
        outbox.answer(query)
        message = query.message
        if message is not None:  # the chosen keyboard goes: pressed once is answered
            outbox.keyboard(tx, message.chat.id, message.message_id, None, kind="setup_chosen")
        if context.application.bot_data[SETUP_KEY].done:
            return  # the set-up's document went in this write, with the last words
        tx.save_setup_state(state.to_dict())
        _ask(context, tx, state, answer or "")


# A step changes the state; it returns what to tell the owner before the next question, or
# False when it refused the press (and said why).
Step = Callable[[DeskContext, Transaction, SetupState, DraftStore | None, str | None, Update],
                str | bool | None]


def _city(context, tx, state, store, value, update):
    place = setup.city(value or "")
    if place is None:
        return _refuse(context, update, state)
    store.timezone, store.lat, store.lon = place.timezone, place.lat, place.lon
    state.awaiting = None
    return None


def _open(context, tx, state, store, value, update):
    chosen = f"{value[:2]}:{value[2:]}" if value else ""
    if chosen not in OPENING_TIMES:
        return _refuse(context, update, state)
    store.opens, store.closes, store.days = chosen, None, None
    return None


def _close(context, tx, state, store, value, update):
    chosen = f"{value[:2]}:{value[2:]}" if value else ""
    if chosen not in CLOSING_TIMES or store.opens is None:
        return _refuse(context, update, state)
    store.closes, store.days = chosen, None
    return None


def _days(context, tx, state, store, value, update):
    if value not in OPEN_DAYS or store.closes is None:
        return _refuse(context, update, state)
    store.days = value
    return None


def _group(context, tx, state, store, value, update):
    chat = update.effective_chat
    t = translator(state.language)
    if chat.type not in ("group", "supergroup"):
        return _refuse(context, update, state)
    taken = state.group_taken(chat.id)
    if taken is not None:
        taken.staff_chat_id, taken.group_title = None, ""
    store.staff_chat_id, store.group_title = chat.id, one_line(chat.title or "")[:60]
    context.outbox.send(tx, chat.id, t.gettext(
        "This is now the staff group of {store}. Tickets will appear here as cards once the "
        "set-up is finished.").format(store=escape(store.name)), kind="setup_group")
    return t.gettext("✅ The group {group} is the staff group of {store}.").format(
        group=escape(store.group_title), store=escape(store.name))


def _invite(role: str):
    def step(context, tx, state, store, value, update):
        t = translator(state.language)
        code = state.invite(store.id, role)
        link = _link(state, f"join-{code}")
        text = (t.gettext("Send this link to the technician; it works once, for one person:")
                if role == setup.TECHNICIAN else
                t.gettext("Send this link to the manager; it works once, for one person:"))
        context.outbox.send(tx, state.owner_id, f"{text}\n{escape(link)}",
                            kind="setup_invite")
        return None
    return step


def _add(context, tx, state, store, value, update):
    state.awaiting, state.current = "name", None
    return None


def _menu_step(context, tx, state, store, value, update):
    return None


def _done(context, tx, state, store, value, update):
    t = translator(state.language)
    gaps = state.missing()
    if gaps:
        return "\n".join([t.gettext("Not finished yet:")] + [
            t.gettext("{store} still needs {what}.").format(
                store=escape(s.name) if s else "—", what=t.gettext(what)) for s, what in gaps])
    run: SetupRun = context.application.bot_data[SETUP_KEY]
    text = setup.render_config(state, run.clock().date().isoformat())
    try:
        setup.check_config(text, run.config_path)
    except ConfigError as exc:  # a bug of ours: the owner can still finish by hand
        log.error("the set-up's config does not load: %s: %s", exc.key, exc.problem)
        return t.gettext("I could not write a valid config ({problem}). Please write it by "
                         "hand: see config.example.toml.").format(
                             problem=escape(f"{exc.key}: {exc.problem}"))
    setup.write_config(run.config_path, text)
    log.info("set-up finished: %s written", run.config_path)
    for each in state.stores:
        context.outbox.send(tx, each.staff_chat_id, translator(each.language).gettext(
            "Hello! New tickets of {store} will appear here as cards.").format(
                store=escape(each.name)), kind="group_greeting")
    context.outbox.send(tx, state.owner_id, t.gettext(
        "✅ Set-up done. I wrote {path} and now answer customers of {stores}.\n"
        "Each store's deep link and QR poster for the counter: "
        "<code>sundown links --config {path}</code>\n"
        "The file can be edited by hand; after an edit, run <code>sundown check</code> and "
        "restart me.").format(path=escape(str(run.config_path)),
                              stores=escape("、".join(s.name for s in state.stores)
                                            if state.language.startswith("zh") else
                                            ", ".join(s.name for s in state.stores))),
        kind="setup_done")
    tx.save_setup_state(None)
    run.done = True
    context.application.stop_running()  # `sundown init` goes on with `run`
    return None


def _refuse(context: DeskContext, update: Update, state: SetupState) -> bool:
    context.outbox.answer(update.callback_query, _user_t(update, state).gettext(
        "This button is out of date."), alert=True)
    return False


_STEPS: dict[str, Step] = {
    "city": _city, "open": _open, "close": _close, "days": _days, "group": _group,
    "tech": _invite(setup.TECHNICIAN), "mgr": _invite(setup.MANAGER), "add": _add,
    "done": _done, "menu": _menu_step,
}


# -- groups ------------------------------------------------------------------------------------


ASK_GROUP_EVERY = timedelta(minutes=1)
_ASKED = "setup_groups_asked"


def _ask_group(context: DeskContext, tx: Transaction, state: SetupState, chat_id: int) -> None:
    """Ask a group which store it is for, once a minute at most: the startgroup link brings
    the bot's arrival and a /start together, and nobody can make it repeat itself."""
    now = context.desk.clock()
    asked: dict[int, datetime] = context.application.bot_data.setdefault(_ASKED, {})
    if chat_id in asked and now - asked[chat_id] < ASK_GROUP_EVERY:
        return
    asked[chat_id] = now
    t = translator(state.language)
    if state.owner_id is None or not state.stores:
        context.outbox.send(tx, chat_id, t.gettext(
            "I am being set up. Once the owner has named the stores in our private chat, "
            "they type /start here and I ask which store this group is for."),
            kind="setup_group_early")
        return
    context.outbox.send(tx, chat_id, t.gettext(
        "Which store is this the staff group of? (Only {owner} can choose.)").format(
            owner=escape(state.owner_name)), kind="setup_which_store",
        markup=InlineKeyboardMarkup([[button(s.name, f"u:group:{s.id}")]
                                     for s in state.stores]))


async def on_membership(update: Update, context: DeskContext) -> None:
    """Added to a group: ask which store it is for. Removed: the store needs a group again."""
    change = update.my_chat_member
    chat = change.chat
    if chat.type not in ("group", "supergroup"):
        return
    status = change.new_chat_member.status
    with context.outbox.transaction() as tx:
        state = _load(tx)
        if state is None:
            return
        if status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
            store = state.group_taken(chat.id)
            if store is not None:
                store.staff_chat_id, store.group_title = None, ""
                tx.save_setup_state(state.to_dict())
                _ask(context, tx, state, translator(state.language).gettext(
                    "I was removed from the staff group of {store}.").format(
                        store=escape(store.name)))
            return
        if status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR) \
                and state.group_taken(chat.id) is None:
            _ask_group(context, tx, state, chat.id)


async def on_group_command(update: Update, context: DeskContext) -> None:
    """The owner's command in a group (the startgroup link's /start too): ask which store."""
    with context.outbox.transaction() as tx:
        state = _load(tx)
        if state is None or update.effective_user.id != state.owner_id:
            return
        _ask_group(context, tx, state, update.effective_chat.id)


def register(application: Application) -> None:
    """The set-up mode's handlers: nothing of the complaint desk runs until it is over."""
    private = filters.ChatType.PRIVATE
    whoami.register(application)
    application.add_handler(CommandHandler("start", on_start, filters=private))
    application.add_handler(MessageHandler(
        private & filters.UpdateType.MESSAGE & filters.LOCATION, on_location))
    application.add_handler(MessageHandler(
        private & filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(MessageHandler(
        filters.ChatType.GROUPS & filters.UpdateType.MESSAGE & filters.COMMAND,
        on_group_command))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^u:"))
    application.add_handler(ChatMemberHandler(on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
