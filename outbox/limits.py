"""Telegram's limits, kept by the sender itself, and the rate limiters that keep them.

Telegram allows a bot about 30 messages a second overall, 20 a minute in one group (edits
count), and about one a second in one private chat with a small burst; past that it answers
429 and the message is not delivered. The sender keeps a little under each limit: requests
travel over a network, and a request sent 1.00 s after another may arrive 0.98 s after it.
Replies may go out in a burst (a confirmation is three messages at once); bulk messages
(greetings, digests) are paced evenly, so a campaign never fills a whole second and a
customer's reply always finds a free slot within a few dozen milliseconds.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True)
class Limits:
    overall_messages: int | None = 29  # in any ``overall_window``: replies go out in a burst
    overall_window: float = 1.0
    bulk_per_second: float | None = 28.0  # campaigns and digests, evenly paced under that
    group_messages: int | None = 20  # per group and window, edits included
    group_window: float = 62.0  # seconds; a little over Telegram's minute
    private_burst: int | None = 3
    private_interval: float = 1.1  # seconds per message, once the burst is used
    backoff_first: float = 1.0  # seconds before retrying a 5xx, a timeout, a network error
    backoff_max: float = 300.0
    give_up_after: timedelta = field(default=timedelta(days=1))
    unreachable_group_retry: float = 600.0  # the bot was removed from a staff group
    max_in_flight: int = 32  # requests under way at once, each to a different chat

    @classmethod
    def unlimited(cls, **changes) -> Limits:
        """No pacing at all: for tests that are not about limits."""
        return cls(**{"overall_messages": None, "bulk_per_second": None, "group_messages": None,
                      "private_burst": None, "backoff_first": 0.0, "backoff_max": 0.0,
                      "unreachable_group_retry": 0.0, **changes})


class Pacer:
    """At most one event every ``interval`` seconds, evenly spaced."""

    def __init__(self, per_second: float | None):
        self.interval = 1.0 / per_second if per_second else 0.0
        self.last = float("-inf")

    def available_at(self, now: float) -> float:
        return max(now, self.last + self.interval)

    def record(self, now: float) -> None:
        self.last = max(now, self.last + self.interval) if self.interval else now


class SlidingWindow:
    """At most ``count`` events in any ``window`` seconds."""

    def __init__(self, count: int | None, window: float):
        self.count = count
        self.window = window
        self.times: collections.deque[float] = collections.deque()

    def available_at(self, now: float) -> float:
        if self.count is None:
            return now
        while self.times and self.times[0] <= now - self.window:
            self.times.popleft()
        if len(self.times) < self.count:
            return now
        return self.times[0] + self.window

    def record(self, now: float) -> None:
        if self.count is not None:
            self.times.append(now)


class TokenBucket:
    """A burst of ``capacity`` events, then one every ``interval`` seconds."""

    def __init__(self, capacity: int | None, interval: float):
        self.capacity = capacity
        self.interval = interval
        self.tokens = float(capacity or 0)
        self.stamp = float("-inf")

    def _refill(self, now: float) -> None:
        if self.capacity is None:
            return
        if self.stamp == float("-inf"):
            self.tokens = float(self.capacity)
        else:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) / self.interval)
        self.stamp = now

    def available_at(self, now: float) -> float:
        if self.capacity is None:
            return now
        self._refill(now)
        if self.tokens >= 1:
            return now
        return now + (1 - self.tokens) * self.interval

    def record(self, now: float) -> None:
        if self.capacity is not None:
            self._refill(now)
            self.tokens -= 1
