"""Paying a held payout: its bills sent to WeChat Pay (the sandbox) within the account's limits, confirmed by the
member in the mini-program, and settled by the notification to our webhook or by querying the bill, the same
either way. Failed, cancelled or expired bills give the commissions back; an unknown outcome is queried before
anything is sent again; a payout paid in part carries the rest into the next one.
"""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.commissions.reversal import on_order_refunded
from domain.payouts.channel import PayoutChannel
from domain.payouts.model import next_provider_day
from payments.sandbox.transfers import Outcome, TransferSandbox
from payments.sandbox.wechatpay import signed_headers
from payments.wechatpay.transfers import WeChatTransferClient
from schema.ids import to_global_id
from tests.checkout.conftest import wire_headers
from tests.commissions.conftest import refunded
from tests.conftest import Gql, Shop
from tests.payouts.conftest import (
    assert_ledger_adds_up,
    balance,
    bills_of,
    earn,
    later,
    payouts_of,
    run_now,
    send,
    shareholder_program,
    shareholders,
    statuses,
    with_limits,
)

RECEIVE = """
mutation($id: ID!) {
  receivePayout(input: {payoutId: $id}) {
    payout { id status amountFen waitingTransfers }
    transfers { mchId appId package }
    userErrors { field code }
  }
}
"""


def gid(payout: Doc) -> str:
    return to_global_id("Payout", payout["_id"])


def with_client(channel: PayoutChannel, client: WeChatTransferClient) -> PayoutChannel:
    return replace(channel, transfers=client)


async def only_payout(mongo: Mongo, member_id: ObjectId) -> Doc:
    [payout] = await payouts_of(mongo, member_id)
    return payout


async def test_a_confirmed_transfer_pays_the_member_and_announces_it(
    mongo: Mongo, shop: Shop, channel: PayoutChannel, transfers: TransferSandbox, gql: Gql
) -> None:
    # given a member's payout of 30 yuan, held and sent
    [a] = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 1)
    await earn(mongo, shop, a.id, 1_000, 2_000)
    await run_now(mongo, shop, channel)
    await send(mongo, channel)
    payout = await only_payout(mongo, a.id)
    [bill] = await bills_of(mongo, payout["_id"])

    # when the member asks to receive it in the mini-program
    body = await gql("member", RECEIVE, {"id": gid(payout)}, token=a.token)
    received = body["data"]["receivePayout"]

    # then they get what wx.requestMerchantTransfer takes for the one bill waiting for them
    assert received["userErrors"] == []
    assert received["payout"]["waitingTransfers"] == 1
    assert received["transfers"] == [
        {
            "mchId": channel.transfers.config.mchid,
            "appId": channel.transfers.config.appid,
            "package": bill["package_info"],
        }
    ]

    # and when they confirm it, WeChat Pay notifies our webhook
    delivery = await transfers.confirm(bill["out_bill_no"], Outcome.SUCCESS)

    # then the webhook took it, the payout is PAID, and the member will be told (PAYOUT_SENT)
    assert delivery is not None and delivery.status == 204
    payout = await only_payout(mongo, a.id)
    assert (payout["status"], payout["paid_fen"], "open_key" in payout) == ("PAID", 3_000, False)
    assert set(await statuses(mongo, a.id)) == {"PAID"}
    sent = await mongo.db[c.OUTBOX].find({"kind": "PAYOUT_SENT"}).to_list()
    assert [(e["payload"]["payout_id"], e["payload"]["paid_fen"]) for e in sent] == [(payout["_id"], 3_000)]
    await assert_ledger_adds_up(mongo, a.id)
    # and WeChat Pay's retry of the same notification changes nothing
    assert (await transfers.redeliver(bill["out_bill_no"])).status == 204
    assert await mongo.db[c.OUTBOX].count_documents({"kind": "PAYOUT_SENT"}) == 1


