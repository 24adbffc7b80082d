"""Staff commissions are paid through payroll: the owner marks a staff member's AVAILABLE commissions
PAID_OFFLINE (audited, idempotent), netting what refunds clawed back after an earlier settlement; nobody else can,
and no merchant can for another's staff.
"""

import asyncio
from typing import Any

from db import collections as c
from db.mongo import Mongo
from domain.commissions.reversal import on_order_refunded
from domain.payouts.offline import settle_staff_offline
from domain.pii import PiiCipher
from domain.tenancy import Role
from tests.commissions.conftest import refunded
from tests.conftest import Gql, Shop, open_shop
from tests.payouts.conftest import assert_ledger_adds_up, balance, earn, shareholder_program, statuses
from tests.referrals.conftest import Colleague, make_staff

SETTLE = """
mutation($input: SettleStaffCommissionsInput!) {
  settleStaffCommissions(input: $input) {
    payout { id method status amountFen grossFen nettedFen commissions reference beneficiaryStaffMemberId }
    userErrors { field code }
  }
}
"""


async def settle(gql: Gql, token: str, staff: Colleague, key: str, reference: str | None = "2026年11月工资") -> Any:
    variables = {"input": {"staffMemberId": staff.gid, "reference": reference, "idempotencyKey": key}}
    return await gql("admin", SETTLE, variables, token=token)


async def test_the_owner_marks_a_staff_members_commissions_paid_through_payroll(
    gql: Gql, mongo: Mongo, shop: Shop, pii: PiiCipher, owner_token: str
) -> None:
    # given a technician who earned 30 and 10 yuan of staff commission, available
    await shareholder_program(mongo, shop, staff_bp=1_000)
    tech = await make_staff(mongo, pii, shop, Role.TECHNICIAN, "13700000001")
    await earn(mongo, shop, tech.staff.id, 3_000, 1_000, staff=True)

    # when the owner marks them paid with November's payroll, and the request is replayed
    body = await settle(gql, owner_token, tech, "payroll-2026-11")
    again = await settle(gql, owner_token, tech, "payroll-2026-11")

    # then one settlement of 40 yuan was made, the commissions are PAID_OFFLINE, and the ledger says so
    payout = body["data"]["settleStaffCommissions"]["payout"]
    assert body["data"]["settleStaffCommissions"]["userErrors"] == []
    assert {k: payout[k] for k in ("method", "status", "amountFen", "commissions", "reference")} == {
        "method": "OFFLINE",
        "status": "PAID",
        "amountFen": 4_000,
        "commissions": 2,
        "reference": "2026年11月工资",
    }
    assert payout["beneficiaryStaffMemberId"] == tech.gid
    assert again["data"]["settleStaffCommissions"]["payout"]["id"] == payout["id"]
    assert await statuses(mongo, tech.staff.id) == ["PAID_OFFLINE", "PAID_OFFLINE"]
    assert (await balance(mongo, tech.staff.id))["paid_fen"] == 4_000
    await assert_ledger_adds_up(mongo, tech.staff.id)
    # and it is audited once, with who and how much
    audits = await mongo.db[c.AUDIT_LOG].find({"action": "commission.paid_offline"}).to_list()
    assert [(a["actor_id"], a["target_id"], a["detail"]["amount_fen"]) for a in audits] == [
        (shop.merchant.owner.id, tech.staff.id, 4_000)
    ]


async def test_a_refund_after_payroll_is_netted_at_the_next_settlement(
    gql: Gql, mongo: Mongo, shop: Shop, pii: PiiCipher, owner_token: str
) -> None:
    # given a staff commission of 10 yuan paid through payroll, whose order is then refunded in full
    await shareholder_program(mongo, shop, staff_bp=1_000)
    tech = await make_staff(mongo, pii, shop, Role.TECHNICIAN, "13700000001")
    [order] = await earn(mongo, shop, tech.staff.id, 1_000, staff=True)
    await settle(gql, owner_token, tech, "october")
    await on_order_refunded(mongo=mongo, event=refunded(order, order.consumption_paid_fen))

    # when the technician earns 25 yuan more and the owner settles again
    await earn(mongo, shop, tech.staff.id, 2_500, staff=True)
    body = await settle(gql, owner_token, tech, "november")

    # then the clawback was owed (not taken from a paid commission) and is netted: 15 yuan are paid this time
    payout = body["data"]["settleStaffCommissions"]["payout"]
    assert (payout["grossFen"], payout["nettedFen"], payout["amountFen"]) == (2_500, 1_000, 1_500)
    assert (await balance(mongo, tech.staff.id))["owed_fen"] == 0
    await assert_ledger_adds_up(mongo, tech.staff.id)


async def test_nothing_available_settles_nothing(
    gql: Gql, mongo: Mongo, shop: Shop, pii: PiiCipher, owner_token: str
) -> None:
    tech = await make_staff(mongo, pii, shop, Role.TECHNICIAN, "13700000001")
    body = await settle(gql, owner_token, tech, "empty")
    assert body["data"]["settleStaffCommissions"] == {"payout": None, "userErrors": []}
    assert await mongo.db[c.PAYOUTS].count_documents({}) == 0


async def test_only_the_owner_settles_and_only_their_own_staff(
    gql: Gql, mongo: Mongo, shop: Shop, pii: PiiCipher, owner_token: str
) -> None:
    # given a manager of the shop, and a technician of another merchant with commissions available
    manager = await make_staff(mongo, pii, shop, Role.MANAGER, "13700000001")
    other = await open_shop(mongo, pii, "13900000002", name="乙店")
    await shareholder_program(mongo, other, staff_bp=1_000)
    stranger = await make_staff(mongo, pii, other, Role.TECHNICIAN, "13700000002")
    await earn(mongo, other, stranger.staff.id, 1_000, staff=True)

    # when the manager settles their colleague, and the owner settles the other merchant's technician
    by_manager = await settle(gql, manager.token, manager, "m")
    foreign = await settle(gql, owner_token, stranger, "f")

    # then the manager may not, and the foreign technician is not found; their commission is untouched
    assert by_manager["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert foreign["data"]["settleStaffCommissions"]["userErrors"] == [
        {"field": "staffMemberId", "code": "STAFF_NOT_FOUND"}
    ]
    assert await statuses(mongo, stranger.staff.id) == ["AVAILABLE"]


async def test_the_same_settlement_sent_twice_at_once_settles_once(mongo: Mongo, shop: Shop, pii: PiiCipher) -> None:
    # given a technician with two commissions available
    await shareholder_program(mongo, shop, staff_bp=1_000)
    tech = await make_staff(mongo, pii, shop, Role.TECHNICIAN, "13700000001")
    await earn(mongo, shop, tech.staff.id, 3_000, 1_000, staff=True)

    # when the owner's request arrives twice at the same moment
    settled = await asyncio.gather(
        *(
            settle_staff_offline(
                mongo=mongo, actor=shop.merchant.owner, staff_id=tech.staff.id, reference=None, idempotency_key="k"
            )
            for _ in range(2)
        )
    )

    # then one settlement was made, both answers are it, and it was audited once
    assert len({s.payout.id for s in settled if s.payout is not None}) == 1
    assert sorted(s.replayed for s in settled) == [False, True]
    assert await mongo.db[c.PAYOUTS].count_documents({}) == 1
    assert await mongo.db[c.AUDIT_LOG].count_documents({"action": "commission.paid_offline"}) == 1
    await assert_ledger_adds_up(mongo, tech.staff.id)
