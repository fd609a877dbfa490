"""Everything the bot says: rendering, the durable outbox, and the sender that keeps Telegram's
limits. Handlers and schedules decide what to say and hand it over here; they never await
Telegram."""
