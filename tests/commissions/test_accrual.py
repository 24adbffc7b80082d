"""Accrual on ORDER_PAID: level-1 and level-2 shareholders and the acquiring staff member earn their rates of
the program's base, floored to the fen, PENDING until the freeze ends, announced in the outbox; nobody
deeper ever earns; handling the event twice, or concurrently, accrues once; look-alike payers go to review.
"""

import asyncio
from datetime import UTC, datetime, timedelta

from db import collections as c
from db.mongo import Mongo
from domain.commissions.accrual import on_order_paid
from domain.commissions.programs import CommissionBase, revoke_shareholder
from domain.coupons.touch import Sharer
from domain.events import OrderPaid
from domain.pii import PiiCipher
from domain.referrals.binding import BindingSource, bind_referrer
from domain.tenancy import Role, create_store
from tests.commissions.conftest import account, appoint, commissions_of, open_program, paid
from tests.conftest import Shop
from tests.referrals.conftest import bind_phone, chain_of, make_member, make_staff


async def test_level1_and_level2_shareholders_earn_their_rates_of_what_the_friend_paid(
    mongo: Mongo, shop: Shop
) -> None:
    # given grandpa → shareholder → friend, both uplines shareholders at 10% and 5% with a 7-day freeze
    grandpa, shareholder, friend = await chain_of(mongo, shop, 3)
    program = await open_program(mongo, shop)
    await appoint(mongo, shop, program, grandpa.id, shareholder.id)

    # when the friend pays 123.45 yuan
    order = paid(shop, friend.id, 12_345)
    accrual = await on_order_paid(mongo=mongo, event=order)

    # then the shareholder earns floor(10%) and grandpa floor(5%), pending for seven days
    assert not accrual.replayed
    docs = await commissions_of(mongo, order_id=order.order_id)
    assert [(d["beneficiary_id"], d["level"], d["amount_fen"], d["status"]) for d in docs] == [
        (shareholder.id, 1, 1234, "PENDING"),
        (grandpa.id, 2, 617, "PENDING"),
    ]
    assert all(d["release_at"] == order.paid_at + timedelta(days=7) for d in docs)
    assert (await account(mongo, shareholder.id))["pending_fen"] == 1234
    # and each accrual is announced for the 分红到账 push
    events = await mongo.db[c.OUTBOX].find({"kind": "COMMISSION_ACCRUED"}).sort("_id", 1).to_list()
    assert [(e["payload"]["beneficiary_id"], e["payload"]["amount_fen"]) for e in events] == [
        (shareholder.id, 1234),
        (grandpa.id, 617),
    ]


async def test_a_level3_ancestor_never_earns_whatever_the_program_says(mongo: Mongo, shop: Shop) -> None:
    # given a chain of four shareholders above a payer, and a program document that even names a level 3 rate
    *uplines, payer = await chain_of(mongo, shop, 5)
    program = await open_program(mongo, shop)
    await mongo.db[c.SHAREHOLDER_PROGRAMS].update_one({"_id": program.id}, {"$set": {"level3_bp": 2000}})
    await appoint(mongo, shop, program, *(u.id for u in uplines))

    # when the payer pays
    order = paid(shop, payer.id, 10_000)
    await on_order_paid(mongo=mongo, event=order)

    # then only the two nearest uplines earn
    docs = await commissions_of(mongo, order_id=order.order_id)
    assert [(d["beneficiary_id"], d["level"]) for d in docs] == [(uplines[-1].id, 1), (uplines[-2].id, 2)]


