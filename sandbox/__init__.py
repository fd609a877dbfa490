"""Offline Telegram for the tests and the demo: no token, no network."""