@pytest.mark.parametrize(
    ("outcome", "reason"),
    [
        (Outcome.FAIL, "PAYEE_ACCOUNT_ABNORMAL"),
        (Outcome.CANCELLED, "MERCHANT_REVOCATION"),
        (Outcome.EXPIRE, "OVERDUE_CLOSE"),
    ],
)
async def test_a_failed_cancelled_or_expired_transfer_gives_the_commissions_back(
    mongo: Mongo, shop: Shop, channel: PayoutChannel, transfers: TransferSandbox, outcome: Outcome, reason: str
) -> None:
    # given a member's payout waiting for them
    [a] = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 1)
    await earn(mongo, shop, a.id, 1_000, 500)
    await run_now(mongo, shop, channel, "first")
    await send(mongo, channel)
    [bill] = await bills_of(mongo, (await only_payout(mongo, a.id))["_id"])

    # when the transfer fails, is cancelled, or is never confirmed
    await transfers.confirm(bill["out_bill_no"], outcome)

    # then the payout FAILED with WeChat Pay's reason, and the commissions are AVAILABLE again, all of them
    payout = await only_payout(mongo, a.id)
    assert (payout["status"], payout["failure_reason"], payout["paid_fen"]) == ("FAILED", reason, 0)
    assert await statuses(mongo, a.id) == ["AVAILABLE", "AVAILABLE"]
    account = await balance(mongo, a.id)
    assert (account["available_fen"], account["paid_fen"]) == (1_500, 0)
    await assert_ledger_adds_up(mongo, a.id)
    assert await mongo.db[c.OUTBOX].count_documents({"kind": "PAYOUT_SENT"}) == 0
    # and the next run pays them again
    await run_now(mongo, shop, channel, "second")
    assert [p["amount_fen"] for p in await payouts_of(mongo, a.id)] == [1_500, 1_500]


async def test_the_notification_and_a_query_settle_a_payout_identically(
    mongo: Mongo, shop: Shop, channel: PayoutChannel, transfers: TransferSandbox
) -> None:
    # given two members with the same payout waiting for them
    a, b = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 2)
    for person in (a, b):
        await earn(mongo, shop, person.id, 800)
    await run_now(mongo, shop, channel)
    await send(mongo, channel)
    [bill_a], [bill_b] = [await bills_of(mongo, (await only_payout(mongo, p.id))["_id"]) for p in (a, b)]

    # when both confirm, but only a's notification arrives, and b's bill is queried by the worker later
    await transfers.confirm(bill_a["out_bill_no"], Outcome.SUCCESS)
    await transfers.confirm(bill_b["out_bill_no"], Outcome.SUCCESS, notify=False)
    assert (await only_payout(mongo, b.id))["status"] == "PROCESSING"
    await send(mongo, channel, later(31))

    # then both payouts, their bills and commissions ended the same way
    def shape(doc: Doc) -> Doc:
        return {
            k: v
            for k, v in doc.items()
            if not k.endswith(("_id", "_at", "_no", "_key", "_keys")) and k not in ("_id", "openid", "package_info")
        }

    pa, pb = await only_payout(mongo, a.id), await only_payout(mongo, b.id)
    assert shape(pa) == shape(pb) and pa["status"] == "PAID"
    assert shape((await bills_of(mongo, pa["_id"]))[0]) == shape((await bills_of(mongo, pb["_id"]))[0])
    assert await statuses(mongo, a.id) == await statuses(mongo, b.id)
    assert await balance(mongo, a.id) == await balance(mongo, b.id)


async def test_the_notification_and_a_query_at_once_settle_once(
    mongo: Mongo, shop: Shop, channel: PayoutChannel, transfers: TransferSandbox
) -> None:
    # given a payout the member confirmed, whose notification has not been delivered yet
    [a] = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 1)
    await earn(mongo, shop, a.id, 900)
    await run_now(mongo, shop, channel)
    await send(mongo, channel)
    [bill] = await bills_of(mongo, (await only_payout(mongo, a.id))["_id"])
    await transfers.confirm(bill["out_bill_no"], Outcome.SUCCESS, notify=False)

    # when the notification arrives (three times) while the worker queries the bill (twice)
    await asyncio.gather(
        *(transfers.redeliver(bill["out_bill_no"]) for _ in range(3)),
        *(send(mongo, channel, later(31)) for _ in range(2)),
    )

    # then the payout was settled once
    assert (await only_payout(mongo, a.id))["status"] == "PAID"
    assert await mongo.db[c.OUTBOX].count_documents({"kind": "PAYOUT_SENT"}) == 1
    await assert_ledger_adds_up(mongo, a.id)


