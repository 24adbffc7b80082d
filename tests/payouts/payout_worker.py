"""A worker process for the kill test: the worker's payout cron body (workers.crons), round after round until one
finds nothing to do, with the settings the test hands it as JIKE_* variables. PAYOUT_CLOCK_AHEAD_S sets its clock
ahead: to a schedule's slot, or later still for a worker that comes back (bills sent without a recorded answer
are due a query after a while).
"""

import asyncio
import os
from datetime import UTC, datetime, timedelta

from startup.clients import open_clients
from startup.settings import Settings
from workers.crons import pay_out_commissions


async def main() -> None:
    ahead = timedelta(seconds=float(os.environ.get("PAYOUT_CLOCK_AHEAD_S", "0")))
    async with open_clients(Settings()) as clients:
        while await pay_out_commissions({"clients": clients}, datetime.now(UTC) + ahead):
            pass


if __name__ == "__main__":
    asyncio.run(main())
