"""Attribution of a payment on our own clock: a shareholder program's window and a coupon claim's revenue count
a payment from the moment we recorded it, whatever whole second WeChat Pay writes as its success_time and
however far its clock runs from ours.
"""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from db import collections as c
from db.mongo import Mongo
from domain.commissions.accrual import Accrual, on_order_paid
from domain.coupons import forwarding
from domain.events import OrderPaid
from tests.checkout.conftest import PaymentsSandbox, all_handled, outbox, shopper
from tests.checkout.test_funnel_revenue import FUNNEL
from tests.checkout.test_wechatpay_webhook import deliver, wechat_order
from tests.commissions.conftest import appoint, open_program
from tests.conftest import Gql, Shop
from tests.coupons.conftest import Customer, claimed_coupon, new_template, oid
from tests.referrals.conftest import bind

# How far ahead of ours the provider's clock runs in these tests: a few seconds, as a drifting clock does.
PROVIDER_AHEAD = timedelta(seconds=3)


async def into_a_second() -> datetime:
    """Now, to the millisecond as Mongo keeps it, a few milliseconds past a whole second (so that truncating it to
    the second moves it earlier) and well before the next."""
    now = datetime.now(UTC)
    if not 5_000 <= now.microsecond < 800_000:
        await asyncio.sleep((1_005_000 - now.microsecond) % 1_000_000 / 1_000_000)
        now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


async def wechat_says_paid(
    world: PaymentsSandbox, client: httpx.AsyncClient, mongo: Mongo, out_trade_no: str, at: datetime
) -> None:
    """WeChat Pay notifies our webhook that the member paid at `at` by its clock, written in whole seconds; the
    webhook applies it behind its answer."""
    wechat = world.sandbox.wechatpay
    wechat.mark_paid(out_trade_no, at)
    answer = await deliver(client, wechat.payment_notification(out_trade_no, datetime.now(UTC)))
    assert answer.status_code == 204
    await all_handled(mongo)


async def handle_order_paid(mongo: Mongo) -> Accrual:
    """The worker's job for the one ORDER_PAID in the outbox, as the relay hands it over."""
    [entry] = await outbox(mongo, "ORDER_PAID")
    return await on_order_paid(mongo=mongo, event=OrderPaid.from_payload(entry["payload"]))


async def friend_of_a_shareholder(mongo: Mongo, shop: Shop) -> tuple[Customer, Customer]:
    shareholder, friend = await shopper(mongo, shop, "股东"), await shopper(mongo, shop, "朋友")
    await bind(mongo, shop, friend.id, shareholder.id)
    return shareholder, friend


async def test_a_payment_in_the_second_a_program_starts_earns_though_wechat_pay_truncates_its_time(
    gql: Gql, mongo: Mongo, shop: Shop, payments_sandbox: PaymentsSandbox, client: httpx.AsyncClient
) -> None:
    # given a shareholder's friend with a 100 yuan WeChat Pay payment open
    shareholder, friend = await friend_of_a_shareholder(mongo, shop)
    _, _, out_trade_no = await wechat_order(gql, mongo, shop, 10_000, member=friend)
    # and a program paying 10% at level 1 that starts now, some milliseconds into this second
    start = await into_a_second()
    await appoint(mongo, shop, await open_program(mongo, shop, starts_at=start), shareholder.id)

    # when WeChat Pay says the friend paid in that same second, truncated to 14:34:31 for a start at 14:34:31.045
    await wechat_says_paid(payments_sandbox, client, mongo, out_trade_no, start)
    accrual = await handle_order_paid(mongo)

    # then the payment counts from when we recorded it, after the start: the shareholder earns 10 yuan
    assert [(x.beneficiary_id, x.amount_fen) for x in accrual.commissions] == [(shareholder.id, 1_000)]