async def test_a_lost_answer_is_settled_by_a_query_never_by_sending_again(
    mongo: Mongo, shop: Shop, channel: PayoutChannel, transfers: TransferSandbox
) -> None:
    # given a payout, and WeChat Pay answering its create later than we wait (the bill is made all the same)
    [a] = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 1)
    await earn(mongo, shop, a.id, 1_000)
    await run_now(mongo, shop, channel)
    transfers.time_out_next_create(answer_after_s=1.0)
    async with httpx.AsyncClient(timeout=0.3) as http:
        impatient = with_client(channel, WeChatTransferClient(channel.transfers.config, http=http))

        # when the worker sends it, and again after `unknown_after`
        await send(mongo, impatient)
        [bill] = await bills_of(mongo, (await only_payout(mongo, a.id))["_id"])
        unknown = bill["status"]
        await send(mongo, impatient, later(3))

    # then the outcome was unknown at first, and the second round asked instead of sending again
    [bill] = await bills_of(mongo, bill["payout_id"])
    assert unknown == "REQUESTED"
    assert (bill["status"], bill["attempts"]) == ("WAIT_USER_CONFIRM", 1)
    assert transfers.create_calls[bill["out_bill_no"]] == 1
    assert transfers.query_calls[bill["out_bill_no"]] == 1
    assert len(transfers.bills_of(bill["openid"])) == 1


async def test_a_request_that_never_arrived_is_sent_again_only_after_a_query(
    mongo: Mongo, shop: Shop, channel: PayoutChannel, transfers: TransferSandbox
) -> None:
    # given a payout whose first create never reached WeChat Pay (nothing listens there)
    [a] = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 1)
    await earn(mongo, shop, a.id, 1_000)
    await run_now(mongo, shop, channel)
    nowhere = replace(channel.transfers.config, base_url="http://127.0.0.1:9")
    async with httpx.AsyncClient(timeout=1) as http:
        await send(mongo, with_client(channel, WeChatTransferClient(nowhere, http=http)))

    # when the worker comes back to it
    await send(mongo, channel, later(3))

    # then WeChat Pay was asked first, found nothing, and got the same bill number once
    [bill] = await bills_of(mongo, (await only_payout(mongo, a.id))["_id"])
    assert (bill["status"], bill["attempts"]) == ("WAIT_USER_CONFIRM", 2)
    assert transfers.query_calls[bill["out_bill_no"]] == 1
    assert transfers.create_calls[bill["out_bill_no"]] == 1


async def test_bills_over_todays_quota_wait_for_tomorrow_and_never_fail(
    mongo: Mongo, shop: Shop, channel: PayoutChannel, transfers: TransferSandbox
) -> None:
    # given an account allowing 200 yuan per transfer and 300 yuan per payee per day, and 450 yuan due
    transfers.limits.single_fen, transfers.limits.per_payee_daily_fen = 20_000, 30_000
    limited = with_limits(channel, single_fen=20_000, per_payee_daily_fen=30_000)
    [a] = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 1)
    await earn(mongo, shop, a.id, 45_000)
    await run_now(mongo, shop, limited)
    payout = await only_payout(mongo, a.id)

    # when the worker sends today
    now = datetime.now(UTC)
    await send(mongo, limited, now)

    # then two bills of 150 yuan went out, the third waits for tomorrow, and nothing failed
    bills = await bills_of(mongo, payout["_id"])
    assert [b["status"] for b in bills] == ["WAIT_USER_CONFIRM", "WAIT_USER_CONFIRM", "PLANNED"]
    assert bills[2]["due_at"] == next_provider_day(now)
    assert (await only_payout(mongo, a.id))["status"] == "PROCESSING"

    # and when tomorrow comes
    transfers.next_day()
    await send(mongo, limited, next_provider_day(now) + timedelta(minutes=1))

    # then the third goes out, within tomorrow's quota
    assert [b["status"] for b in await bills_of(mongo, payout["_id"])] == ["WAIT_USER_CONFIRM"] * 3
    assert len(transfers.bills_of(bills[0]["openid"])) == 3


async def test_a_provider_quota_stricter_than_ours_defers_the_bill_never_fails_it(
    mongo: Mongo, shop: Shop, channel: PayoutChannel, transfers: TransferSandbox
) -> None:
    # given our settings saying 1000 yuan per payee per day while the account was lowered to 300 yuan
    transfers.limits.single_fen, transfers.limits.per_payee_daily_fen = 20_000, 30_000
    [a] = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 1)
    await earn(mongo, shop, a.id, 45_000)
    await run_now(mongo, shop, with_limits(channel, single_fen=20_000))

    # when the worker sends
    now = datetime.now(UTC)
    await send(mongo, channel, now)

    # then WeChat Pay refused the third (QUOTA_EXCEED), and it simply waits for tomorrow
    bills = await bills_of(mongo, (await only_payout(mongo, a.id))["_id"])
    assert [(b["status"], b.get("last_error")) for b in bills][2] == ("PLANNED", "QUOTA_EXCEED")
    assert bills[2]["due_at"] == next_provider_day(now)
    assert (await only_payout(mongo, a.id))["status"] == "PROCESSING"


