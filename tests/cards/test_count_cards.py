"""Count cards (次卡): sold by a manager, one use at a time by any staff, idempotent, never below zero, and
not after they expire.
"""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from db import collections as c
from db.mongo import Mongo
from domain.cards import count_cards
from domain.cards.errors import CardCode, CardError
from domain.cards.ledger import SYSTEM
from domain.pii import PiiCipher
from domain.tenancy import Role
from schema.ids import to_global_id
from tests.cards.conftest import Customer, hire
from tests.conftest import Gql, Shop

GRANT = """
mutation($input: GrantCountCardInput!) {
  grantCountCard(input: $input) {
    countCard { id name total remaining }
    ledgerEntry { kind amount balanceAfter staffMemberId }
    userErrors { field code }
  }
}
"""
USE = """
mutation($id: ID!, $key: String!) {
  useCountCard(input: {countCardId: $id, idempotencyKey: $key}) {
    countCard { remaining }
    ledgerEntry { id kind amount balanceAfter }
    userErrors { code }
  }
}
"""


async def _grant(mongo: Mongo, who: Customer, uses: int, expires_at: datetime) -> count_cards.CountCard:
    change = await count_cards.grant_count_card(
        mongo=mongo,
        merchant_id=who.merchant_id,
        member_id=who.member_id,
        name="肩颈护理 10 次",
        uses=uses,
        expires_at=expires_at,
        reference="order-1",
        idempotency_key=f"grant-{uses}-{expires_at.timestamp()}",
        actor=SYSTEM,
    )
    return change.count_card


async def _use(gql: Gql, token: str, count_card_id: str, key: str) -> dict[str, Any]:
    body = await gql("admin", USE, {"id": count_card_id, "key": key}, token=token)
    payload: dict[str, Any] = body["data"]["useCountCard"]
    return payload


async def test_manager_sells_a_count_card_and_a_technician_uses_it_once_per_key(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, customer: Customer
) -> None:
    # given a manager who sells a 10-use package, and a technician
    manager = await hire(mongo, pii, gql, shop, Role.MANAGER, "13900000301")
    technician = await hire(mongo, pii, gql, shop, Role.TECHNICIAN, "13900000302")
    expires = (datetime.now(UTC) + timedelta(days=90)).isoformat()
    granted = await gql(
        "admin",
        GRANT,
        {
            "input": {
                "memberId": customer.gid,
                "name": "肩颈护理 10 次",
                "uses": 10,
                "expiresAt": expires,
                "idempotencyKey": "sale-1",
            }
        },
        token=manager.token,
    )
    sold = granted["data"]["grantCountCard"]
    assert sold["ledgerEntry"] == {
        "kind": "COUNT_GRANT",
        "amount": 10,
        "balanceAfter": 10,
        "staffMemberId": to_global_id("StaffMember", manager.staff.id),
    }

    # when the technician records a use, and the tablet retries the same request
    first = await _use(gql, technician.token, sold["countCard"]["id"], "visit-1")
    retry = await _use(gql, technician.token, sold["countCard"]["id"], "visit-1")

    # then one use is gone, and the retry returns the same entry
    assert first["countCard"] == {"remaining": 9}
    assert retry["ledgerEntry"] == first["ledgerEntry"] and retry["countCard"] == {"remaining": 9}


async def test_a_cashier_cannot_sell_a_count_card(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, customer: Customer
) -> None:
    # given a cashier
    cashier = await hire(mongo, pii, gql, shop, Role.CASHIER, "13900000303")

    # when they try to hand out a free package
    expires = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    body = await gql(
        "admin",
        GRANT,
        {"input": {"memberId": customer.gid, "name": "x", "uses": 5, "expiresAt": expires, "idempotencyKey": "k"}},
        token=cashier.token,
    )

    # then it is forbidden
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_racing_uses_never_take_remaining_below_zero(
    gql: Gql, mongo: Mongo, owner_token: str, customer: Customer
) -> None:
    # given a count card with three uses left
    count_card = await _grant(mongo, customer, 3, datetime.now(UTC) + timedelta(days=30))
    gid = to_global_id("CountCard", count_card.id)

    # when ten staff tablets record a use at the same moment, each with its own key
    results = await asyncio.gather(*(_use(gql, owner_token, gid, f"visit-{i}") for i in range(10)))

    # then exactly three went through and the rest were told nothing is left
    assert sum(r["userErrors"] == [] for r in results) == 3
    assert [r["userErrors"] for r in results if r["userErrors"]] == [[{"code": "INSUFFICIENT_BALANCE"}]] * 7
    doc = await mongo.db[c.COUNT_CARDS].find_one({"_id": count_card.id})
    assert doc is not None and doc["remaining"] == 0


async def test_an_expired_count_card_cannot_be_used(
    gql: Gql, mongo: Mongo, owner_token: str, customer: Customer
) -> None:
    # given a count card that expired a moment ago with uses left
    count_card = await _grant(mongo, customer, 5, datetime.now(UTC) + timedelta(seconds=1))
    await mongo.db[c.COUNT_CARDS].update_one(
        {"_id": count_card.id}, {"$set": {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}}
    )

    # when staff try to use it
    result = await _use(gql, owner_token, to_global_id("CountCard", count_card.id), "visit-late")

    # then it is refused as expired and keeps its uses
    assert result["userErrors"] == [{"code": "COUNT_CARD_EXPIRED"}]
    doc = await mongo.db[c.COUNT_CARDS].find_one({"_id": count_card.id})
    assert doc is not None and doc["remaining"] == 5


async def test_a_count_card_needs_a_time_zone_on_its_expiry(mongo: Mongo, customer: Customer) -> None:
    # when a package is granted with an expiry that names no zone
    with pytest.raises(CardError) as refused:
        await _grant(mongo, customer, 5, datetime(2099, 1, 1))

    # then it is refused: 2099-01-01 00:00 means different moments in Shanghai and in UTC
    assert (refused.value.code, refused.value.field) == (CardCode.COUNT_CARD_INVALID, "expiresAt")
