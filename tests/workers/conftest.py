"""Worker givens: settings with a subscribe template per topic, WeChat members holding message quota, a Redis
of the test's own (to stop it), and the real arq worker run in burst mode against the real Redis.
"""

import subprocess
import uuid
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

import pytest
from arq.worker import Worker
from bson import ObjectId
from pydantic import SecretStr

from api import embedded
from db import collections as c
from db.mongo import Mongo
from domain import outbox
from domain.cards.card import issue_card
from domain.coupons import templates
from domain.coupons.templates import Benefit, Template, TemplateDraft, TemplateStatus, Validity
from domain.events import Event
from domain.jobs import dead_letters
from domain.notifications import subscriptions
from domain.notifications.topics import Topic
from domain.outbox import OutboxEntry, entry_from_doc
from domain.pricing import CouponKind
from schema.ids import to_global_id
from startup.clients import Clients
from startup.settings import Settings
from tests.booking.conftest import Person, make_members
from tests.conftest import Shop
from workers.crons import cron_jobs
from workers.events import HANDLERS, Handler, Handlers, RetryPolicy
from workers.settings import worker_options


@dataclass(frozen=True)
class Probe(Event):
    """An event kind of the tests' own, for handlers they register."""

    KIND: ClassVar[str] = "TEST_EVENT"

    order_no: str = "A1"


def probe(kind: str) -> type[Probe]:
    """A probe of another kind, so a test can give it a handler of its own."""
    return dataclass(frozen=True)(type(kind, (Probe,), {"KIND": kind}))


TEMPLATES = {topic.value: f"tmpl-{topic.value.lower().replace('_', '-')}" for topic in Topic}
# Retries within milliseconds, so a burst-mode worker sees an event through all its attempts at once.
QUICK_RETRY = RetryPolicy(max_attempts=3, first_delay_s=0.01, factor=1)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"wechat_subscribe_templates": TEMPLATES})


@pytest.fixture
async def own_redis(settings: Settings, mongo: Mongo) -> AsyncIterator[tuple[Settings, subprocess.Popen[bytes], int]]:
    """A Redis of this test's own, so stopping it leaves the session's Redis alone."""
    port = embedded.free_port()
    process = embedded.start_redis(port, None)
    try:
        yield settings.model_copy(update={"redis_url": SecretStr(f"redis://127.0.0.1:{port}/0")}), process, port
    finally:
        embedded.stop(process)


async def run_worker(
    settings: Settings,
    *,
    handlers: Handlers = HANDLERS,
    retry_policy: RetryPolicy = QUICK_RETRY,
    poll_delay: float = 0,
) -> Worker:
    """`jike worker` until its queue is empty; the relay runs at start-up, the other crons not at all."""
    relay_only = [job for job in cron_jobs() if job.name == "relay_outbox"]
    options = worker_options(settings, handlers=handlers, retry_policy=retry_policy, cron_jobs=relay_only)
    worker = Worker(**options, burst=True, poll_delay=poll_delay, handle_signals=False)
    try:
        await worker.main()
    finally:
        with warnings.catch_warnings():
            # arq 0.28 (maintenance only) closes its pool with redis-py's deprecated close().
            warnings.filterwarnings("ignore", "Call to deprecated close", DeprecationWarning)
            await worker.close()
    return worker


async def grant(mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, topic: Topic, times: int = 1) -> None:
    """The member accepted the topic's template `times` times in the mini-program."""
    template_id = TEMPLATES[topic.value]
    for _ in range(times):
        await subscriptions.record_subscriptions(
            mongo=mongo,
            known_template_ids=set(TEMPLATES.values()),
            merchant_id=merchant_id,
            member_id=member_id,
            template_ids=[template_id],
            accepted=[template_id],
        )


async def subscribed_members(mongo: Mongo, shop: Shop, n: int, topic: Topic, times: int = 1) -> list[Person]:
    """`n` WeChat members with a card, each of whom granted `times` messages of `topic`."""
    merchant_id = shop.merchant.merchant.id
    people = await make_members(mongo, merchant_id, n)
    for person in people:
        await issue_card(mongo=mongo, merchant_id=merchant_id, member_id=person.id)
        await grant(mongo, merchant_id, person.id, topic, times)
    return people


async def coupon_template(mongo: Mongo, shop: Shop, title: str = "生日 8 折券", days: int = 30) -> Template:
    """An active template of the shop: 5 yuan off, valid `days` days from receipt."""
    owner = shop.merchant.owner
    draft = TemplateDraft(
        title=title, benefit=Benefit(kind=CouponKind.AMOUNT_OFF, value_fen=500), validity=Validity(days=days)
    )
    created = await templates.create_template(mongo=mongo, actor=owner, draft=draft)
    return await templates.set_template_status(
        mongo=mongo, actor=owner, template_id=created.id, status=TemplateStatus.ACTIVE
    )


async def furnish_jobs(mongo: Mongo, shop: Shop) -> dict[str, str]:
    """For the tenancy isolation walk: a dead letter of the shop's, as the worker buries one."""
    merchant_id = shop.merchant.merchant.id
    key = f"isolation:{merchant_id}"
    await outbox.record_once(mongo=mongo, merchant_id=merchant_id, event=Probe(), dedupe_key=key)
    doc = await mongo.db[c.OUTBOX].find_one({"dedupe_key": key})
    assert doc is not None
    await dead_letters.bury(mongo=mongo, entry=entry_from_doc(doc), error="ValueError: bug", now=datetime.now(UTC))
    return {"dead_letter": to_global_id("DeadLetter", doc["_id"])}


class Recorder:
    """A handler that fails as told and remembers every run."""

    def __init__(self, failure: Exception | None) -> None:
        self.failure = failure
        self.runs: list[ObjectId] = []

    async def __call__(self, clients: Clients, entry: OutboxEntry, event: object) -> None:
        self.runs.append(entry.id)
        if self.failure is not None:
            raise self.failure


def with_handler(kind: str, handler: Handler) -> Handlers:
    return {**HANDLERS, probe(kind): (handler,)}


async def event(mongo: Mongo, shop: Shop, kind: str) -> ObjectId:
    key = f"test:{uuid.uuid4().hex}"
    await outbox.record_once(mongo=mongo, merchant_id=shop.merchant.merchant.id, event=probe(kind)(), dedupe_key=key)
    doc = await mongo.db[c.OUTBOX].find_one({"dedupe_key": key})
    assert doc is not None
    return ObjectId(doc["_id"])
