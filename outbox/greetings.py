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


def greeting_text(t: Translator, name: str, store: StoreConfig, occasion: Occasion) -> str:
    return t.gettext(
        "{name}, happy {occasion}! Thank you for your trust in {store} all along; we wish you "
        "and your family all the best.\n— {store}").format(
            name=escape(name), occasion=escape(occasion_name(t, occasion)),
            store=escape(store.name))


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
