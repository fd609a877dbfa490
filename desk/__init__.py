"""The complaint desk's domain: no Telegram here, only tickets, customers, rules and storage."""
