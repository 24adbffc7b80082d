"""Shareholders in the admin: the owner sets programs and appoints or revokes shareholders, reviews held
commissions; owners and all-stores managers read the ranking and the staff attribution report, each a fixed
number of queries whatever the number of rows.
"""

from typing import Any

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.commissions.accrual import on_order_paid
from domain.commissions.programs import revoke_shareholder
from domain.coupons.touch import Sharer
from domain.pii import PiiCipher
from domain.referrals.binding import BindingSource, bind_referrer
from domain.tenancy import Role
from schema.ids import to_global_id
from tests.commissions.conftest import appoint, commissions_of, open_program, paid
from tests.conftest import Gql, Shop, count_commands, staff_token
from tests.referrals.conftest import Colleague, bind, bind_phone, chain_of, make_member, make_members, make_staff
from tests.tenancy.conftest import STAFF_PASSWORD, hire

CREATE_PROGRAM = """
mutation($input: ShareholderProgramInput!) {
  createShareholderProgram(input: $input) {
    program { id name level1Bp level2Bp staffBp allStores stores { name } freezeDays payoutMinimumFen base }
    userErrors { field code message }
  }
}
"""
UPDATE_PROGRAM = """
mutation($input: UpdateShareholderProgramInput!) {
  updateShareholderProgram(input: $input) { program { id level1Bp } userErrors { field code } }
}
"""
PROGRAMS = "query { shareholderPrograms(first: 10) { edges { node { id name } } } }"
APPOINT = """
mutation($input: AppointShareholderInput!) {
  appointShareholder(input: $input) { appointment { memberId programId active revokedAt } userErrors { field code } }
}
"""
REVOKE = """
mutation($input: RevokeShareholderInput!) {
  revokeShareholder(input: $input) { appointment { active revokedAt } userErrors { field code } }
}
"""
ROSTER = """
query($id: ID!, $after: String) { shareholders(programId: $id, first: 2, after: $after) {
  edges { node { memberId nickname programId active revokedAt } }
  pageInfo { hasNextPage endCursor }
} }
"""
QUEUE = """
query { commissionReviewQueue(first: 10) {
  edges { node { payerNickname beneficiaryName commission { id amountFen status flags level } } }
} }
"""
APPROVE = """
mutation($input: ApproveCommissionInput!) {
  approveCommission(input: $input) { commission { status } userErrors { field code } }
}
"""
REJECT = """
mutation($input: RejectCommissionInput!) {
  rejectCommission(input: $input) { commission { status } userErrors { field code } }
}
"""
RANKING = """
query { shareholderRanking(first: 10) {
  rows { rank memberId nickname earnedFen level1Fen level2Fen commissions } userErrors { code }
} }
"""
ATTRIBUTION = """
query { staffAttribution { rows { staffMemberId name membersAcquired orders revenueFen commissionFen } } }
"""


def _program(**overrides: Any) -> dict[str, Any]:
    return {"name": "金牌股东", "level1Bp": 1000, "level2Bp": 500, "staffBp": 200} | overrides


async def _create(gql: Gql, token: str, **overrides: Any) -> Any:
    body = await gql("admin", CREATE_PROGRAM, {"input": _program(**overrides)}, token=token)
    return body["data"]["createShareholderProgram"] if body.get("data") else body


async def test_the_owner_sets_up_and_changes_a_program(gql: Gql, owner_token: str, shop: Shop) -> None:
    # given the owner's first store
    store = to_global_id("Store", shop.merchant.store.id)

    # when the owner creates a program for that store, and raises its level-1 rate
    created = await _create(gql, owner_token, allStores=False, storeIds=[store], payoutMinimumFen=5000)
    program = created["program"]
    update = {"id": program["id"], "program": _program(level1Bp=1500)}
    updated = await gql("admin", UPDATE_PROGRAM, {"input": update}, token=owner_token)
    listed = await gql("admin", PROGRAMS, token=owner_token)

    # then the program holds what was set, with the defaults for the rest
    assert created["userErrors"] == []
    assert program | {"id": None} == {
        "id": None,
        "name": "金牌股东",
        "level1Bp": 1000,
        "level2Bp": 500,
        "staffBp": 200,
        "allStores": False,
        "stores": [{"name": shop.merchant.store.name}],
        "freezeDays": 7,
        "payoutMinimumFen": 5000,
        "base": "STORED_VALUE_WHEN_SPENT",
    }
    assert updated["data"]["updateShareholderProgram"]["program"]["level1Bp"] == 1500
    assert [e["node"]["id"] for e in listed["data"]["shareholderPrograms"]["edges"]] == [program["id"]]


