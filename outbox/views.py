"""What each user reads: the restatement, the staff card, the manager's alert, and their buttons.

Texts are HTML; anything a user typed is escaped. Callback data come from ``desk.buttons``,
the one codec that also parses them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from html import escape

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from desk.buttons import Action, encode
from desk.config import StoreConfig
from desk.i18n import LANGUAGE_NAMES, N_, Translator
from desk.models import (
    KIND_LABELS,
    OUTCOME_LABELS,
    STATE_LABELS,
    TIER_LABELS,
    TIER_REGULAR,
    URGENCY_LABELS,
    WANT_LABELS,
    WANT_PHRASES,
    Customer,
    Kind,
    Outcome,
    State,
    Ticket,
    Urgency,
    Want,
)
from desk.names import salutation
from desk.policy import ReplyOption, may_handle
from desk.restatement import PROBLEM_LABELS, PROBLEMS_SHOWN, problems_of, quote
from desk.survey import DRIVER_QUESTIONS, DRIVERS, SCORES, SOLVED, SOLVED_LABELS, quality_index
from desk.text import field_name, isolate_rtl
from desk.tone import Tone

FOLLOWUPS_ON_CARD = 5
NOTES_ON_CARD = 3
FOLLOWUP_QUOTE = 200


def button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def mention(user_id: int, name: str) -> str:
    return f'<a href="tg://user?id={user_id}">{shown_name(name)}</a>'


def shown_name(name: str | None) -> str:
    """A person's name as a field of a card or a notice, HTML: one line, escaped, and unable to
    imitate another field (``desk.text.field_name``); "—" when there is none."""
    return escape(isolate_rtl(field_name(name or "")) or "—")


def theirs(text: str) -> str:
    """What a customer wrote, HTML: escaped and inside a quote, so that however it is laid out
    (line breaks kept, only here) it reads as theirs and never as the bot's own lines."""
    return f"<blockquote>{escape(text)}</blockquote>"