async def test_handling_order_paid_twice_and_concurrently_accrues_once(mongo: Mongo, shop: Shop) -> None:
    # given a shareholder and their friend's paid order
    shareholder, friend = await chain_of(mongo, shop, 2)
    await appoint(mongo, shop, await open_program(mongo, shop), shareholder.id)
    order = paid(shop, friend.id, 50_000)

    # when the relay delivers ORDER_PAID eight times at once, and once more later
    results = await asyncio.gather(*(on_order_paid(mongo=mongo, event=order) for _ in range(8)))
    late = await on_order_paid(mongo=mongo, event=order)

    # then exactly one accrual happened, every call reports the same commission, and money moved once
    assert sum(not r.replayed for r in results) == 1 and late.replayed
    assert {tuple(x.id for x in r.commissions) for r in [*results, late]} == {(results[0].commissions[0].id,)}
    assert await mongo.db[c.COMMISSIONS].count_documents({}) == 1
    assert await mongo.db[c.COMMISSION_LEDGER].count_documents({}) == 1
    assert await mongo.db[c.OUTBOX].count_documents({"kind": "COMMISSION_ACCRUED"}) == 1
    assert (await account(mongo, shareholder.id))["pending_fen"] == 5000


async def test_uplines_who_are_not_shareholders_earn_nothing_and_a_revoke_keeps_what_was_earned(
    mongo: Mongo, shop: Shop
) -> None:
    # given a shareholder above a plain member above a payer
    shareholder, plain, payer = await chain_of(mongo, shop, 3)
    await appoint(mongo, shop, await open_program(mongo, shop), shareholder.id)

    # when the payer pays, the shareholder is revoked, and the payer pays again
    first = paid(shop, payer.id, 10_000)
    await on_order_paid(mongo=mongo, event=first)
    await revoke_shareholder(mongo=mongo, actor=shop.merchant.owner, member_id=shareholder.id)
    await on_order_paid(mongo=mongo, event=paid(shop, payer.id, 10_000))

    # then only the shareholder's level-2 commission on the first order exists, and it is kept
    docs = await commissions_of(mongo)
    assert [(d["beneficiary_id"], d["level"], d["order_id"]) for d in docs] == [(shareholder.id, 2, first.order_id)]
    assert (await account(mongo, shareholder.id))["pending_fen"] == 500


