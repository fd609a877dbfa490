"""Greetings as people read them: the greeting itself, the managers' list of regulars to call
instead, progress and the final report. The greeting is personal (by name), in the customer's
language, and signed by their store."""

from __future__ import annotations

from html import escape

from desk.config import StoreConfig
from desk.greetings import TO_CALL, Occasion
from desk.i18n import N_, Translator

SAMPLE_NAME = N_("Ms Zhang")  # whose name the preview greets


def occasion_name(t: Translator, occasion: Occasion) -> str:
    return occasion.name if occasion.custom else t.gettext(occasion.name)


# Each festival's own wish, as people write it: 端午安康, not 端午节快乐.
WISHES = {
    "new_year": N_("Happy New Year!"),
    "spring_festival": N_("Happy Spring Festival!"),
    "labour_day": N_("Happy Labour Day!"),
    "dragon_boat": N_("Wishing you good health this Dragon Boat Festival!"),
    "mid_autumn": N_("Happy Mid-Autumn Festival!"),
    "national_day": N_("Happy National Day!"),
}
ANY_HOLIDAY = N_("Happy holidays!")


def greeting_text(t: Translator, name: str | None, store: StoreConfig,
                  occasion: Occasion) -> str:
    """The greeting: by the name a greeting in this language may use (desk.names), else
    without a name; a holiday's own wish, or thanks for the years on the store's own day."""
    _ = t.gettext
    opening = _("{name}, ").format(name=escape(name)) if name else ""
    if occasion.custom:  # the store's anniversary or its own day: thanks, not a festival wish
        return opening + _(
            "Today is {store}'s {occasion}. Thank you for your support all along the way; we "
            "wish you and your family all the best.\n— {store}").format(
                occasion=escape(occasion.name), store=escape(store.name))
    wish = _(WISHES.get(occasion.key, ANY_HOLIDAY))
    return opening + _(
        "{wish} Thank you for your trust in {store} all along; we wish you and your family "
        "all the best.\n— {store}").format(wish=wish, store=escape(store.name))


def to_call_text(t: Translator, store: StoreConfig, occasion: Occasion,
                 names: dict[str, list[str]]) -> str:
    _ = t.gettext
    lines = [_("📞 {store}, {occasion}: these regulars get no greeting today because of an "
               "open complaint or a recent low score. Please call them instead:").format(
                   store=escape(store.name), occasion=escape(occasion_name(t, occasion)))]
    labels = {"open_complaint": _("open complaint"), "low_score": _("low score in 30 days")}
    for reason in TO_CALL:
        for name in names.get(reason, []):
            lines.append(f"  · {escape(name)} ({labels[reason]})")
    return "\n".join(lines)


def progress_text(t: Translator, store: StoreConfig, occasion: Occasion, done: int,
                  total: int) -> str:
    percent = done * 100 // total if total else 100
    return t.gettext("✉️ {store}, {occasion} greetings: {percent}% ({done}/{total})").format(
        store=escape(store.name), occasion=escape(occasion_name(t, occasion)),
        percent=percent, done=done, total=total)


def report_text(t: Translator, store: StoreConfig, occasion: Occasion, campaign: dict,
                outcomes: dict[str, int]) -> str:
    _ = t.gettext
    skipped = campaign["skipped"]
    failed = sum(n for o, n in outcomes.items() if o.startswith("failed"))
    lines = [
        (_("✅ {store}, {occasion} greetings finished.") if campaign["state"] == "done"
         else _("⏹ {store}, {occasion} greetings cancelled.")).format(
            store=escape(store.name), occasion=escape(occasion_name(t, occasion))),
        _("Sent: {count}").format(count=outcomes.get("sent", 0)),
        _("Skipped: opted out {opted_out} · inactive {inactive} · open complaint {open} · low "
          "score {low} · gone since planning {gone}").format(
            opted_out=len(skipped["opted_out"]), inactive=len(skipped["inactive"]),
            open=len(skipped["open_complaint"]), low=len(skipped["low_score"]),
            gone=sum(n for o, n in outcomes.items() if o.startswith("skipped"))),
        _("Failed: {count} (blocked the bot: {blocked})").format(
            count=failed, blocked=outcomes.get("failed:blocked", 0)),
    ]
    if outcomes.get("pending"):
        lines.append(_("Unconfirmed (a restart interrupted the send): {count}").format(
            count=outcomes["pending"]))
    return "\n".join(lines)
