"""Inbound Telegram updates, one module per audience (customer, staff, manager)."""
