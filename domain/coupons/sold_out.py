"""Templates this process has just seen sold out, so a storm's losers are answered without asking the template.

A mark lasts `MARK_FOR` and lives in this process only: reading Redis instead would cost every claim, winners
included, a round trip, while N processes each learning it from one failed take of their own costs nothing.
Stock comes back only when a take is given back (a tap refused for the limit, a replay): this process then drops
its mark at once, and another process's mark keeps the unit from being claimed for at most `MARK_FOR`.
"""

import time
from dataclasses import dataclass

from bson import ObjectId

MARK_FOR = 2.0
# Marks are dropped as they expire once there are this many, which bounds the memory to the templates sold
# out in the last few seconds.
_TIDY_AT = 1000


@dataclass(frozen=True)
class Watch:
    """When the reading a mark would rest on began, so a give-back meanwhile keeps it from being set."""

    returns: int


class _Marks:
    def __init__(self) -> None:
        self._until: dict[ObjectId, tuple[ObjectId, float]] = {}
        self._returns = 0

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


MARKS = _Marks()