async def test_invalid_programs_are_refused_and_only_the_owner_may_set_one(
    gql: Gql, owner_token: str, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given an all-stores manager
    manager = await make_staff(mongo, pii, shop, Role.MANAGER, "13800000041", "店长")

    # when the owner sends rates over 100% together, no stores, a backwards window and a long freeze
    refusals = [
        await _create(gql, owner_token, level1Bp=6000, level2Bp=3000, staffBp=1001),
        await _create(gql, owner_token, allStores=False),
        await _create(gql, owner_token, startsAt="2026-06-01T00:00:00Z", endsAt="2026-05-01T00:00:00Z"),
        await _create(gql, owner_token, freezeDays=91),
    ]
    by_manager = await _create(gql, manager.token)

    # then each is refused with its reason, and the manager not at all
    assert [r["userErrors"][0]["code"] for r in refusals] == [
        "PROGRAM_RATES_INVALID",
        "STORES_REQUIRED",
        "PROGRAM_WINDOW_INVALID",
        "PROGRAM_FREEZE_INVALID",
    ]
    assert by_manager["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await mongo.db[c.SHAREHOLDER_PROGRAMS].count_documents({}) == 0


async def test_the_owner_appoints_and_revokes_a_shareholder(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a program and a member
    program = (await _create(gql, owner_token))["program"]
    member = await make_member(mongo, shop, "老张")
    variables = {"input": {"memberId": member.gid}}

    # when the owner appoints them, revokes them, and revokes once more
    appointed = await gql(
        "admin", APPOINT, {"input": variables["input"] | {"programId": program["id"]}}, token=owner_token
    )
    revoked = await gql("admin", REVOKE, variables, token=owner_token)
    again = await gql("admin", REVOKE, variables, token=owner_token)

    # then the appointment was active, then not, and the second revoke says so
    assert appointed["data"]["appointShareholder"]["appointment"] == {
        "memberId": member.gid,
        "programId": program["id"],
        "active": True,
        "revokedAt": None,
    }
    assert revoked["data"]["revokeShareholder"]["appointment"]["active"] is False
    assert again["data"]["revokeShareholder"]["userErrors"] == [{"field": "memberId", "code": "NOT_A_SHAREHOLDER"}]
    actions = await mongo.db[c.AUDIT_LOG].distinct("action", {"target_id": member.id})
    assert sorted(actions) == ["shareholder.appoint", "shareholder.revoke"]


async def test_the_roster_lists_a_programs_shareholders_latest_first_in_a_fixed_number_of_queries(
    gql: Gql, owner_token: str, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a program with three shareholders, the first of them revoked, and another program's shareholder
    program = await open_program(mongo, shop)
    other = await open_program(mongo, shop, name="银牌股东")
    holders = [await make_member(mongo, shop, name) for name in ("老张", "老李", "老王")]
    await appoint(mongo, shop, program, *(h.id for h in holders))
    await appoint(mongo, shop, other, (await make_member(mongo, shop, "别的")).id)
    await revoke_shareholder(mongo=mongo, actor=shop.merchant.owner, member_id=holders[0].id)
    program_id = to_global_id("ShareholderProgram", program.id)
    manager = await make_staff(mongo, pii, shop, Role.MANAGER, "13800000061", "店长")

    # when an all-stores manager reads the roster a page of two at a time
    with count_commands(mongo) as commands:
        first = await gql("admin", ROSTER, {"id": program_id}, token=manager.token)
    page = first["data"]["shareholders"]
    after = page["pageInfo"]["endCursor"]
    second = await gql("admin", ROSTER, {"id": program_id, "after": after}, token=manager.token)

    # then the latest appointed come first, the revoked one last and marked so, nobody of the other program
    nodes = [e["node"] for e in page["edges"] + second["data"]["shareholders"]["edges"]]
    assert [(n["nickname"], n["active"], n["revokedAt"] is not None) for n in nodes] == [
        ("老王0", True, False),
        ("老李0", True, False),
        ("老张0", False, True),
    ]
    assert {n["programId"] for n in nodes} == {program_id}
    assert [n["memberId"] for n in nodes] == [h.gid for h in reversed(holders)]
    assert page["pageInfo"]["hasNextPage"] is True
    assert second["data"]["shareholders"]["pageInfo"]["hasNextPage"] is False
    # and a page costs the viewer, the program, the appointments and their names, however long the roster
    assert commands == ["find", "find", "find", "find"], commands


async def test_a_store_manager_may_not_read_the_roster(gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given a program and a manager of one store only
    program = await open_program(mongo, shop)
    await hire(mongo, pii, shop.merchant.owner, "13800000062", Role.MANAGER, stores=[shop.merchant.store.id])
    token = await staff_token(gql, "13800000062", STAFF_PASSWORD)

    # when they ask for the roster
    body = await gql("admin", ROSTER, {"id": to_global_id("ShareholderProgram", program.id)}, token=token)

    # then they are refused: shareholders' money is merchant-wide
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def _held_commissions(mongo: Mongo, pii: PiiCipher, shop: Shop) -> tuple[ObjectId, list[str]]:
    """A shareholder and a friend on one phone, with two held commissions on the friend's orders."""
    shareholder, friend = await chain_of(mongo, shop, 2, "同机")
    await appoint(mongo, shop, await open_program(mongo, shop), shareholder.id)
    for member in (shareholder, friend):
        await bind_phone(mongo, pii, shop, member.id, "13912345678")
    for amount in (10_000, 20_000):
        await on_order_paid(mongo=mongo, event=paid(shop, friend.id, amount))
    docs = await commissions_of(mongo, beneficiary_id=shareholder.id)
    return shareholder.id, [to_global_id("Commission", d["_id"]) for d in docs]


async def test_the_owner_approves_or_rejects_held_commissions(
    gql: Gql, owner_token: str, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given two commissions held because payer and shareholder share a phone
    shareholder, (first, second) = await _held_commissions(mongo, pii, shop)

    # when the owner looks at the queue, approves the first, rejects the second, and tries the first again
    queue = await gql("admin", QUEUE, token=owner_token)
    approved = await gql("admin", APPROVE, {"input": {"commissionId": first}}, token=owner_token)
    rejected = await gql("admin", REJECT, {"input": {"commissionId": second, "reason": "本人下单"}}, token=owner_token)
    again = await gql("admin", APPROVE, {"input": {"commissionId": first}}, token=owner_token)

    # then the queue showed both with why, the approved one is on its way and announced, the rejected one gone
    nodes = [e["node"] for e in queue["data"]["commissionReviewQueue"]["edges"]]
    assert [(n["commission"]["id"], n["commission"]["flags"], n["payerNickname"]) for n in nodes] == [
        (first, ["PHONE"], "同机1"),
        (second, ["PHONE"], "同机1"),
    ]
    assert approved["data"]["approveCommission"]["commission"]["status"] == "PENDING"
    assert rejected["data"]["rejectCommission"]["commission"]["status"] == "REJECTED"
    assert again["data"]["approveCommission"]["userErrors"] == [
        {"field": "commissionId", "code": "COMMISSION_NOT_IN_REVIEW"}
    ]
    outbox = await mongo.db[c.OUTBOX].find({"kind": "COMMISSION_ACCRUED"}).to_list()
    assert [e["payload"]["amount_fen"] for e in outbox] == [1000]
    account = await mongo.db[c.COMMISSION_ACCOUNTS].find_one({"beneficiary_id": shareholder})
    assert account is not None and (account["pending_fen"], account["review_fen"]) == (1000, 0)


async def _shareholders_with_friends(mongo: Mongo, shop: Shop, holders: int) -> None:
    program = await open_program(mongo, shop)
    for i in range(holders):
        holder = await make_member(mongo, shop, f"股东{i}")
        await appoint(mongo, shop, program, holder.id)
        friend = (await make_members(mongo, shop.merchant.merchant.id, 1, f"友{i}-"))[0]
        await bind(mongo, shop, friend.id, holder.id)
        await on_order_paid(mongo=mongo, event=paid(shop, friend.id, 10_000 * (i + 1)))


async def test_the_ranking_puts_the_top_earner_first_in_a_fixed_number_of_queries(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given three shareholders whose friends paid 100, 200 and 300 yuan
    await _shareholders_with_friends(mongo, shop, 3)

    # when the owner opens the ranking
    with count_commands(mongo) as few:
        body = await gql("admin", RANKING, token=owner_token)

    # then the biggest earner is first, and after seven more shareholders the ranking costs the same
    rows = body["data"]["shareholderRanking"]["rows"]
    assert [(r["rank"], r["nickname"], r["earnedFen"], r["level1Fen"]) for r in rows] == [
        (1, "股东20", 3000, 3000),
        (2, "股东10", 2000, 2000),
        (3, "股东00", 1000, 1000),
    ]
    await _shareholders_with_friends(mongo, shop, 7)
    with count_commands(mongo) as many:
        await gql("admin", RANKING, token=owner_token)
    assert len(few) == len(many) == 3, (few, many)


async def test_a_shareholder_without_a_nickname_is_ranked_as_every_other_screen_names_them(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a shareholder who never gave a nickname, whose friend paid 100 yuan
    await _shareholders_with_friends(mongo, shop, 1)
    await mongo.db[c.MEMBERS].update_one({"nickname": "股东00"}, {"$set": {"nickname": None}})

    # when the owner opens the ranking
    body = await gql("admin", RANKING, token=owner_token)

    # then the shareholder is ranked as 微信用户, as members without a nickname are everywhere
    rows = body["data"]["shareholderRanking"]["rows"]
    assert [(r["rank"], r["nickname"], r["earnedFen"]) for r in rows] == [(1, "微信用户", 1000)]


async def test_staff_attribution_shows_what_each_staff_member_brought_in(
    gql: Gql, owner_token: str, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a technician who brought two members in, who paid 100 and 50 yuan, and a program with a 2% staff rate
    technician = await make_staff(mongo, pii, shop, Role.TECHNICIAN, "13800000051", "技师小王")
    await open_program(mongo, shop, staff_bp=200)
    for amount in (10_000, 5_000):
        await _walk_in(mongo, shop, technician, amount)

    # when the owner opens the report
    with count_commands(mongo) as few:
        body = await gql("admin", ATTRIBUTION, token=owner_token)

    # then the technician's row shows the two members, their orders and the staff commission; the owner has none
    rows = body["data"]["staffAttribution"]["rows"]
    assert rows[0] == {
        "staffMemberId": technician.gid,
        "name": "技师小王",
        "membersAcquired": 2,
        "orders": 2,
        "revenueFen": 15_000,
        "commissionFen": 300,
    }
    assert rows[1]["membersAcquired"] == 0
    # and it costs the same five queries (the viewer, three sums, the staff) with more staff and members
    other = await make_staff(mongo, pii, shop, Role.CASHIER, "13800000052", "收银小李")
    for amount in (1_000, 2_000, 3_000):
        await _walk_in(mongo, shop, other, amount)
    with count_commands(mongo) as many:
        await gql("admin", ATTRIBUTION, token=owner_token)
    assert len(few) == len(many) == 5, (few, many)


async def _walk_in(mongo: Mongo, shop: Shop, staff: Colleague, amount: int) -> None:
    member = await make_member(mongo, shop, "walkin")
    await bind_referrer(
        mongo=mongo,
        merchant_id=shop.merchant.merchant.id,
        member_id=member.id,
        sharer=Sharer(staff_id=staff.staff.id),
        source=BindingSource.STAFF_QR,
    )
    await on_order_paid(mongo=mongo, event=paid(shop, member.id, amount))
