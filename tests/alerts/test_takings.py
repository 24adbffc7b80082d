"""The rules that read the report rollups: refunds today against a store's takings, takings against the same
weekday's usual, and the stored value the merchant owes, from real sales with the worker's handlers run.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from db.mongo import Mongo
from domain import tenancy
from domain.alerts.rules import AlertKind
from schema.ids import to_global_id
from startup.clients import Clients
from tests.alerts.conftest import alerts_of, evaluate, handle_balance_changes, handle_sales, owner, switch_on
from tests.checkout.conftest import counter_sale, give, refund, shopper
from tests.conftest import Gql, Shop


async def test_refunds_above_their_share_of_the_days_takings_fire_for_that_store_once_a_day(
    gql: Gql, mongo: Mongo, clients: Clients, shop: Shop
) -> None:
    # given refunds watched above 20% of a store's takings from 50 yuan
    await switch_on(mongo, shop, AlertKind.REFUNDS_HIGH, percent=20, amount_fen=5_000)
    token = owner(shop).token
    first = shop.merchant.store
    second = await tenancy.create_store(mongo=mongo, actor=shop.merchant.owner, name="二号店", timezone="Asia/Shanghai")
    third = await tenancy.create_store(mongo=mongo, actor=shop.merchant.owner, name="三号店", timezone="Asia/Shanghai")
    # and today: 1,234.56 yuan taken at the first store of which 370.37 refunded (30%), 100 yuan at the second of
    # which 20 (exactly 20%), and 40 yuan at the third all refunded (below the 50 yuan worth watching)
    for store, sale, back in ((first, 123_456, 37_037), (second, 10_000, 2_000), (third, 4_000, 4_000)):
        order = await counter_sale(mongo, shop, store.id, sale)
        await refund(gql, token, to_global_id("Order", order), back)
    await handle_sales(clients)

    # when the cron looks, twice
    fired = [await evaluate(mongo), await evaluate(mongo)]

    # then the first store alone, once, with its figures, linking to its day's report
    (alert,), _ = await alerts_of(gql, token)
    today = datetime.now(UTC).astimezone(ZoneInfo(first.timezone)).date().isoformat()
    assert fired == [1, 0]
    assert alert["message"] == "甲店一号店：退款 370.37 元，占当日营业额 1,234.56 元的 30%（阈值 20%）"
    assert alert["link"] == f"/reports?storeId={to_global_id('Store', first.id)}&from={today}&to={today}"
    assert alert["figures"] == [
        {"name": "refundsFen", "value": 37_037, "unit": "FEN"},
        {"name": "grossFen", "value": 123_456, "unit": "FEN"},
        {"name": "refundPercent", "value": 30, "unit": "PERCENT"},
        {"name": "thresholdPercent", "value": 20, "unit": "PERCENT"},
    ]
    (en,), _ = await alerts_of(gql, token, lang="en")
    assert en["message"] == "甲店一号店: refunds of ¥370.37 today are 30% of takings of ¥1,234.56 (threshold 20%)"


async def test_takings_below_their_share_of_the_same_weekdays_usual_fire_from_the_hour(
    gql: Gql, mongo: Mongo, clients: Clients, shop: Shop
) -> None:
    # given a store that took 400 yuan today less 40 refunded, and a second store that took nothing
    store = shop.merchant.store
    await tenancy.create_store(mongo=mongo, actor=shop.merchant.owner, name="二号店", timezone="Asia/Shanghai")
    order = await counter_sale(mongo, shop, store.id, 40_000)
    await refund(gql, owner(shop).token, to_global_id("Order", order), 4_000)
    await handle_sales(clients)
    # and takings watched below 50% of the same weekday's 4-week average from 15:00
    await switch_on(mongo, shop, AlertKind.TAKINGS_LOW, percent=50, hour=15)

    # when the cron looks a week on (today is one of the four weekdays before, the others took nothing), at 14:59
    # and at 15:00 and later that evening
    zone = ZoneInfo(store.timezone)
    week_on = datetime.now(UTC).astimezone(zone).date() + timedelta(weeks=1)
    fired = [
        await evaluate(mongo, datetime.combine(week_on, datetime.min.time(), zone).replace(hour=h, minute=m))
        for h, m in ((14, 59), (15, 0), (21, 0))
    ]

    # then the first store, once, from 15:00: nothing yet against a usual of 90 yuan a day
    (alert,), _ = await alerts_of(gql, owner(shop).token)
    assert fired == [0, 1, 0]
    assert alert["period"] == week_on.isoformat() and alert["store"] == {"name": "甲店一号店"}
    assert alert["message"] == "甲店一号店：截至 15:00 实收 0.00 元，为近 4 周同日均值 90.00 元的 0%（阈值 50%）"
    assert [f["value"] for f in alert["figures"]] == [0, 9_000, 0, 50]


async def test_stored_value_owed_above_the_limit_fires_once_a_day(
    gql: Gql, mongo: Mongo, clients: Clients, shop: Shop
) -> None:
    # given members holding 50 yuan paid and 10 yuan bonus between them (their ledger events handled), and
    # exactly that limit watched
    await give(mongo, shop, await shopper(mongo, shop, "甲"), stored=(3_000, 1_000))
    await give(mongo, shop, await shopper(mongo, shop, "乙"), stored=(2_000, 0))
    await handle_balance_changes(clients)
    await switch_on(mongo, shop, AlertKind.STORED_VALUE_OWED, amount_fen=6_000)
    at_limit = await evaluate(mongo)

    # when the limit is lowered by a fen, and the cron looks twice
    await switch_on(mongo, shop, AlertKind.STORED_VALUE_OWED, amount_fen=5_999)
    fired = [await evaluate(mongo), await evaluate(mongo)]

    # then nothing at the limit, and once above it, merchant-wide
    (alert,), _ = await alerts_of(gql, owner(shop).token, lang="en")
    assert (at_limit, fired) == (0, [1, 0])
    assert alert["store"] is None
    assert alert["message"] == "Stored value owed is ¥60.00, above the limit of ¥59.99"
    assert alert["figures"] == [
        {"name": "owedFen", "value": 6_000, "unit": "FEN"},
        {"name": "limitFen", "value": 5_999, "unit": "FEN"},
    ]