async def test_a_payment_recorded_before_a_program_starts_earns_nothing_though_the_provider_clock_runs_ahead(
    gql: Gql, mongo: Mongo, shop: Shop, payments_sandbox: PaymentsSandbox, client: httpx.AsyncClient
) -> None:
    # given a shareholder's friend who paid 100 yuan by WeChat Pay, whose clock runs 3 seconds ahead of ours
    shareholder, friend = await friend_of_a_shareholder(mongo, shop)
    _, _, out_trade_no = await wechat_order(gql, mongo, shop, 10_000, member=friend)
    await wechat_says_paid(payments_sandbox, client, mongo, out_trade_no, datetime.now(UTC) + PROVIDER_AHEAD)

    # when a program starts right after we recorded the payment (its success_time still ahead), before the
    # worker handles ORDER_PAID
    await appoint(mongo, shop, await open_program(mongo, shop, starts_at=datetime.now(UTC)), shareholder.id)
    accrual = await handle_order_paid(mongo)

    # then the payment came before the program: nobody earns on it
    assert accrual.commissions == ()


@dataclass(frozen=True)
class Offer:
    """A sharer's coupon forwarded to a friend who has a 100 yuan WeChat Pay payment open."""

    template: str
    token: str
    friend: Customer
    out_trade_no: str


async def offered_forward(gql: Gql, mongo: Mongo, shop: Shop, owner_token: str) -> Offer:
    template = await new_template(gql, owner_token)
    sharer, friend = await shopper(mongo, shop, "分享人"), await shopper(mongo, shop, "朋友")
    coupon = await claimed_coupon(gql, sharer, template)
    share = await forwarding.forward_coupon(
        mongo=mongo, merchant_id=shop.merchant.merchant.id, member_id=sharer.id, coupon_id=oid("Coupon", coupon)
    )
    _, _, out_trade_no = await wechat_order(gql, mongo, shop, 10_000, member=friend)
    return Offer(template, share.link.token, friend, out_trade_no)


async def accept(mongo: Mongo, shop: Shop, friend: Customer, token: str) -> datetime:
    """The friend accepts the forward; when we recorded the claim."""
    await forwarding.accept_coupon(mongo=mongo, merchant_id=shop.merchant.merchant.id, member_id=friend.id, token=token)
    claimed = await mongo.db[c.COUPON_EVENTS].find_one({"step": "CLAIMED"}, sort=[("at", -1)])
    assert claimed is not None
    at: datetime = claimed["at"]
    return at.replace(tzinfo=UTC)


async def sharer_revenue(gql: Gql, owner_token: str, template: str) -> dict[str | None, int]:
    body = await gql("admin", FUNNEL, {"id": template, "groupBy": "SHARER"}, token=owner_token)
    return {r["name"]: r["revenueFen"] for r in body["data"]["couponFunnel"]["funnel"]["rows"]}


async def test_a_payment_in_the_second_a_forward_is_accepted_counts_as_revenue_of_that_claim(
    gql: Gql,
    mongo: Mongo,
    shop: Shop,
    owner_token: str,
    payments_sandbox: PaymentsSandbox,
    client: httpx.AsyncClient,
) -> None:
    # given a friend with a 100 yuan WeChat Pay payment open, who is offered a forwarded coupon
    offer = await offered_forward(gql, mongo, shop, owner_token)

    # when the friend accepts it some milliseconds into a second, and WeChat Pay says they paid in that second
    await into_a_second()
    accepted_at = await accept(mongo, shop, offer.friend, offer.token)
    await wechat_says_paid(payments_sandbox, client, mongo, offer.out_trade_no, accepted_at)

    # then the payment, recorded after the claim, is the sharer's revenue
    assert await sharer_revenue(gql, owner_token, offer.template) == {"分享人0": 10_000, None: 0}


async def test_a_payment_recorded_before_a_forward_is_accepted_is_not_its_revenue_though_the_provider_clock_runs_ahead(
    gql: Gql,
    mongo: Mongo,
    shop: Shop,
    owner_token: str,
    payments_sandbox: PaymentsSandbox,
    client: httpx.AsyncClient,
) -> None:
    # given a friend offered a forwarded coupon, who paid 100 yuan by WeChat Pay, whose clock runs 3 s ahead of ours
    offer = await offered_forward(gql, mongo, shop, owner_token)
    await wechat_says_paid(payments_sandbox, client, mongo, offer.out_trade_no, datetime.now(UTC) + PROVIDER_AHEAD)

    # when the friend accepts the coupon right after (the payment's success_time still ahead)
    await accept(mongo, shop, offer.friend, offer.token)

    # then that payment came before the claim: no revenue for the sharer
    assert await sharer_revenue(gql, owner_token, offer.template) == {"分享人0": 0, None: 0}
