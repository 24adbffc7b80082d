"""Redemption (核销): staff scan the member's code and the coupon is used exactly once; a second scan says
when, where and by whom; store scope is checked; a checkout lock keeps a coupon for an unpaid order and
lets go of it on its own.
"""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from bson import ObjectId
from pymongo import monitoring

from db import collections as c
from db.mongo import Mongo, open_mongo
from domain import tenancy
from domain.coupons import redemption
from domain.coupons.errors import CouponError
from domain.keyring import Keyring
from domain.pii import PiiCipher
from schema.ids import to_global_id
from startup.settings import Settings
from tests.conftest import SECRET_KEY, Gql, Shop
from tests.coupons.conftest import Customer, claimed_coupon, make_member, make_staff, new_template, oid, store_gid

CODE = "query($id: ID!) { coupon(id: $id) { status lockedForOrder redeemCode { code expiresAt } } }"

REDEEM = """
mutation($input: RedeemCouponInput!) {
  redeemCoupon(input: $input) {
    coupon { id status template { title } ownerMemberId }
    redemption { at storeName staffName }
    replayed
    userErrors { field code message }
  }
}
"""

FORWARD = """
mutation($id: ID!) { forwardCoupon(input: {couponId: $id}) { userErrors { code } } }
"""


async def _code(gql: Gql, who: Customer, coupon: str) -> str:
    body = await gql("member", CODE, {"id": coupon}, token=who.token)
    return str(body["data"]["coupon"]["redeemCode"]["code"])


async def _redeem(
    gql: Gql, token: str, code: str, store: str, key: str | None = None, lang: str | None = None
) -> dict[str, Any]:
    variables = {"input": {"code": code, "storeId": store, "idempotencyKey": key or str(ObjectId())}}
    body = await gql("admin", REDEEM, variables, token=token, lang=lang)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["redeemCoupon"]
    return payload


async def _given_a_coupon(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop, **template: Any
) -> tuple[Customer, str]:
    gid = await new_template(gql, owner_token, title="满100减20", **template)
    member = await make_member(mongo, shop, "guest")
    return member, await claimed_coupon(gql, member, gid)


