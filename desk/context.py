"""What every handler and job works with: the settings, the store and the clock."""

from __future__ import annotations

from dataclasses import dataclass

from desk.clock import Clock
from desk.config import Settings, StoreConfig
from desk.i18n import negotiate
from desk.models import Customer
from desk.storage import Store


@dataclass
class Desk:
    settings: Settings
    store: Store
    clock: Clock

    def store_config(self, store_id: str) -> StoreConfig:
        config = self.settings.store(store_id)
        if config is None:
            # Tickets of a store removed from the config still need a language and a zone.
            return self.settings.stores[0]
        return config

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