def parse_time(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


# -- customer ----------------------------------------------------------------------------------


def welcome(t: Translator, customer: Customer, store: StoreConfig) -> str:
    """A regular is recognised by name (seed 004: the hotel that greets its regular); by the
    name a Chinese greeting may use (desk.names), else without a name."""
    if not customer.is_regular(store.greetings.regular_after):
        return ""
    name = salutation(customer, t.language)
    if name is None:
        return t.gettext("Welcome back! ")
    return t.gettext("{name}, welcome back! ").format(name=escape(name))


def opening(t: Translator, customer: Customer, store: StoreConfig, tone: Tone,
            urgency: Iterable[Urgency] = ()) -> str:
    """What comes before a complaint's restatement: a regular is greeted by name (never
    "welcome back" on top of a complaint), then seed 003's listening words for an angry or
    distressed customer (适当配合"我理解"之类的语言,以减少顾客的怒气); where safety is at
    stake, what to do first (stop using it, see a doctor) before anything else."""
    _ = t.gettext
    parts = []
    name = salutation(customer, t.language) \
        if customer.is_regular(store.greetings.regular_after) else None
    if name is not None:
        parts.append(_("Hello, {name}! ").format(name=escape(name)))
    if tone is Tone.ANGRY:
        parts.append(_("I understand how you feel; anyone would be upset by this. "))
    elif tone is Tone.DISTRESSED:
        parts.append(_("I understand this is worrying. Please rest assured that we will "
                       "take care of it as quickly as we can. "))
    if Urgency.SAFETY in urgency:
        parts.append(_("For your safety, please stop using or eating it first (unplug an "
                       "appliance); if anyone is hurt or unwell, please see a doctor first. "))
    return "".join(parts)


def greeting(t: Translator, store_name: str) -> str:
    return t.gettext(
        "Hello! I am the customer service assistant of {store}. Tell me in a sentence or two "
        "what went wrong, or what you would like to ask; a photo with a caption is welcome too."
    ).format(store=escape(store_name))


def listing(t: Translator, items: list[str], clauses: bool = False) -> str:
    """"a, b and c" in the reader's language: wants (为您退款并向您正式道歉), or with
    ``clauses`` what went wrong (漏水、有异响,而且不能正常使用)."""
    _ = t.gettext
    if not items:
        return ""
    head = items[0]
    for item in items[1:-1]:
        head = _("{first}, {second}").format(first=head, second=item)
    if len(items) > 1:
        last = _("{first}, and {second}") if clauses else _("{first} and {second}")
        head = last.format(first=head, second=items[-1])
    return head


def summary(t: Translator, ticket: Ticket) -> str:
    """The complaint in one sentence in the store's words: the product, what went wrong, what
    the customer asks for (not the customer's own words, which stay on the staff card)."""
    _ = t.gettext
    problems = listing(t, [_(PROBLEM_LABELS[p])
                           for p in problems_of(ticket.text)[:PROBLEMS_SHOWN]], clauses=True)
    product = escape(ticket.product) if ticket.product else ""
    if product and problems:
        said = _("You are telling us about your {product}: {problems}").format(
            product=product, problems=problems)
    elif problems:
        said = _("You are telling us: {problems}").format(problems=problems)
    elif product:
        said = _("You are telling us about your {product}").format(product=product)
    else:
        said = _("You are telling us about a problem")
    if not ticket.wants:
        return _("{summary}.").format(summary=said)
    wants = listing(t, [_(WANT_PHRASES[w]) for w in ticket.wants])
    return _("{summary}, and you would like {wants}.").format(summary=said, wants=wants)


def wants_text(t: Translator, ticket: Ticket) -> str:
    return t.gettext(", ").join(t.gettext(WANT_LABELS[w]) for w in ticket.wants)


def restatement(t: Translator, ticket: Ticket, asking: bool = True) -> str:
    """Seed 003's 复述其意见: the complaint read back, with "Is this right?" while a draft."""
    _ = t.gettext
    lines = [
        _("Thank you for telling us. So that we are sure we understood you, here it is again:"),
        "",
    ]
    if ticket.kind is Kind.INQUIRY:
        lines.append(_("<b>Kind:</b> {kind}").format(kind=_(KIND_LABELS[ticket.kind])))
        if ticket.product:
            lines.append(_("<b>Product/order:</b> {product}").format(
                product=escape(ticket.product)))
        lines.append(_("<b>What happened:</b> “{text}”").format(text=escape(quote(ticket.text))))
    else:
        lines += [summary(t, ticket), "",
                  _("<b>Kind:</b> {kind}").format(kind=_(KIND_LABELS[ticket.kind]))]
    if ticket.photos:
        lines.append(_("<b>Photos:</b> {count}").format(count=len(ticket.photos)))
    if ticket.wants and ticket.kind is Kind.INQUIRY:  # a complaint's summary already says them
        lines.append(_("<b>What you would like:</b> {want}").format(want=wants_text(t, ticket)))
    lines += ["", _("Is this right?") if asking else _("✅ Submitted.")]
    return "\n".join(lines)


def restatement_keyboard(t: Translator, ticket: Ticket) -> InlineKeyboardMarkup:
    _ = t.gettext
    return InlineKeyboardMarkup([
        [button(_("✅ Yes, submit"), encode(Action.CONFIRM, ticket.key))],
        [button(_("🔄 Change the kind"), encode(Action.SHOW_KINDS, ticket.key)),
         button(_("✏️ Correct the text"), encode(Action.CORRECT, ticket.key))],
        [button(_("🎯 Change what I ask for"), encode(Action.SHOW_WANTS, ticket.key))],
    ])


def kind_keyboard(t: Translator, ticket: Ticket) -> InlineKeyboardMarkup:
    _ = t.gettext
    rows = [[button(("• " if k is ticket.kind else "") + _(KIND_LABELS[k]),
                    encode(Action.SET_KIND, ticket.key, k.value))] for k in Kind]
    return InlineKeyboardMarkup(rows)


def want_question(t: Translator) -> str:
    return t.gettext("Thank you. One short question: what would you like us to do?")


def want_keyboard(t: Translator, ticket: Ticket, toggles: bool = False) -> InlineKeyboardMarkup:
    """One button per want. As toggles (under the restatement) each press adds or removes its
    want, ✓ marks the chosen ones and "Done" goes back; as the one question, a press answers."""
    _ = t.gettext
    wants = list(Want)
    rows = [[button(("✓ " if toggles and w in ticket.wants else "") + _(WANT_LABELS[w]),
                    encode(Action.SET_WANT, ticket.key, w.value))
             for w in wants[i:i + 2]]
            for i in range(0, len(wants), 2)]
    if toggles:
        rows.append([button(_("✅ Done"), encode(Action.WANTS_DONE, ticket.key))])
    return InlineKeyboardMarkup(rows)


def store_keyboard(stores: tuple[StoreConfig, ...]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(s.name, encode(Action.STORE, s.id))] for s in stores])


