"""The payout worker's round, run by a cron every minute: open the runs merchants' schedules call for, hold
the payouts of runs still holding, then take every due transfer bill a step (send, settle an unknown outcome,
or ask after one waiting for its payee). Every part is idempotent and resumable, and the round stops when its
budget is spent, so overlapping or interrupted rounds lose nothing and pay nothing twice.
"""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from db.mongo import Mongo
from domain.payouts.channel import PayoutChannel
from domain.payouts.runs import advance_open_runs, open_scheduled_runs
from domain.payouts.sending import send_due

ROUND_BUDGET = timedelta(seconds=50)


@dataclass(frozen=True)
class Round:
    runs_opened: int
    runs_advanced: int
    bill_steps: int

    @property
    def work(self) -> int:
        return self.runs_opened + self.runs_advanced + self.bill_steps


async def pay_out(*, mongo: Mongo, channel: PayoutChannel, now: datetime, budget: timedelta = ROUND_BUDGET) -> Round:
    deadline = time.monotonic() + budget.total_seconds()
    opened = await open_scheduled_runs(mongo=mongo, now=now)
    advanced = await advance_open_runs(mongo=mongo, limits=channel.limits, now=now, deadline=deadline)
    left = timedelta(seconds=max(deadline - time.monotonic(), 0))
    steps = await send_due(mongo=mongo, channel=channel, now=now, budget=left)
    return Round(opened, advanced, steps)