async def test_cashier_redeems_a_coupon_shown_as_a_qr_code(
    gql: Gql, owner_token: str, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a member at the counter showing their coupon's code, and the cashier of the store
    member, coupon = await _given_a_coupon(gql, owner_token, mongo, shop)
    cashier = await make_staff(mongo, pii, shop, tenancy.Role.CASHIER, "13700000011", name="收银小王")
    code = await _code(gql, member, coupon)

    # when the cashier scans it
    payload = await _redeem(gql, cashier.token, code, store_gid(shop))

    # then the coupon is REDEEMED by that cashier at that store, and the member's QR code is gone
    assert payload["userErrors"] == [] and payload["replayed"] is False
    assert payload["coupon"]["status"] == "REDEEMED" and payload["coupon"]["ownerMemberId"] == member.gid
    assert payload["redemption"]["storeName"] == "甲店一号店" and payload["redemption"]["staffName"] == "收银小王"
    after = await gql("member", CODE, {"id": coupon}, token=member.token)
    assert after["data"]["coupon"]["status"] == "REDEEMED" and after["data"]["coupon"]["redeemCode"] is None


async def test_ten_concurrent_scans_redeem_once_and_tell_the_rest_when_where_and_by_whom(
    gql: Gql, owner_token: str, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given one code scanned by ten devices at once (a screenshot passed around)
    member, coupon = await _given_a_coupon(gql, owner_token, mongo, shop)
    cashier = await make_staff(mongo, pii, shop, tenancy.Role.CASHIER, "13700000012", name="收银小王")
    code = await _code(gql, member, coupon)

    # when all ten redeem it
    results = await asyncio.gather(*(_redeem(gql, cashier.token, code, store_gid(shop)) for _ in range(10)))

    # then one is REDEEMED and nine are ALREADY_REDEEMED, each saying when, where and by whom
    assert sum(1 for r in results if r["coupon"]) == 1
    refused = [r for r in results if not r["coupon"]]
    assert len(refused) == 9 and {r["userErrors"][0]["code"] for r in refused} == {"ALREADY_REDEEMED"}
    first = next(r for r in results if r["coupon"])["redemption"]
    when = datetime.fromisoformat(first["at"]).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    for r in refused:
        assert r["redemption"] == first
        assert r["userErrors"][0]["message"] == f"该券已核销：{when} 于甲店一号店，由收银小王核销"
    assert await mongo.db[c.COUPON_EVENTS].count_documents({"step": "REDEEMED"}) == 1


class _DiesAfter(monitoring.CommandListener):
    """Cancels `task` the moment the server has answered the first `command` on `collection`: the scan dies right
    after that write, as a phone losing the connection or a killed API process would leave it."""

    def __init__(self, command: str, collection: str) -> None:
        self.command, self.collection = command, collection
        self.task: asyncio.Task[Any] | None = None
        self._request_id: int | None = None

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self._request_id is None and event.command.get(self.command) == self.collection:
            self._request_id = event.request_id

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        if event.request_id == self._request_id and self.task is not None:
            self.task.cancel()

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def test_a_scan_that_dies_after_using_the_coupon_leaves_it_unused_and_the_retry_counts_it(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop, settings: Settings
) -> None:
    # given a member's code at the counter, and a scan that dies right after its write to the coupon
    member, coupon = await _given_a_coupon(gql, owner_token, mongo, shop)
    code = await _code(gql, member, coupon)
    dies = _DiesAfter("findAndModify", c.COUPONS)
    dying = open_mongo(settings.mongodb_uri.get_secret_value(), mongo.db.name, event_listeners=[dies])

    async def scan(on: Mongo) -> redemption.Redeemed:
        return await redemption.redeem_coupon(
            mongo=on,
            signer=redemption.signer_for(Keyring(SECRET_KEY)),
            actor=shop.merchant.owner,
            code=code,
            store_id=shop.merchant.store.id,
            idempotency_key="scan-1",
        )

    # when the scan runs and dies
    dies.task = asyncio.create_task(scan(dying))
    with pytest.raises(asyncio.CancelledError):
        await dies.task
    await dying.close()

    # then the coupon is still the member's to use, with nothing counted
    held = await mongo.db[c.COUPONS].find_one({"_id": oid("Coupon", coupon)})
    assert held is not None and held["status"] == "ACTIVE"
    assert await mongo.db[c.COUPON_EVENTS].count_documents({"step": "REDEEMED"}) == 0

    # and the cashier's retry with the same key uses it, counted once in the funnel
    again = await scan(mongo)
    assert again.replayed is False and again.held.coupon.redemption is not None
    assert await mongo.db[c.COUPON_EVENTS].count_documents({"step": "REDEEMED"}) == 1


async def test_already_redeemed_is_explained_in_english_when_asked(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a coupon the owner already redeemed
    member, coupon = await _given_a_coupon(gql, owner_token, mongo, shop)
    code = await _code(gql, member, coupon)
    await _redeem(gql, owner_token, code, store_gid(shop))

    # when it is scanned again by an English-speaking device
    again = await _redeem(gql, owner_token, code, store_gid(shop), lang="en")

    # then the message says the same in English
    message = again["userErrors"][0]["message"]
    assert message.startswith("This coupon was already redeemed. On ") and message.endswith(" at 甲店一号店 by 店主.")


async def test_a_retried_scan_returns_the_first_redemption(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a redemption whose answer the cashier's phone lost
    member, coupon = await _given_a_coupon(gql, owner_token, mongo, shop)
    code = await _code(gql, member, coupon)
    first = await _redeem(gql, owner_token, code, store_gid(shop), key="scan-1")

    # when the phone retries with the same key
    again = await _redeem(gql, owner_token, code, store_gid(shop), key="scan-1")

    # then it is the same redemption, marked as a replay, not an error
    assert again["userErrors"] == [] and again["replayed"] is True
    assert again["redemption"] == first["redemption"]


async def test_store_scope_of_the_staff_member_and_the_coupon_are_both_checked(
    gql: Gql, owner_token: str, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a coupon valid only at store one, a second store and its cashier
    member, coupon = await _given_a_coupon(gql, owner_token, mongo, shop, allStores=False, storeIds=[store_gid(shop)])
    second = await tenancy.create_store(mongo=mongo, actor=shop.merchant.owner, name="二号店", timezone="Asia/Shanghai")
    cashier = await make_staff(mongo, pii, shop, tenancy.Role.CASHIER, "13700000013", store_ids=[second.id])
    code = await _code(gql, member, coupon)
    second_gid = to_global_id("Store", second.id)

    # when the second store's cashier scans it for store one, and then for their own store
    variables = {"input": {"code": code, "storeId": store_gid(shop), "idempotencyKey": "k1"}}
    elsewhere = await gql("admin", REDEEM, variables, token=cashier.token)
    at_own_store = await _redeem(gql, cashier.token, code, second_gid)

    # then the first is an auth error and the second a business one
    assert elsewhere["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert at_own_store["userErrors"][0]["code"] == "COUPON_NOT_VALID_AT_STORE"


async def test_an_old_or_forged_code_is_refused(gql: Gql, owner_token: str, mongo: Mongo, shop: Shop) -> None:
    # given a code made five minutes ago (a screenshot), and one that was never made by us
    member, coupon = await _given_a_coupon(gql, owner_token, mongo, shop)
    signer = redemption.signer_for(Keyring(SECRET_KEY))
    held = await mongo.db[c.COUPONS].find_one({"_id": oid("Coupon", coupon)})
    assert held is not None
    window = int((datetime.now(UTC) - timedelta(minutes=5)).timestamp()) // redemption.WINDOW_S
    stale = signer.sign(shop.merchant.merchant.id, held["_id"], window)
    forged = redemption.signer_for(Keyring("another-secret")).sign(shop.merchant.merchant.id, held["_id"], window + 5)

    # when they are scanned
    results = [await _redeem(gql, owner_token, code, store_gid(shop)) for code in (stale, forged, "12345")]

    # then each is refused and the coupon is still usable
    assert [r["userErrors"][0]["code"] for r in results] == [
        "REDEEM_CODE_EXPIRED",
        "REDEEM_CODE_INVALID",
        "REDEEM_CODE_INVALID",
    ]
    assert (await _redeem(gql, owner_token, await _code(gql, member, coupon), store_gid(shop)))["userErrors"] == []


async def test_a_coupon_held_by_an_unpaid_order_cannot_be_redeemed_or_forwarded_until_the_lock_lapses(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a coupon locked for an unpaid order for 15 minutes, and its code shown before the lock
    member, coupon = await _given_a_coupon(gql, owner_token, mongo, shop)
    code = await _code(gql, member, coupon)
    merchant_id, coupon_id, order = shop.merchant.merchant.id, oid("Coupon", coupon), ObjectId()
    await redemption.lock_for_order(
        mongo=mongo,
        merchant_id=merchant_id,
        member_id=member.id,
        coupon_id=coupon_id,
        order_id=order,
        store_id=shop.merchant.store.id,
        ttl=timedelta(minutes=15),
    )

    # when staff scan it and the member forwards it while it is held
    scanned = await _redeem(gql, owner_token, code, store_gid(shop))
    forwarded = await gql("member", FORWARD, {"id": coupon}, token=member.token)
    shown = await gql("member", CODE, {"id": coupon}, token=member.token)

    # then both are refused as locked and there is no code to show
    assert scanned["userErrors"][0]["code"] == "COUPON_LOCKED"
    assert forwarded["data"]["forwardCoupon"]["userErrors"] == [{"code": "COUPON_LOCKED"}]
    assert shown["data"]["coupon"] == {"status": "ACTIVE", "lockedForOrder": True, "redeemCode": None}

    # and once the lock's time is up (the order was abandoned without a word), it is usable again
    await mongo.db[c.COUPONS].update_one({"_id": coupon_id}, {"$set": {"lock_until": datetime.now(UTC)}})
    assert (await _redeem(gql, owner_token, await _code(gql, member, coupon), store_gid(shop)))["userErrors"] == []


async def test_paying_the_order_consumes_its_locked_coupon_once(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a coupon locked for order A
    member, coupon = await _given_a_coupon(gql, owner_token, mongo, shop)
    merchant_id, coupon_id = shop.merchant.merchant.id, oid("Coupon", coupon)
    order_a, order_b = ObjectId(), ObjectId()

    async def lock(order: ObjectId) -> None:
        await redemption.lock_for_order(
            mongo=mongo,
            merchant_id=merchant_id,
            member_id=member.id,
            coupon_id=coupon_id,
            order_id=order,
            store_id=shop.merchant.store.id,
            ttl=timedelta(minutes=5),
        )

    await lock(order_a)

    # when order B tries to lock it, order B tries to consume it, then A is paid (and its webhook replays)
    with pytest.raises(CouponError) as locked:
        await lock(order_b)
    with pytest.raises(CouponError) as not_locked:
        await redemption.consume(mongo=mongo, merchant_id=merchant_id, coupon_id=coupon_id, order_id=order_b)
    paid = await redemption.consume(mongo=mongo, merchant_id=merchant_id, coupon_id=coupon_id, order_id=order_a)
    replayed = await redemption.consume(mongo=mongo, merchant_id=merchant_id, coupon_id=coupon_id, order_id=order_a)

    # then only A used it, once, at the lock's store
    assert (locked.value.code, not_locked.value.code) == ("COUPON_LOCKED", "COUPON_NOT_LOCKED")
    assert paid.coupon.redemption is not None and paid.coupon.redemption.order_id == order_a
    assert paid.coupon.redemption.store_id == shop.merchant.store.id
    assert replayed.coupon.redemption == paid.coupon.redemption
    assert await mongo.db[c.COUPON_EVENTS].count_documents({"step": "REDEEMED"}) == 1


async def test_releasing_an_abandoned_order_frees_the_coupon_at_once(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a coupon locked for an order
    member, coupon = await _given_a_coupon(gql, owner_token, mongo, shop)
    merchant_id, coupon_id, order = shop.merchant.merchant.id, oid("Coupon", coupon), ObjectId()
    await redemption.lock_for_order(
        mongo=mongo,
        merchant_id=merchant_id,
        member_id=member.id,
        coupon_id=coupon_id,
        order_id=order,
        store_id=shop.merchant.store.id,
        ttl=timedelta(minutes=15),
    )

    # when checkout releases it (twice: the cancel is retried)
    first = await redemption.release(mongo=mongo, merchant_id=merchant_id, coupon_id=coupon_id, order_id=order)
    second = await redemption.release(mongo=mongo, merchant_id=merchant_id, coupon_id=coupon_id, order_id=order)

    # then the first call released it and the coupon is usable again
    assert (first, second) == (True, False)
    shown = await gql("member", CODE, {"id": coupon}, token=member.token)
    assert shown["data"]["coupon"]["lockedForOrder"] is False and shown["data"]["coupon"]["redeemCode"]