def language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[button(name, encode(Action.LANGUAGE, code))] for code, name in LANGUAGE_NAMES.items()]
    )


def forget_keyboard(t: Translator) -> InlineKeyboardMarkup:
    _ = t.gettext
    return InlineKeyboardMarkup([[button(_("Yes, delete my data"), "c:forget:yes"),
                                  button(_("No, keep it"), "c:forget:no")]])


def contact_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    _ = t.gettext
    return ReplyKeyboardMarkup(
        [[KeyboardButton(_("📞 Share my phone number"), request_contact=True)],
         [KeyboardButton(_("No, thanks"))]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def acknowledgement(t: Translator, ticket: Ticket, store: StoreConfig, now: datetime) -> str:
    """The reply to a confirmed complaint: seed 003's unified apology, the number, what next.
    A question never gets it (see ``question_filed``)."""
    _ = t.gettext
    lines = [
        # Seed 003, 道歉时的统一语言.
        _("Whoever is responsible, first of all thank you for using our product and for "
          "your feedback, and we apologise for the inconvenience this has caused you."),
        "",
        _("Your complaint number: <b>#{number}</b>").format(number=ticket.number),
    ]
    promise = t.promise(parse_time(ticket.contact_by), store.timezone, now)
    lines += ["", _("What happens next: a technician of {store} will contact you {promise}. "
                    "You will hear from me here at every step.").format(
                        store=escape(store.name), promise=promise)]
    return "\n".join(lines)


def question_filed(t: Translator, ticket: Ticket, store: StoreConfig, now: datetime,
                   ask_phone: bool) -> str:
    """Seed 003's path for a question the bot cannot answer (对不明问题的处理流程), in one
    message: 对不起,这个问题我目前还不能确定 · 请留下你的联系电话 · 我会通知公司的专门人员为你解答;
    with the latest time the store's specialist answers."""
    _ = t.gettext
    reply_by = parse_time(ticket.reply_by)
    if reply_by is None:
        first = _("Sorry, I cannot answer this question for certain right now. Please leave "
                  "your phone number, and I will ask the company's specialist to answer you."
                  ) if ask_phone else _(
                  "Sorry, I cannot answer this question for certain right now. I will ask the "
                  "company's specialist to answer you.")
    else:
        first = (_("Sorry, I cannot answer this question for certain right now. Please leave "
                   "your phone number, and I will ask the company's specialist to answer you "
                   "{promise}.") if ask_phone else _(
                   "Sorry, I cannot answer this question for certain right now. I will ask the "
                   "company's specialist to answer you {promise}.")).format(
                       promise=t.promise(reply_by, store.timezone, now))
    lines = [first]
    lines += ["", _("Your inquiry number: <b>#{number}</b>").format(number=ticket.number)]
    return "\n".join(lines)


def phone_request(t: Translator) -> str:
    _ = t.gettext
    return _("Our technicians follow up by phone. Would you share your phone number? "
             "You may also say no.")


def ticket_line(t: Translator, ticket: Ticket, store: StoreConfig) -> str:
    _ = t.gettext
    when = parse_time(ticket.confirmed_at)
    date = t.short_datetime(when, store.timezone) if when else ""
    return _("#{number} · {kind} · {state} · {date}").format(
        number=ticket.number, kind=_(KIND_LABELS[ticket.kind]),
        state=_(STATE_LABELS[ticket.state]), date=date)


# -- staff card --------------------------------------------------------------------------------




def card(t: Translator, ticket: Ticket, store: StoreConfig, phone: str | None,
         customer: Customer | None = None, now: datetime | None = None) -> str:
    """The ticket's card in the staff group, edited in place as the ticket moves. Promised
    times read 今天/明天 as of ``now`` (the date kept: the card stays on screen)."""
    _ = t.gettext

    def promised(moment: datetime) -> str:
        if now is None:
            return t.datetime(moment, store.timezone)
        return t.when(moment, store.timezone, now, dated=True)

    icon = {State.NEW: "🆕", State.OFFERED: "🆕", State.CLAIMED: "🔧", State.CONTACTED: "📞",
            State.ESCALATED: "🆘", State.DONE: "✅"}.get(ticket.state, "•")
    received = parse_time(ticket.confirmed_at) or parse_time(ticket.created_at)
    lines = [
        _("{icon} <b>Ticket #{number}</b> · {kind}").format(
            icon=icon, number=ticket.number, kind=_(KIND_LABELS[ticket.kind]))
        + (" · 💎 VIP" if ticket.vip else ""),
        *([urgency_line(t, ticket)] if ticket.urgency else []),
        _("Customer: {name}").format(name=shown_name(ticket.customer_name))
        + (f" · 📞 {escape(phone)}" if phone else ""),
        _("Received: {time}").format(time=t.datetime(received, store.timezone)),
    ]
    if customer is not None and customer.is_regular(store.greetings.regular_after):
        tier = _(TIER_LABELS.get(customer.tier or TIER_REGULAR))
        lines.append(_("Customer tier: {tier} · visits: {count}").format(
            tier=tier, count=len(customer.visits)))
    for note in (customer.notes[-NOTES_ON_CARD:] if customer else []):
        lines.append(_("📝 Note: {text}").format(text=escape(quote(note["text"],
                                                                    FOLLOWUP_QUOTE))))
    if ticket.product:
        lines.append(_("Product/order: {product}").format(product=escape(ticket.product)))
    lines.append(_("What happened: “{text}”").format(text=escape(quote(ticket.text))))
    if ticket.wants:
        lines.append(_("Customer wants: {want}").format(want=wants_text(t, ticket)))
    if ticket.photos:
        lines.append(_("Photos: {count}").format(count=len(ticket.photos)))
    if ticket.followups:
        lines.append(_("Added by the customer:"))
        added = []
        for item in ticket.followups[-FOLLOWUPS_ON_CARD:]:
            at = t.time(datetime.fromisoformat(item["at"]), store.timezone)
            added.append(f" · {at} {escape(quote(item['text'], FOLLOWUP_QUOTE))}")
        lines.append("<blockquote>" + "\n".join(added) + "</blockquote>")
    lines.append("")
    lines.append(_("State: {state}").format(state=_(STATE_LABELS[ticket.state])))
    if ticket.assignee_id is not None and ticket.assignee_name:
        owner = mention(ticket.assignee_id, ticket.assignee_name)
        if ticket.state is State.OFFERED:
            lines.append(_("Offered to {name}: please accept or pass.").format(name=owner))
        else:
            lines.append(_("Assignee: {name}").format(name=owner))
    if ticket.contact_by and ticket.state in (State.NEW, State.OFFERED, State.CLAIMED):
        contact_by = parse_time(ticket.contact_by)
        missed = ticket.missed_deadline()
        if missed is not None:  # a record, read on later days too: the plain date
            lines.append(_("⚠️ Contact deadline {time} missed").format(
                time=t.datetime(missed, store.timezone)))
        if missed != contact_by:  # the promise still ahead (renewed after a miss)
            lines.append(_("Contact the customer by: {time}").format(time=promised(contact_by)))
    if ticket.state is State.ESCALATED:
        reply_by = parse_time(ticket.reply_by)
        if reply_by is None:
            lines.append(_("Waiting for a manager to set the latest reply time."))
        else:
            lines.append(_("Latest reply time: {time}").format(time=promised(reply_by)))
    if ticket.state is State.DONE and ticket.outcome is not None:
        lines.append(_("Outcome: {outcome}").format(outcome=_(OUTCOME_LABELS[ticket.outcome])))
        lines.append(_("Service report: {report}").format(report=escape(ticket.report or "")))
        callback_at = parse_time(ticket.callback_at)
        if callback_at is not None and not ticket.callback_sent:
            lines.append(_("Satisfaction callback: {time}").format(
                time=t.datetime(callback_at, store.timezone)))
    survey = ticket.survey or {}
    if survey.get("overall") is not None:
        label = SOLVED_LABELS.get(survey.get("solved"))
        solved = _(label) if label else "—"
        lines.append(_("Customer's score: {score}/5 · {solved}").format(
            score=survey["overall"], solved=solved))
    return "\n".join(lines)


def followup_notice(t: Translator, ticket: Ticket) -> str:
    """The head of a notice under the card: the customer wrote again (the mention notifies)."""
    owner = (mention(ticket.assignee_id, ticket.assignee_name) if ticket.assignee_id
             and ticket.assignee_name else t.gettext("everyone"))
    return t.gettext("💬 {owner}: {name} wrote again about ticket #{number}:").format(
        owner=owner, name=shown_name(ticket.customer_name), number=ticket.number)


def followup_line(text: str) -> str:
    """One message of the customer's under the notice: quoted, line breaks kept inside."""
    if len(text) > FOLLOWUP_QUOTE:
        text = text[:FOLLOWUP_QUOTE - 1].rstrip() + "…"
    return theirs(text)


def phone_notice(t: Translator, ticket: Ticket, phone: str) -> str:
    owner = (mention(ticket.assignee_id, ticket.assignee_name) if ticket.assignee_id
             and ticket.assignee_name else t.gettext("everyone"))
    return t.gettext("📞 {owner}: {name} shared a phone number for ticket #{number}: {phone}"
                     ).format(owner=owner, name=shown_name(ticket.customer_name),
                              number=ticket.number, phone=escape(phone))


def card_keyboard(t: Translator, ticket: Ticket) -> InlineKeyboardMarkup | None:
    keyboard = _state_keyboard(t, ticket)
    if keyboard is None or not ticket.is_active:
        return keyboard
    _ = t.gettext
    n = ticket.number
    # Seed 001/004: grade the customer and note their preferences, from the ticket.
    profile = [button(_("⭐ Regular"), encode(Action.TIER, n, "regular")),
               button(_("💎 VIP"), encode(Action.TIER, n, "vip")),
               button(_("🛍 Visit"), encode(Action.VISIT, n)),
               button(_("📝 Note"), encode(Action.NOTE, n))]
    say = [button(_("💬 Standard replies"), encode(Action.SAY, n))]
    return InlineKeyboardMarkup([*keyboard.inline_keyboard, profile, say])


def _state_keyboard(t: Translator, ticket: Ticket) -> InlineKeyboardMarkup | None:
    _ = t.gettext
    n = ticket.number
    escalate = button(_("🆘 Can't solve here"), encode(Action.ESCALATE, n))
    if ticket.state is State.NEW:
        return InlineKeyboardMarkup([[button(_("🙋 Claim"), encode(Action.CLAIM, n))], [escalate]])
    if ticket.state is State.OFFERED:
        return InlineKeyboardMarkup([
            [button(_("✅ Accept"), encode(Action.ACCEPT, n)),
             button(_("↩️ Pass"), encode(Action.PASS, n))],
            [escalate],
        ])
    if ticket.state is State.CLAIMED:
        return InlineKeyboardMarkup([
            [button(_("📞 Customer contacted"), encode(Action.CONTACTED, n)),
             button(_("📵 Called, no answer"), encode(Action.NO_ANSWER, n))],
            [escalate],
        ])
    if ticket.state is State.CONTACTED:
        if ticket.pending_outcome is not None:
            return None  # waiting for the service report, asked for in a reply prompt
        return InlineKeyboardMarkup([[button(_("🧰 Service done"), encode(Action.SERVICE_DONE, n))],
                                     [escalate]])
    return None


def outcome_keyboard(t: Translator, ticket: Ticket) -> InlineKeyboardMarkup:
    _ = t.gettext
    n = ticket.number
    return InlineKeyboardMarkup(
        [[button(_(OUTCOME_LABELS[o]), encode(Action.OUTCOME, n, o.value))] for o in Outcome]
        + [[button(_("↩️ Back"), encode(Action.BACK, n))]]
    )


def note_prompt(t: Translator, ticket: Ticket, user_id: int, name: str) -> str:
    return t.gettext(
        "{name}, please reply to this message with a note about the customer of ticket "
        "#{number} (preferences, what to keep in mind).").format(
            name=mention(user_id, name), number=ticket.number)


def report_prompt(t: Translator, ticket: Ticket, user_id: int, name: str) -> str:
    return t.gettext(
        "{name}, please reply to this message with a one-line service report for ticket #{number}."
    ).format(name=mention(user_id, name), number=ticket.number)


# -- manager -----------------------------------------------------------------------------------


def urgency_line(t: Translator, ticket: Ticket) -> str:
    """🚨 and why: "🚨 Urgent: safety risk (“冒烟”)"."""
    reasons = listing(t, [t.gettext(URGENCY_LABELS[u]) for u in ticket.urgency])
    words = t.gettext(", ").join(f"“{escape(w)}”" for w in ticket.urgency_words)
    return t.gettext("🚨 Urgent: {reasons} ({words})").format(reasons=reasons, words=words)


def urgent_alert(t: Translator, ticket: Ticket, store: StoreConfig, phone: str | None,
                 now: datetime, followup: bool = False) -> str:
    """To the managers, at once, when an urgent ticket comes in or a follow-up makes an open
    ticket urgent (the card says the reasons and any contact deadline)."""
    _ = t.gettext
    if followup:
        header = _("🚨 {store}: ticket #{number} has become urgent after the customer's "
                   "follow-up.").format(store=escape(store.name), number=ticket.number)
        return "\n\n".join([header, card(t, ticket, store, phone, now=now)])
    header = _("🚨 {store}: new ticket #{number} is urgent. The customer must be contacted "
               "by {time}.").format(
                   store=escape(store.name), number=ticket.number,
                   time=t.when(parse_time(ticket.contact_by), store.timezone, now))
    return "\n\n".join([header, card(t, ticket, store, phone, now=now)])


def escalation_alert(t: Translator, ticket: Ticket, store: StoreConfig, phone: str | None,
                     now: datetime | None = None) -> str:
    _ = t.gettext
    header = _("🆘 {store}: ticket #{number} cannot be solved by the staff and needs your "
               "support.").format(store=escape(store.name), number=ticket.number)
    question = _("Please choose the latest time by which the customer will get an answer. "
                 "You can also hand the ticket to a technician.")
    return "\n\n".join([header, card(t, ticket, store, phone, now=now), question])


def question_alert(t: Translator, ticket: Ticket, store: StoreConfig, phone: str | None) -> str:
    """The store's managers are the specialists of seed 003's unclear-question path."""
    _ = t.gettext
    header = _("❓ {store}: a customer asked a question I cannot answer (#{number}). They were "
               "told that the company's specialist will answer them.").format(
                   store=escape(store.name), number=ticket.number)
    how = _("Please reply to this message with the answer (it goes to the customer), then "
            "press the button below.")
    return "\n\n".join([header, card(t, ticket, store, phone), how])


# By the option's key (desk.policy.reply_options): what the choice is, not only its time.
REPLY_CHOICE_LABELS = {
    "today": N_("Today, before closing ({time})"),
    "next": N_("Next opening day, before closing ({time})"),
    "third": N_("Third opening day, before closing ({time})"),
}


def reply_choice_label(t: Translator, store: StoreConfig, option: ReplyOption,
                       now: datetime) -> str:
    """A reply-time choice says what it is: 今天打烊前 (17:30), 下一个营业日打烊前 (明天 21:00)…"""
    time = (t.time(option.at, store.timezone) if option.key == "today"
            else t.when(option.at, store.timezone, now))
    return t.gettext(REPLY_CHOICE_LABELS[option.key]).format(time=time)


def reply_time_keyboard(
    t: Translator, ticket: Ticket, store: StoreConfig, options: list[ReplyOption],
    now: datetime,
) -> InlineKeyboardMarkup:
    _ = t.gettext
    # Each button carries its option's key: the time is looked up again when it is pressed.
    rows = [[button(reply_choice_label(t, store, o, now),
                    encode(Action.REPLY_BY, ticket.number, o.key))] for o in options]
    if store.technicians:
        rows.append([button(_("👤 Hand to a technician"),
                            encode(Action.PICK_TECHNICIAN, ticket.number))])
    return InlineKeyboardMarkup(rows)


def answered_keyboard(t: Translator, ticket: Ticket) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[button(t.gettext("✅ I have answered the customer"),
                 encode(Action.ANSWERED, ticket.number))]])


