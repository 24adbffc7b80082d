"""How this process meets a claim storm on one template: a few takes of its stock in flight at a time, and a
mark, once the template is sold out, that answers the claimers still waiting without taking.

Every take of one template's stock updates the same document, which serves them one at a time whatever the
number sent; the rest wait here rather than in the connection pool, so that those still waiting when the last
unit goes are told by the mark instead of sending a take that must fail (a take refused after the mark lapsed,
in a storm longer than it, sets it again). A mark lasts `MARK_FOR` and lives in this process only: reading Redis
instead would cost every claim, winners included, a round trip, while N processes each learning it from their
own last take costs nothing. Stock comes back only when a take is given back (a tap refused for the limit, a
replay): this process then drops its mark at once, and another process's mark keeps the unit from being claimed
for at most `MARK_FOR`.
"""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from bson import ObjectId

MARK_FOR = 2.0
# Takes of one template in flight at once from this process: enough to keep its document busy.
TAKERS = 8
# Marks are dropped as they expire once there are this many, which bounds the memory to the templates sold
# out in the last few seconds.
_TIDY_AT = 1000


@dataclass(frozen=True)
class Watch:
    """When the reading a mark would rest on began, so a give-back meanwhile keeps it from being set."""

    returns: int


@dataclass
class _Gate:
    turns: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(TAKERS))
    users: int = 0


class _Marks:
    def __init__(self) -> None:
        self._until: dict[ObjectId, tuple[ObjectId, float]] = {}
        self._returns = 0
        self._gates: dict[ObjectId, _Gate] = {}

    def watch(self) -> Watch:
        return Watch(self._returns)

    def mark(self, merchant_id: ObjectId, template_id: ObjectId, watch: Watch) -> None:
        """Marks the template sold out, unless stock was given back since `watch`: the reading may predate it."""
        if watch.returns != self._returns:
            return
        now = time.monotonic()
        if len(self._until) >= _TIDY_AT:
            self._until = {t: v for t, v in self._until.items() if v[1] > now}
        self._until[template_id] = (merchant_id, now + MARK_FOR)

    def marked(self, merchant_id: ObjectId, template_id: ObjectId) -> bool:
        found = self._until.get(template_id)
        return found is not None and found[0] == merchant_id and found[1] > time.monotonic()

    def given_back(self, template_id: ObjectId) -> None:
        self._returns += 1
        self._until.pop(template_id, None)

    @asynccontextmanager
    async def turn(self, template_id: ObjectId) -> AsyncIterator[None]:
        """One of the `TAKERS` turns to take this template's stock; the gate goes when nobody waits at it."""
        gate = self._gates.setdefault(template_id, _Gate())
        gate.users += 1
        try:
            async with gate.turns:
                yield
        finally:
            gate.users -= 1
            if gate.users == 0:
                del self._gates[template_id]


MARKS = _Marks()