async def test_two_workers_sending_at_once_send_each_bill_once(
    mongo: Mongo, shop: Shop, channel: PayoutChannel, transfers: TransferSandbox
) -> None:
    # given six members' payouts held, and a slow WeChat Pay
    people = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 6)
    for person in people:
        await earn(mongo, shop, person.id, 1_000)
    await run_now(mongo, shop, channel)
    transfers.create_delay_s = 0.05

    # when two workers send at the same moment
    await asyncio.gather(send(mongo, channel), send(mongo, channel))

    # then every bill was created exactly once, and each member has one
    bills = await mongo.db[c.PAYOUT_TRANSFERS].find().to_list()
    assert len(bills) == 6 and {b["status"] for b in bills} == {"WAIT_USER_CONFIRM"}
    assert [transfers.create_calls[b["out_bill_no"]] for b in bills] == [1] * 6
    assert [len(transfers.bills_of(b["openid"])) for b in bills] == [1] * 6


async def test_a_payout_paid_in_part_carries_the_rest_into_the_next(
    mongo: Mongo, shop: Shop, channel: PayoutChannel, transfers: TransferSandbox
) -> None:
    # given a payout of 300 yuan in two bills
    limited = with_limits(channel, single_fen=20_000)
    [a] = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 1)
    await earn(mongo, shop, a.id, 30_000)
    await run_now(mongo, shop, limited, "first")
    await send(mongo, limited)
    first = await only_payout(mongo, a.id)
    one, two = await bills_of(mongo, first["_id"])

    # when the member confirms the first and lets the second expire
    await transfers.confirm(one["out_bill_no"], Outcome.SUCCESS)
    await transfers.confirm(two["out_bill_no"], Outcome.EXPIRE)

    # then 150 yuan was paid, the other 150 are available again, and the member was told of what was paid
    first = await only_payout(mongo, a.id)
    assert (first["status"], first["paid_fen"], first["unpaid_fen"]) == ("PARTIALLY_PAID", 15_000, 15_000)
    assert (await balance(mongo, a.id))["available_fen"] == 15_000
    await assert_ledger_adds_up(mongo, a.id)

    # and when they earn 5 yuan more and the next run comes, the rest rides along
    await earn(mongo, shop, a.id, 500)
    await run_now(mongo, shop, limited, "second")
    second = (await payouts_of(mongo, a.id))[1]
    assert (second["amount_fen"], second["gross_fen"], second["carried_fen"]) == (15_500, 500, 15_000)
    await assert_ledger_adds_up(mongo, a.id)


