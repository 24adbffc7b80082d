"""The reconciliation export (对账): an owner's or manager's signed link to a CSV of the orders paid, their payments
and the refunds of a range of store-local days, exactly as an accountant opens it in Excel, refused to anyone
else, for no longer than ten minutes, and never showing another store's or merchant's money.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain import reconciliation, tenancy
from domain.keyring import Keyring
from domain.orders.model import PayMethod
from domain.pii import PiiCipher
from domain.sessions import Audience, Principal
from schema.ids import to_global_id
from tests.checkout.conftest import give, shopper
from tests.conftest import SECRET_KEY, Gql, Shop, open_shop
from tests.coupons.conftest import SIGNER, make_staff, store_gid
from tests.reconciliation.conftest import counter_sale_at, local, provider_refund_at, provider_sale_at
from tests.tenancy.conftest import forbidden

EXPORT = """
mutation($store: ID, $from: Date!, $to: Date!) {
  exportReconciliation(storeId: $store, from: $from, to: $to) { url expiresAt userErrors { field code } }
}
"""

WECHAT_TX = "4200002024051000000000000001"
ALIPAY_TX = "2024051022001400000000000001"
WECHAT_REFUND = "50300002024051000000000000001"


def _token(staff: tenancy.Staff) -> str:
    return SIGNER.sign(Principal(Audience.ADMIN, staff.id, staff.merchant_id), datetime.now(UTC))[0]


async def _export(gql: Gql, token: str, store: str | None, first: str, last: str) -> dict[str, Any]:
    body = await gql("admin", EXPORT, {"store": store, "from": first, "to": last}, token=token)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["exportReconciliation"]
    return payload


async def _out_trade_no(mongo: Mongo, order_id: ObjectId) -> str:
    payment = await mongo.db[c.PAYMENTS].find_one({"order_id": order_id})
    assert payment is not None
    return str(payment["out_trade_no"])


async def _download(client: httpx.AsyncClient, gql: Gql, token: str, store: str | None, day: str) -> httpx.Response:
    payload = await _export(gql, token, store, day, day)
    assert payload["userErrors"] == [], payload
    return await client.get(payload["url"])


async def test_a_days_export_lists_its_orders_payments_and_refunds_as_excel_reads_them(
    client: httpx.AsyncClient, gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given at 甲店一号店 (Shanghai time) on 10 May: a WeChat Pay code paid at 00:01 and 20 yuan of it refunded
    # from WeChat Pay's dashboard at 15:00, an Alipay code paid at 11:00, a member's stored-value order at 13:00,
    # and at 23:59 a cash sale whose note a prankster wrote as a formula
    owner, store = shop.merchant.owner, shop.merchant.store.id
    wechat, wechat_no = await provider_sale_at(
        mongo, owner, store, 8_800, local("2024-05-10 00:01"), PayMethod.WECHAT_PAY, WECHAT_TX
    )
    await provider_refund_at(
        mongo, PayMethod.WECHAT_PAY, wechat_no, 2_000, "R20240510001", WECHAT_REFUND, local("2024-05-10 15:00")
    )
    alipay, alipay_no = await provider_sale_at(
        mongo, owner, store, 6_600, local("2024-05-10 11:00"), PayMethod.ALIPAY, ALIPAY_TX
    )
    member = await shopper(mongo, shop)
    await give(mongo, shop, member, stored=(10_000, 0))
    card = await counter_sale_at(
        mongo, owner, store, 5_000, local("2024-05-10 13:00"), PayMethod.STORED_VALUE, member.id
    )
    cash = await counter_sale_at(mongo, owner, store, 3_000, local("2024-05-10 23:59"), note="=1+2")
    # and cash sales a minute either side of the day, one at the merchant's other store, one at another merchant
    await counter_sale_at(mongo, owner, store, 1_000, local("2024-05-09 23:59"))
    await counter_sale_at(mongo, owner, store, 1_200, local("2024-05-11 00:01"))
    second = await tenancy.create_store(mongo=mongo, actor=owner, name="二号店", timezone="Asia/Shanghai")
    await counter_sale_at(mongo, owner, second.id, 4_400, local("2024-05-10 12:00"))
    rival = (await open_shop(mongo, pii, "13900000002", name="乙店")).merchant
    await counter_sale_at(mongo, rival.owner, rival.store.id, 7_700, local("2024-05-10 12:00"))

    # when the owner exports 甲店一号店's 10 May and downloads the file
    response = await _download(client, gql, _token(owner), store_gid(shop), "2024-05-10")

    # then it is a UTF-8 CSV with a byte order mark and CRLF lines, named for the store and the days
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="reconciliation-2024-05-10-2024-05-10.csv"; '
        "filename*=UTF-8''%E5%AF%B9%E8%B4%A6-%E7%94%B2%E5%BA%97%E4%B8%80%E5%8F%B7%E5%BA%97-2024-05-10-2024-05-10.csv"
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    # and each order paid that day with the payment that paid it, then the refund: yuan with two decimals, store
    # time, the providers' numbers kept as text, the formula made inert
    s = "甲店一号店"
    assert response.content.decode("utf-8-sig").split("\r\n") == [
        "类型,时间,门店,订单号,订单类型,支付方式,金额(元),原价(元),优惠(元),积分抵扣(元),定金抵扣(元),商户单号,渠道交易号,渠道退款号,操作员,备注",
        f"订单,2024-05-10 00:01:00,{s},\t{wechat},消费,微信支付,88.00,88.00,0.00,0.00,0.00,,,,店主,",
        f"收款,2024-05-10 00:01:00,{s},\t{wechat},消费,微信支付,88.00,,,,,\t{wechat_no},\t{WECHAT_TX},,店主,",
        f"订单,2024-05-10 11:00:00,{s},\t{alipay},消费,支付宝,66.00,66.00,0.00,0.00,0.00,,,,店主,",
        f"收款,2024-05-10 11:00:00,{s},\t{alipay},消费,支付宝,66.00,,,,,\t{alipay_no},\t{ALIPAY_TX},,店主,",
        f"订单,2024-05-10 13:00:00,{s},\t{card},消费,储值,50.00,50.00,0.00,0.00,0.00,,,,店主,",
        f"收款,2024-05-10 13:00:00,{s},\t{card},消费,储值,50.00,,,,,\t{await _out_trade_no(mongo, card)},,,店主,",
        f"订单,2024-05-10 23:59:00,{s},\t{cash},消费,现金,30.00,30.00,0.00,0.00,0.00,,,,店主,'=1+2",
        f"收款,2024-05-10 23:59:00,{s},\t{cash},消费,现金,30.00,,,,,\t{await _out_trade_no(mongo, cash)},,,店主,",
        f"退款,2024-05-10 15:00:00,{s},\t{wechat},消费,微信支付,-20.00,,,,,"
        f"\tR20240510001,\t{WECHAT_TX},\t{WECHAT_REFUND},,商户平台退款",
        "",
    ]


def _with(url: str, **changes: str) -> str:
    """The link with some of its parameters changed."""
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query)) | changes
    return parts._replace(query=urlencode(params)).geturl()


async def test_a_link_changed_forged_or_expired_is_refused_with_the_reason(
    client: httpx.AsyncClient, gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given an owner's link to their store's day, and another merchant's store
    owner = shop.merchant.owner
    url = (await _export(gql, _token(owner), store_gid(shop), "2024-05-10", "2024-05-10"))["url"]
    rival = (await open_shop(mongo, pii, "13900000002", name="乙店")).merchant
    signer = reconciliation.signer_for(Keyring(SECRET_KEY))
    stale = reconciliation.Grant(
        owner.merchant_id,
        owner.id,
        (shop.merchant.store.id,),
        date(2024, 5, 10),
        date(2024, 5, 10),
        datetime.now(UTC) - timedelta(seconds=1),
    )

    # when it is fetched pointed at the rival's store, for a longer range, with a signature of our own making,
    # without one, and a genuine link signed a moment too long ago is fetched
    tampered = [
        _with(url, stores=str(rival.store.id)),
        _with(url, to="2024-12-31"),
        _with(url, sig="A" * 43),
        _with(url, sig=""),
    ]
    refused = [await client.get(u) for u in tampered]
    expired = await client.get(_with(url, **signer.sign(stale)), headers={"accept-language": "en"})

    # then the changed ones are forbidden and the old one gone, each saying so; nothing of the file is sent
    assert [(r.status_code, r.json()["code"]) for r in refused] == [(403, "LINK_INVALID")] * 4
    assert (expired.status_code, expired.json()) == (
        410,
        {"code": "LINK_EXPIRED", "message": "This download link has expired (links last 10 minutes); export again."},
    )
    # and the genuine link still works
    assert (await client.get(url)).status_code == 200


async def test_only_owners_and_managers_export_and_only_the_stores_they_see(
    client: httpx.AsyncClient, gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a sale at each of the merchant's two stores, a manager and a cashier of the second store only, and
    # another merchant's store
    owner = shop.merchant.owner
    second = await tenancy.create_store(mongo=mongo, actor=owner, name="二号店", timezone="Asia/Shanghai")
    await counter_sale_at(mongo, owner, shop.merchant.store.id, 1_000, local("2024-05-10 12:00"))
    theirs = await counter_sale_at(mongo, owner, second.id, 2_000, local("2024-05-10 12:00"))
    roles = (tenancy.Role.MANAGER, tenancy.Role.CASHIER)
    manager, cashier = [
        (await make_staff(mongo, pii, shop, role, phone, store_ids=[second.id])).token
        for role, phone in zip(roles, ("13700000041", "13700000042"), strict=True)
    ]
    rival = (await open_shop(mongo, pii, "13900000002", name="乙店")).merchant

    # when the cashier asks, the manager asks for the first store, the owner for the rival's store and for a range
    # over a year, and the manager for every store they see
    day = "2024-05-10"
    by_cashier = await gql("admin", EXPORT, {"store": None, "from": day, "to": day}, token=cashier)
    refusals = [
        await _export(gql, manager, store_gid(shop), day, day),
        await _export(gql, _token(owner), to_global_id("Store", rival.store.id), day, day),
        await _export(gql, _token(owner), None, "2024-01-01", "2025-01-01"),
        await _export(gql, _token(owner), None, "2024-05-11", "2024-05-10"),
    ]
    response = await _download(client, gql, manager, None, day)

    # then each refusal says why, with no link
    assert forbidden(by_cashier)
    assert [(p["url"], p["userErrors"]) for p in refusals] == [
        (None, [{"field": "storeId", "code": "STORE_NOT_FOUND"}]),
        (None, [{"field": "storeId", "code": "STORE_NOT_FOUND"}]),
        (None, [{"field": "to", "code": "RANGE_INVALID"}]),
        (None, [{"field": "to", "code": "RANGE_INVALID"}]),
    ]
    # and the manager's file holds their store's sale alone
    lines = response.content.decode("utf-8-sig").split("\r\n")
    assert [line.split(",")[:4] for line in lines[1:-1]] == [
        ["订单", "2024-05-10 12:00:00", "二号店", f"\t{theirs}"],
        ["收款", "2024-05-10 12:00:00", "二号店", f"\t{theirs}"],
    ]
    assert "filename*=UTF-8''%E5%AF%B9%E8%B4%A6-%E4%BA%8C%E5%8F%B7%E5%BA%97-" in response.headers["content-disposition"]


async def test_a_link_dies_with_its_signers_access(
    client: httpx.AsyncClient, gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a manager's link
    manager = await make_staff(mongo, pii, shop, tenancy.Role.MANAGER, "13700000043")
    url = (await _export(gql, manager.token, None, "2024-05-10", "2024-05-10"))["url"]

    # when the owner deactivates the manager, and the link is fetched
    await mongo.db[c.STAFF].update_one({"_id": manager.staff.id}, {"$set": {"active": False}})
    response = await client.get(url)

    # then it is forbidden, saying why
    assert (response.status_code, response.json()) == (
        403,
        {"code": "FORBIDDEN", "message": "签发此链接的员工已无权导出对账单"},
    )


async def test_small_batches_give_the_same_file_even_when_sales_share_an_instant(mongo: Mongo, shop: Shop) -> None:
    # given five cash sales, three of them paid at the very same instant
    owner, store = shop.merchant.owner, shop.merchant.store.id
    noon = local("2024-05-10 12:00")
    for minutes in (0, 0, 0, 1, 2):
        await counter_sale_at(mongo, owner, store, 1_000 + minutes, noon + timedelta(minutes=minutes))
    signer = reconciliation.signer_for(Keyring(SECRET_KEY))
    grant = reconciliation.Grant(
        owner.merchant_id, owner.id, (store,), noon.date(), noon.date(), datetime.now(UTC) + timedelta(minutes=1)
    )
    export = await reconciliation.open_export(
        mongo=mongo, signer=signer, params=signer.sign(grant), now=datetime.now(UTC)
    )

    # when it is read 500, 2 and 1 orders at a time
    async def rows(batch: int) -> list[tuple[str, ...]]:
        return [
            row async for rows in reconciliation.export_rows(mongo=mongo, export=export, batch=batch) for row in rows
        ]

    whole, pairs, ones = await rows(500), await rows(2), await rows(1)

    # then every order and its payment is there once, in paid order, whatever the batch (sales that share an
    # instant may come in any order among themselves)
    assert len(set(whole)) == len(whole) == 1 + 5 * 2
    assert sorted(pairs) == sorted(ones) == sorted(whole)
    times = [row[1] for row in ones[1:]]
    assert times == sorted(times)