async def test_the_acquiring_staff_member_earns_the_staff_rate(mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given a member who came in through a technician's QR code, and a program with a 3% staff rate
    technician = await make_staff(mongo, pii, shop, Role.TECHNICIAN, "13800000031")
    member = await make_member(mongo, shop, "walkin")
    await bind_referrer(
        mongo=mongo,
        merchant_id=shop.merchant.merchant.id,
        member_id=member.id,
        sharer=Sharer(staff_id=technician.staff.id),
        source=BindingSource.STAFF_QR,
    )
    await open_program(mongo, shop)

    # when the member pays 99.99 yuan
    order = paid(shop, member.id, 9_999)
    await on_order_paid(mongo=mongo, event=order)

    # then the technician earns floor(3%) at level 0
    docs = await commissions_of(mongo, order_id=order.order_id)
    assert [(d["beneficiary_id"], d["beneficiary_kind"], d["level"], d["amount_fen"]) for d in docs] == [
        (technician.staff.id, "STAFF", 0, 299)
    ]


async def test_the_base_counts_stored_value_when_spent_or_top_ups_when_paid_never_both(
    mongo: Mongo, shop: Shop
) -> None:
    # given two shareholders in programs with the two bases, each with a friend
    spent_holder, spent_friend = await chain_of(mongo, shop, 2, "spent")
    paid_holder, paid_friend = await chain_of(mongo, shop, 2, "topup")
    when_spent = await open_program(mongo, shop, name="消费时计")
    when_paid = await open_program(mongo, shop, name="充值时计", base=CommissionBase.TOP_UPS_WHEN_PAID)
    await appoint(mongo, shop, when_spent, spent_holder.id)
    await appoint(mongo, shop, when_paid, paid_holder.id)

    # when each friend tops up 500 yuan, then spends 300 yuan of it plus 100 yuan in cash
    for friend in (spent_friend, paid_friend):
        await on_order_paid(mongo=mongo, event=paid(shop, friend.id, 0, top_up=50_000))
        await on_order_paid(mongo=mongo, event=paid(shop, friend.id, 40_000, stored_value=30_000))

    # then the spend-based shareholder earned on the 400 yuan consumption only, the top-up-based one on the
    # 500 yuan top-up and the 100 yuan cash: each yuan counted once
    spent = [d["base_fen"] for d in await commissions_of(mongo, beneficiary_id=spent_holder.id)]
    topped = [d["base_fen"] for d in await commissions_of(mongo, beneficiary_id=paid_holder.id)]
    assert spent == [40_000]
    assert sorted(topped) == [10_000, 50_000]


async def test_programs_only_pay_at_their_stores_and_within_their_window(mongo: Mongo, shop: Shop) -> None:
    # given a shareholder in a program for another store only, and one in a program about to end
    branch = await create_store(mongo=mongo, actor=shop.merchant.owner, name="二号店", timezone="Asia/Shanghai")
    branch_holder, branch_friend = await chain_of(mongo, shop, 2, "branch")
    old_holder, old_friend = await chain_of(mongo, shop, 2, "old")
    branch_only = await open_program(mongo, shop, all_stores=False, store_ids=(branch.id,))
    ended = await open_program(
        mongo, shop, starts_at=datetime(2020, 1, 1, tzinfo=UTC), ends_at=datetime.now(UTC) + timedelta(hours=1)
    )
    await appoint(mongo, shop, branch_only, branch_holder.id)
    await appoint(mongo, shop, ended, old_holder.id)

    # when both friends pay at the first store, the old program's order after its end
    await on_order_paid(mongo=mongo, event=paid(shop, branch_friend.id, 10_000))
    await on_order_paid(mongo=mongo, event=paid(shop, old_friend.id, 10_000, at=datetime.now(UTC) + timedelta(hours=2)))
    # and the first friend once more at the branch
    await on_order_paid(mongo=mongo, event=paid(shop, branch_friend.id, 10_000, store_id=branch.id))

    # then only the branch order earned anything
    docs = await commissions_of(mongo)
    assert [(d["beneficiary_id"], d["store_id"]) for d in docs] == [(branch_holder.id, branch.id)]


async def test_a_payer_who_looks_like_their_upline_sends_the_commission_to_review(
    mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a shareholder and a friend bound before either bound a phone, who later bound the same phone
    shareholder, friend = await chain_of(mongo, shop, 2)
    await appoint(mongo, shop, await open_program(mongo, shop), shareholder.id)
    for member in (shareholder, friend):
        await bind_phone(mongo, pii, shop, member.id, "13912345678")

    # when the friend pays
    order = paid(shop, friend.id, 10_000)
    await on_order_paid(mongo=mongo, event=order)

    # then the commission waits for review, is not announced, and sits in the review bucket
    [doc] = await commissions_of(mongo, order_id=order.order_id)
    assert (doc["status"], doc["flags"]) == ("REVIEW", ["PHONE"])
    assert await mongo.db[c.OUTBOX].count_documents({"kind": "COMMISSION_ACCRUED"}) == 0
    assert await account(mongo, shareholder.id) == {
        "pending_fen": 0,
        "available_fen": 0,
        "review_fen": 1000,
        "paid_fen": 0,
        "owed_fen": 0,
    }


def test_order_paid_reads_the_payload_the_outbox_holds_or_its_json() -> None:
    # given an ORDER_PAID payload as BSON values and the same one as JSON strings
    order = OrderPaid.from_payload(
        {
            "order_id": "665f1c2e9d1e8a0012345678",
            "merchant_id": "665f1c2e9d1e8a0012345679",
            "member_id": "665f1c2e9d1e8a001234567a",
            "store_id": "665f1c2e9d1e8a001234567b",
            "paid_at": "2026-05-01T10:00:00",
            "consumption_paid_fen": 100,
            "stored_value_spent_fen": 40,
            "top_up_paid_fen": 0,
        }
    )

    # when it round-trips through payload()
    again = OrderPaid.from_payload(order.payload())

    # then both read the same, the naive time taken as UTC
    assert again == order
    assert order.paid_at == datetime(2026, 5, 1, 10, tzinfo=UTC)
