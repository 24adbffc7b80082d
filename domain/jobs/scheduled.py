"""The scheduled jobs by name, each one call into the capability whose work it is: what the worker's crons run on
their schedule (workers/crons.py) and what an OWNER or an operator runs at once (domain.jobs.on_demand), so every
way of running a job runs the same thing. The outbox relay is not here: it hands entries to arq, which only the
worker speaks, and it runs every 5 seconds by itself.

Every job is idempotent (conditional updates, unique keys), so a run on demand may overlap a scheduled one.
"""

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

from channels.wechat import WeChatClient
from db.mongo import Mongo
from domain import birthday_gifts
from domain.account_closing import retention
from domain.alerts.evaluation import evaluate_all
from domain.campaigns.sending import send_due
from domain.checkout.notifications import apply_unapplied
from domain.checkout.providers import Providers
from domain.checkout.reconcile import reconcile_pending
from domain.commissions.release import BATCH as RELEASE_BATCH
from domain.commissions.release import release_due_commissions
from domain.coupons import expiry
from domain.journeys import daily
from domain.notifications.delivery import Outlets
from domain.payouts.batch import pay_out
from domain.payouts.channel import PayoutChannel
from domain.pii import PiiCipher
from domain.segments import rfm

# A release run stops after this many batches; the next run goes on.
MAX_RELEASE_BATCHES = 20
PAYMENT_QUERY_AFTER = timedelta(minutes=10)
# A campaigns run stops taking pages after this, well inside its timeout; the next minute's run goes on.
CAMPAIGN_BUDGET = timedelta(seconds=50)


class JobClients(Protocol):
    """What the jobs are handed: the start-up's clients bundle has all of it."""

    @property
    def mongo(self) -> Mongo: ...

    @property
    def wechat(self) -> WeChatClient: ...

    @property
    def payments(self) -> Providers: ...

    @property
    def payouts(self) -> PayoutChannel | None: ...

    @property
    def pii(self) -> PiiCipher: ...

    def outlets(self) -> Outlets: ...


# A job does what is due at `now` and says how many things it did.
Job = Callable[[JobClients, datetime], Awaitable[int]]


async def keep_wechat_token_fresh(clients: JobClients, now: datetime) -> int:
    """Refetch the cached access token before it expires, so no member-facing call waits on WeChat. Raises
    channels.wechat.WeChatError when WeChat does not answer."""
    if not clients.wechat.appid:
        return 0
    await clients.wechat.access_token()
    return 1


async def expire_coupons(clients: JobClients, now: datetime) -> int:
    """Store EXPIRED on the lapsed coupons (the reminder before is a journey's)."""
    return await expiry.expire_lapsed(mongo=clients.mongo, now=now)


async def return_forwards(clients: JobClients, now: datetime) -> int:
    return await expiry.return_lapsed_forwards(mongo=clients.mongo, now=now)


async def give_birthday_gifts(clients: JobClients, now: datetime) -> int:
    return await birthday_gifts.give_birthday_gifts(mongo=clients.mongo, now=now)


async def release_commissions(clients: JobClients, now: datetime) -> int:
    """PENDING commissions past their freeze become AVAILABLE, in batches until a batch comes back short."""
    released = 0
    for _ in range(MAX_RELEASE_BATCHES):
        batch = await release_due_commissions(mongo=clients.mongo, now=now, limit=RELEASE_BATCH)
        released += batch
        if batch < RELEASE_BATCH:
            break
    return released


async def query_pending_payments(clients: JobClients, now: datetime) -> int:
    """Payments open for over 10 minutes: ask the provider (a notification may be lost or late)."""
    report = await reconcile_pending(
        mongo=clients.mongo, providers=clients.payments, older_than=PAYMENT_QUERY_AFTER, now=now
    )
    return report.checked


async def apply_kept_notifications(clients: JobClients, now: datetime) -> int:
    """Payment notifications an API process acknowledged but never applied (it died after answering)."""
    return await apply_unapplied(mongo=clients.mongo, now=now)


async def pay_out_commissions(clients: JobClients, now: datetime) -> int:
    """Shareholder payouts: open scheduled runs, hold payouts, send and settle transfer bills (within a budget)."""
    if clients.payouts is None:
        return 0
    return (await pay_out(mongo=clients.mongo, channel=clients.payouts, now=now)).work


async def run_journeys(clients: JobClients, now: datetime) -> int:
    """Every merchant's switched-on journeys: members reached (sent to, or held back as a control)."""
    return await daily.evaluate_all(mongo=clients.mongo, now=now)


async def evaluate_alerts(clients: JobClients, now: datetime) -> int:
    """Every merchant's enabled alert rules: how many alerts fired."""
    return await evaluate_all(mongo=clients.mongo, now=now)


async def apply_retention(clients: JobClients, now: datetime) -> int:
    """Anonymize members inactive past their merchant's retention, and delete old message bodies and sign-ins."""
    swept = await retention.sweep(mongo=clients.mongo, pii=clients.pii, now=now)
    return swept.anonymized + swept.notifications_deleted + swept.sessions_deleted


async def refresh_segment_facts(clients: JobClients, now: datetime) -> int:
    """Every merchant's member facts rebuilt and their RFM buckets set: how many members."""
    return await rfm.refresh_all(mongo=clients.mongo, now=now)


async def send_campaigns(clients: JobClients, now: datetime) -> int:
    """Campaigns due (their send time come, or a dead run's to resume), page by page within a budget: how many
    members were decided."""
    return await send_due(out=clients.outlets(), now=now, budget=CAMPAIGN_BUDGET)


# By the names the worker's crons and their last runs (cronRuns) go by.
JOBS: dict[str, Job] = {
    "keep_wechat_token_fresh": keep_wechat_token_fresh,
    "expire_coupons": expire_coupons,
    "return_forwards": return_forwards,
    "birthday_gifts": give_birthday_gifts,
    "release_commissions": release_commissions,
    "query_pending_payments": query_pending_payments,
    "apply_kept_notifications": apply_kept_notifications,
    "payouts": pay_out_commissions,
    "alerts": evaluate_alerts,
    "journeys": run_journeys,
    "retention": apply_retention,
    "segment_facts": refresh_segment_facts,
    "campaigns": send_campaigns,
}
