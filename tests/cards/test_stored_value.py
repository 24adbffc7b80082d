"""Stored value: plans the owner sets and members see, spending paid money first, and a refunded top-up that
takes back exactly its bonus, once.
"""

import pytest

from db import collections as c
from db.mongo import Mongo
from domain.cards import stored_value
from domain.cards.errors import CardCode, CardError
from domain.cards.ledger import SYSTEM
from domain.pii import PiiCipher
from domain.tenancy import Role
from tests.cards.conftest import Customer, card_doc, hire, top_up
from tests.conftest import Gql, Shop

CREATE_PLAN = """
mutation($input: CreateTopUpPlanInput!) {
  createTopUpPlan(input: $input) { topUpPlan { id name payFen bonusFen active } userErrors { field code } }
}
"""
ARCHIVE_PLAN = """
mutation($id: ID!) { archiveTopUpPlan(input: {id: $id}) { topUpPlan { active } userErrors { code } } }
"""
MEMBER_PLANS = "query { topUpPlans { edges { node { name payFen bonusFen } } } }"


async def _spend(mongo: Mongo, who: Customer, amount: int, key: str) -> None:
    await stored_value.spend_stored_value(
        mongo=mongo,
        merchant_id=who.merchant_id,
        member_id=who.member_id,
        amount_fen=amount,
        reference="order",
        idempotency_key=key,
        actor=SYSTEM,
    )


async def test_owner_offers_a_plan_members_see_it_until_it_is_archived(
    gql: Gql, owner_token: str, customer: Customer
) -> None:
    # given the owner creates 充500送50
    created = await gql(
        "admin", CREATE_PLAN, {"input": {"name": "充500送50", "payFen": 50_000, "bonusFen": 5_000}}, token=owner_token
    )
    plan = created["data"]["createTopUpPlan"]["topUpPlan"]

    # when a member opens the top-up screen, then after the owner archives the plan
    offered = await gql("member", MEMBER_PLANS, token=customer.token)
    archived = await gql("admin", ARCHIVE_PLAN, {"id": plan["id"]}, token=owner_token)
    later = await gql("member", MEMBER_PLANS, token=customer.token)

    # then the member saw the plan, and sees nothing once it is archived
    assert [e["node"] for e in offered["data"]["topUpPlans"]["edges"]] == [
        {"name": "充500送50", "payFen": 50_000, "bonusFen": 5_000}
    ]
    assert archived["data"]["archiveTopUpPlan"]["topUpPlan"] == {"active": False}
    assert later["data"]["topUpPlans"]["edges"] == []


async def test_a_bonus_above_the_paid_amount_is_refused(gql: Gql, owner_token: str) -> None:
    # when the owner types one zero too many into the bonus
    body = await gql(
        "admin",
        CREATE_PLAN,
        {"input": {"name": "充500送5000", "payFen": 50_000, "bonusFen": 500_000}},
        token=owner_token,
    )

    # then the plan is refused, naming the bonus
    assert body["data"]["createTopUpPlan"]["userErrors"] == [{"field": "bonusFen", "code": "PLAN_INVALID"}]


async def test_only_the_owner_creates_plans(gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given a manager
    manager = await hire(mongo, pii, gql, shop, Role.MANAGER, "13900000201")

    # when they try to create a plan
    body = await gql("admin", CREATE_PLAN, {"input": {"name": "x", "payFen": 100}}, token=manager.token)

    # then it is an auth error, not a user error
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await mongo.db[c.TOP_UP_PLANS].count_documents({}) == 0


async def test_spending_takes_the_paid_part_before_the_bonus(mongo: Mongo, customer: Customer) -> None:
    # given a member who topped up 500 yuan and got 50 yuan bonus
    await top_up(mongo, customer, 50_000, 5_000)

    # when they spend 300 yuan, then 230 yuan
    await _spend(mongo, customer, 30_000, "order-1")
    await _spend(mongo, customer, 23_000, "order-2")

    # then the first came from paid money only, the second used the last 200 paid and 30 of bonus
    entries = await mongo.db[c.LEDGER].find({"kind": "SPEND"}).sort("_id", 1).to_list()
    assert [(e["paid"], e["bonus"], e["balance_after"]) for e in entries] == [
        (-30_000, 0, 25_000),
        (-20_000, -3_000, 2_000),
    ]
    card = await card_doc(mongo, customer)
    assert (card["stored_paid"], card["stored_bonus"]) == (0, 2_000)


async def test_a_refunded_top_up_claws_back_exactly_its_bonus_once(mongo: Mongo, customer: Customer) -> None:
    # given two top-ups: 500 + 50 bonus and 100 + 0
    big = await top_up(mongo, customer, 50_000, 5_000)
    await top_up(mongo, customer, 10_000, 0)

    # when the 500 top-up is refunded, twice (the payment provider retried its notification)
    refund = await stored_value.refund_top_up(
        mongo=mongo, merchant_id=customer.merchant_id, top_up_entry_id=big.id, reference="refund-1", actor=SYSTEM
    )
    again = await stored_value.refund_top_up(
        mongo=mongo, merchant_id=customer.merchant_id, top_up_entry_id=big.id, reference="refund-1", actor=SYSTEM
    )

    # then 500 paid and exactly 50 bonus left, once; the other top-up is untouched
    assert (refund.parts.paid, refund.parts.bonus) == (-50_000, -5_000)
    assert again.replayed and again.id == refund.id
    card = await card_doc(mongo, customer)
    assert (card["stored_paid"], card["stored_bonus"]) == (10_000, 0)


async def test_a_top_up_whose_money_was_spent_cannot_be_refunded(mongo: Mongo, customer: Customer) -> None:
    # given a 100 yuan top-up with 10 bonus, of which 50 yuan was spent
    entry = await top_up(mongo, customer, 10_000, 1_000)
    await _spend(mongo, customer, 5_000, "order-1")

    # when the top-up is refunded
    with pytest.raises(CardError) as refused:
        await stored_value.refund_top_up(
            mongo=mongo, merchant_id=customer.merchant_id, top_up_entry_id=entry.id, reference="refund", actor=SYSTEM
        )

    # then the refund is refused: the paid part no longer holds it
    assert refused.value.code is CardCode.INSUFFICIENT_BALANCE
    card = await card_doc(mongo, customer)
    assert (card["stored_paid"], card["stored_bonus"]) == (5_000, 1_000)
