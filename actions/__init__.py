"""Every verb on a ticket, once, between the adapters (handlers/, webapp/, schedules/) and
outbox/: ``apply(outbox, number_or_key, actor, verb, args) -> Answer``.

The chat's buttons and replies, the desk's API and the sweeps (actions.sweeps) call it; none of
them opens a transaction for a ticket verb. See actions.core for the skeleton and
actions.table for the verbs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from actions.core import Actor, Answer, Reply, Surface, Verb, Who, run
from actions.table import VERBS, offered

if TYPE_CHECKING:
    from outbox.post import Outbox

__all__ = ["VERBS", "Actor", "Answer", "Reply", "Surface", "Verb", "Who", "apply", "offered"]


def apply(outbox: Outbox, ref: int | str, actor: Actor, verb: Verb, args: Sequence[Any] = (),
          now: datetime | None = None) -> Answer:
    """Do ``verb`` on the ticket numbered (int) or keyed (str) ``ref`` for ``actor``."""
    row = VERBS.get(verb)
    if row is None:
        return Answer(invalid=True)
    return run(outbox, ref, actor, row, tuple(args), now or outbox.desk.clock())
