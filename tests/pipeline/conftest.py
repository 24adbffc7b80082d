"""Pipeline givens: the app served for real with WeChat Pay at the payments sandbox (tests/checkout's fixtures,
imported), a subscribe template per topic (as tests/workers has them), a shareholder network whose deepest member
was first brought in by a staff member, and the real arq worker run over the real Redis until the outbox is empty.
"""

from dataclasses import dataclass

import pytest
from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.commissions.programs import Program
from domain.coupons.touch import Sharer
from domain.notifications.topics import Topic
from domain.outbox import OPEN
from domain.pii import PiiCipher
from domain.referrals.binding import BindingSource, bind_referrer
from domain.referrals.correction import correct_referrer
from domain.tenancy import Role
from startup.settings import Settings

# The sandbox for the session and the app served on a port of its own (so the sandbox's notifications reach its
# webhooks) are tests/checkout's fixtures, imported so that pytest finds them here too.
from tests.checkout.conftest import (  # noqa: F401
    PaymentsSandbox,
    app_port,
    client,
    payments_sandbox,
    sandbox_keys,
    shopper,
)
from tests.commissions.conftest import appoint, open_program
from tests.conftest import Shop
from tests.coupons.conftest import Colleague, Customer, make_staff
from tests.payouts.conftest import sandbox_settings
from tests.referrals.conftest import Person, chain_of
from tests.workers.conftest import TEMPLATES, grant, run_worker


@pytest.fixture
def settings(settings: Settings, payments_sandbox: PaymentsSandbox, app_port: int) -> Settings:  # noqa: F811
    """WeChat Pay pointed at the sandbox and notifying this test's app, and a subscribe template per topic."""
    extra = sandbox_settings(payments_sandbox.keys, payments_sandbox.url, app_port)
    return Settings(_env_file=None, **settings.model_dump() | extra | {"wechat_subscribe_templates": TEMPLATES})


@dataclass(frozen=True)
class Network:
    """Shareholder A; A's friend B, a shareholder too; B's friend C, whom technician S first signed up."""

    program: Program
    a: Person
    b: Person
    c: Customer
    s: Colleague


async def network(mongo: Mongo, pii: PiiCipher, shop: Shop) -> Network:
    """The program pays 10% to level 1, 5% to level 2 and 3% to the acquiring staff member, frozen 7 days.

    A binding is made once, by the first touch: C scanned technician S's QR code first (so C is S's), and the
    owner later corrected C's upline to B, who had brought C in (a correction keeps the staff attribution)."""
    owner = shop.merchant.owner
    program = await open_program(mongo, shop)
    a, b = await chain_of(mongo, shop, 2, "股东")
    await appoint(mongo, shop, program, a.id, b.id)
    s = await make_staff(mongo, pii, shop, Role.TECHNICIAN, "13700000002", name="小李")
    payer = await shopper(mongo, shop, "小明")
    scanned = await bind_referrer(
        mongo=mongo,
        merchant_id=owner.merchant_id,
        member_id=payer.id,
        sharer=Sharer(staff_id=s.staff.id),
        source=BindingSource.STAFF_QR,
    )
    assert scanned.bound
    await correct_referrer(mongo=mongo, actor=owner, member_id=payer.id, referrer_id=b.id, reason="B 带来的朋友")
    for shareholder in (a, b):
        await grant(mongo, owner.merchant_id, shareholder.id, Topic.COMMISSION_ACCRUED)
    return Network(program, a, b, payer, s)


async def openid(mongo: Mongo, member_id: ObjectId) -> str:
    doc = await mongo.db[c.MEMBERS].find_one({"_id": member_id}, {"openid": 1})
    assert doc is not None
    return str(doc["openid"])


async def work_through(settings: Settings, mongo: Mongo, runs: int = 4) -> None:
    """`jike worker` in burst mode until the outbox has nothing open: each run relays at start-up what the run
    before wrote (ORDER_PAID's commissions announce themselves in COMMISSION_ACCRUED, handled by the next run)."""
    for _ in range(runs):
        await run_worker(settings)
        if await mongo.db[c.OUTBOX].count_documents({"status": {"$in": list(OPEN)}}) == 0:
            return
    raise AssertionError(f"the outbox still had open entries after {runs} worker runs")