async def test_a_refund_while_held_then_a_failed_transfer_leaves_the_commission_as_refunded(
    mongo: Mongo, shop: Shop, channel: PayoutChannel, transfers: TransferSandbox
) -> None:
    # given a payout of two commissions (10 and 6 yuan) waiting for the member
    [a] = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 1)
    whole, half = await earn(mongo, shop, a.id, 1_000, 600)
    await run_now(mongo, shop, channel, "first")
    await send(mongo, channel)
    [bill] = await bills_of(mongo, (await only_payout(mongo, a.id))["_id"])

    # when one order is refunded in full and the other in half while it waits, and then the transfer expires
    await on_order_refunded(mongo=mongo, event=refunded(whole, whole.consumption_paid_fen))
    await on_order_refunded(mongo=mongo, event=refunded(half, half.consumption_paid_fen // 2))
    assert (await balance(mongo, a.id))["owed_fen"] == 1_300
    await transfers.confirm(bill["out_bill_no"], Outcome.EXPIRE)

    # then the refunded commission is CANCELLED, the other AVAILABLE at what it is worth now, nothing owed
    assert await statuses(mongo, a.id) == ["CANCELLED", "AVAILABLE"]
    account = await balance(mongo, a.id)
    assert (account["available_fen"], account["owed_fen"], account["paid_fen"]) == (300, 0, 0)
    await assert_ledger_adds_up(mongo, a.id)


async def test_a_refund_after_a_paid_payout_is_netted_by_the_next(
    mongo: Mongo, shop: Shop, channel: PayoutChannel, transfers: TransferSandbox
) -> None:
    # given a payout of 20 yuan paid, then the order behind half of it refunded in full
    [a] = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 1)
    first_order, _ = await earn(mongo, shop, a.id, 1_000, 1_000)
    await run_now(mongo, shop, channel, "first")
    await send(mongo, channel)
    [bill] = await bills_of(mongo, (await only_payout(mongo, a.id))["_id"])
    await transfers.confirm(bill["out_bill_no"], Outcome.SUCCESS)
    await on_order_refunded(mongo=mongo, event=refunded(first_order, first_order.consumption_paid_fen))

    # when the member earns 25 yuan more and the next run comes
    await earn(mongo, shop, a.id, 2_500)
    await run_now(mongo, shop, channel, "second")

    # then the clawback is netted: 15 yuan go out, and nothing is owed any more
    second = (await payouts_of(mongo, a.id))[1]
    assert (second["amount_fen"], second["gross_fen"], second["netted_fen"]) == (1_500, 2_500, 1_000)
    assert (await balance(mongo, a.id))["owed_fen"] == 0
    await assert_ledger_adds_up(mongo, a.id)


async def test_one_failed_bill_stops_the_bills_not_yet_sent(
    mongo: Mongo, shop: Shop, channel: PayoutChannel, transfers: TransferSandbox
) -> None:
    # given a payout of three bills of which today's quota allows one
    transfers.limits.single_fen, transfers.limits.per_payee_daily_fen = 20_000, 20_000
    limited = with_limits(channel, single_fen=20_000, per_payee_daily_fen=20_000)
    [a] = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 1)
    await earn(mongo, shop, a.id, 60_000)
    await run_now(mongo, shop, limited)
    await send(mongo, limited)
    payout = await only_payout(mongo, a.id)
    first, *_ = await bills_of(mongo, payout["_id"])

    # when the first one fails
    await transfers.confirm(first["out_bill_no"], Outcome.FAIL)

    # then the others are never sent, and the payout failed as a whole: all 600 yuan are available again
    assert [b["status"] for b in await bills_of(mongo, payout["_id"])] == ["FAIL", "ABANDONED", "ABANDONED"]
    assert (await only_payout(mongo, a.id))["status"] == "FAILED"
    assert (await balance(mongo, a.id))["available_fen"] == 60_000
    transfers.next_day()
    await send(mongo, limited, later(24 * 60))
    assert len(transfers.bills_of(first["openid"])) == 1


async def test_a_transfer_notification_with_a_non_numeric_timestamp_or_nested_50000_deep_changes_nothing(
    mongo: Mongo, shop: Shop, channel: PayoutChannel, transfers: TransferSandbox, client: httpx.AsyncClient
) -> None:
    # given a member's payout whose bill the member has just confirmed, not yet notified
    [a] = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 1)
    await earn(mongo, shop, a.id, 1_000)
    await run_now(mongo, shop, channel)
    await send(mongo, channel)
    [bill] = await bills_of(mongo, (await only_payout(mongo, a.id))["_id"])
    await transfers.confirm(bill["out_bill_no"], Outcome.SUCCESS, notify=False)
    genuine = transfers.notification(transfers.bills[bill["out_bill_no"]], datetime.now(UTC))
    deep = ("[" * 50_000 + "]" * 50_000).encode()
    before = (await payouts_of(mongo, a.id), await statuses(mongo, a.id))

    # when its notification arrives with Wechatpay-Timestamp "²" (str.isdigit() accepts it, int() does not),
    # and a validly signed body nested 50,000 deep arrives too
    forged = [
        ({**genuine.headers, "Wechatpay-Timestamp": "²"}, genuine.body),
        (signed_headers(transfers.keys, deep, datetime.now(UTC)), deep),
    ]
    answers = [
        await client.post(
            "/webhooks/wechatpay/transfer",
            content=body,
            headers=wire_headers(headers),
        )
        for headers, body in forged
    ]

    # then both are refused as not verified (WeChat Pay retries the real one), and nothing changed
    assert [r.status_code for r in answers] == [401, 401]
    assert [r.json()["code"] for r in answers] == ["FAIL", "FAIL"]
    assert (await payouts_of(mongo, a.id), await statuses(mongo, a.id)) == before
