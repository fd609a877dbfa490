"""What every handler and job works with: the settings, the database and the clock."""

from __future__ import annotations

from dataclasses import dataclass

from desk.clock import Clock
from desk.config import Settings, StoreConfig
from desk.i18n import negotiate
from desk.models import Customer
from desk.storage import Database


@dataclass
class Desk:
    settings: Settings
    db: Database
    clock: Clock

    def store(self, store_id: str | None) -> StoreConfig | None:
        """A store of the config; None for one that was removed from it (its tickets stay
        where they are: never shown to another store's staff)."""
        return self.settings.store(store_id) if store_id else None

    def display_store(self, store_id: str | None) -> StoreConfig:
        """A store for formatting only (a time zone, a language): a removed store's tickets
        still show their dates to their customer."""
        return self.store(store_id) or self.settings.stores[0]

    def language_of(self, customer: Customer | None, telegram_code: str | None = None,
                    fallback: str | None = None) -> str:
        """A user's language: their /language choice, else Telegram's, else the store's."""
        if customer is not None and customer.language:
            return customer.language
        if telegram_code is None and customer is not None:
            telegram_code = customer.telegram_language
        default = fallback or self.settings.default_language
        if customer is not None and customer.store_id and fallback is None:
            config = self.settings.store(customer.store_id)
            default = config.language if config else default
        return negotiate(telegram_code, default)

    def person_language(self, user_id: int, fallback: str) -> str:
        """The language of someone we write to unprompted (a manager, a technician)."""
        person = self.db.customer(user_id)
        if person is None or not (person.language or person.telegram_language):
            return negotiate(None, fallback)
        return self.language_of(person, fallback=fallback)