def technician_keyboard(ticket: Ticket, store: StoreConfig) -> InlineKeyboardMarkup:
    """Whom a manager may hand the ticket to: never the person the complaint is about."""
    return InlineKeyboardMarkup(
        [[button(tech.name, encode(Action.ASSIGN, ticket.number, tech.user_id))]
         for tech in store.technicians if may_handle(ticket, tech.user_id)]
    )


# -- satisfaction callback ---------------------------------------------------------------------


def survey_overall(t: Translator, ticket: Ticket, store: StoreConfig) -> str:
    return t.gettext(
        "Hello! This is {store} following up on your ticket #{number}. Overall, how satisfied "
        "are you with our service? (5 = very satisfied)").format(
            store=escape(store.name), number=ticket.number)


def survey_reminder(t: Translator, ticket: Ticket, store: StoreConfig) -> str:
    return t.gettext(
        "A gentle reminder from {store}: we would still like to know how the service for your "
        "ticket #{number} went. It takes a few seconds.").format(
            store=escape(store.name), number=ticket.number)


def survey_solved(t: Translator) -> str:
    return t.gettext("Is your problem solved?")


def survey_driver(t: Translator, driver: str) -> str:
    _ = t.gettext
    return "\n".join([_("Thank you, that is all we need. If you have a minute more, five "
                        "optional questions about the visit (1 = poor, 5 = very good):"),
                      _(DRIVER_QUESTIONS[driver])])


