"""What the bot's two web servers (the managers' desk, the webhook in webhook mode) allow.

A client that opens a connection and sends its request a byte at a time (or never) holds a
file descriptor for as long as the server waits; before these limits, hundreds of such
connections used up the process's descriptors and the bot stopped answering customers. So:

- the request line and headers must arrive within ``header_seconds`` of the connection (or of
  the previous answer on a kept-alive connection); an idle connection is closed after as long;
- the body must arrive within ``body_seconds`` of the headers, and be at most ``max_body``
  bytes: a larger ``Content-Length`` is refused before a byte of the body is read;
- at most ``max_connections`` connections at once; one more is closed as soon as it is
  accepted (the bot itself keeps its descriptors whatever clients do).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServerLimits:
    header_seconds: float = 10.0
    body_seconds: float = 10.0
    max_body: int = 64 * 1024
    max_connections: int = 100


# The managers' desk: a few managers' phones; its largest body is a decision of a few bytes.
DESK = ServerLimits()
# The webhook: Telegram opens up to 40 connections (setWebhook's max_connections); an update
# is a few kilobytes.
WEBHOOK = ServerLimits(max_body=1024 * 1024)