def survey_comment(t: Translator) -> str:
    return t.gettext("Anything else you would like to tell us? Just type it, or skip.")


def survey_thanks(t: Translator) -> str:
    return t.gettext("Thank you for your feedback! It helps us serve you better.")


def survey_keyboard(t: Translator, ticket: Ticket, stage: str,
                    driver: str | None = None) -> InlineKeyboardMarkup:
    _ = t.gettext
    n = ticket.number
    if stage == "overall":
        return InlineKeyboardMarkup([[button(str(s), encode(Action.SURVEY_OVERALL, n, s))
                                      for s in SCORES]])
    if stage == "solved":
        return InlineKeyboardMarkup([[button(_(SOLVED_LABELS[v]),
                                             encode(Action.SURVEY_SOLVED, n, v))]
                                     for v in SOLVED])
    if stage == "drivers":
        return InlineKeyboardMarkup([
            [button(str(s), encode(Action.SURVEY_DRIVER, n, driver, s)) for s in SCORES],
            [button(_("No thanks, that's all"), encode(Action.SURVEY_SKIP, n))],
        ])
    return InlineKeyboardMarkup([[button(_("Skip"), encode(Action.SURVEY_NO_COMMENT, n))]])


def feedback_record(t: Translator, ticket: Ticket, store: StoreConfig,
                    record: dict) -> str:
    """The technical service feedback form (技术服务反馈表) for the store's managers."""
    _ = t.gettext
    lines = [
        _("📋 Service feedback record · ticket #{number}").format(number=ticket.number),
        _("Store: {store} · Customer: {name}").format(store=escape(store.name),
                                                      name=shown_name(ticket.customer_name)),
        _("Kind: {kind} · Technician: {name}").format(
            kind=_(KIND_LABELS[ticket.kind]), name=shown_name(ticket.assignee_name)),
    ]
    if record.get("outcome"):
        outcome = OUTCOME_LABELS[Outcome(record["outcome"])]
        lines.append(_("Outcome: {outcome}").format(outcome=_(outcome)))
    lines.append(_("Service report: {report}").format(report=escape(record.get("report") or "")))
    lines.append("")
    if record.get("stage") == "unanswered":
        lines.append(_("The customer did not answer the satisfaction callback."))
        return "\n".join(lines)
    overall = record.get("overall")
    lines.append(_("Overall satisfaction: {score}/5").format(
        score=overall if overall is not None else "—"))
    solved = record.get("solved")
    lines.append(_("Fully solved? {answer}").format(
        answer=_(SOLVED_LABELS[solved]) if solved else "—"))
    drivers = record.get("drivers", {})
    if drivers:
        lines.append(" · ".join(f"{_(label)} {drivers[name]}" for name, _w, label in DRIVERS
                                if name in drivers))
        lines.append(_("Service quality index: {index}").format(
            index=quality_index(drivers)))
    if record.get("comment"):
        lines.append(_("Customer's comment: “{comment}”").format(
            comment=escape(quote(record["comment"]))))
    return "\n".join(lines)
