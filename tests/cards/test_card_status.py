"""挂失 and 补卡: a LOST card spends no points, stored value or count-card uses; a reissue gives a new number
with the same balances; the old number is refused at the counter; both acts are audited.
"""

import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import pytest

from db import collections as c
from db.mongo import Mongo
from domain.cards import count_cards, points, stored_value
from domain.cards.errors import CardCode, CardError
from domain.cards.ledger import SYSTEM
from domain.pii import PiiCipher
from domain.tenancy import Role
from tests.cards.conftest import Customer, card_doc, hire, top_up
from tests.conftest import Gql, Shop

REPORT_LOST = """
mutation($id: ID!) {
  reportCardLost(input: {memberId: $id, reason: "顾客来电挂失"}) { card { number status } userErrors { code } }
}
"""
REISSUE = """
mutation($id: ID!) {
  reissueCard(input: {memberId: $id, reason: "补办实体卡"}) {
    card { number status points storedValue storedValueBonus countCards { remaining } }
    userErrors { code }
  }
}
"""
LOOKUP_BY_NUMBER = """
mutation($number: String!) {
  lookupMember(input: {cardNumber: $number}) { member { id card { number } } userErrors { code } }
}
"""


async def _fund(mongo: Mongo, who: Customer) -> count_cards.CountCard:
    """500 points, 100 + 20 yuan of stored value and a 5-use count card."""
    await points.record_payment(
        mongo=mongo,
        merchant_id=who.merchant_id,
        member_id=who.member_id,
        paid_fen=50_000,
        reference="order-0",
        idempotency_key="order-0:earn",
    )
    await top_up(mongo, who, 10_000, 2_000)
    change = await count_cards.grant_count_card(
        mongo=mongo,
        merchant_id=who.merchant_id,
        member_id=who.member_id,
        name="洗车 5 次",
        uses=5,
        expires_at=datetime.now(UTC) + timedelta(days=30),
        reference="order-1",
        idempotency_key="order-1:package",
        actor=SYSTEM,
    )
    return change.count_card


async def _refused(call: Awaitable[object]) -> StrEnum:
    with pytest.raises(CardError) as refused:
        await call
    return refused.value.code


async def test_a_lost_card_spends_no_points_stored_value_or_count_card_uses(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, customer: Customer
) -> None:
    # given a funded member whose card a cashier reports lost
    count_card = await _fund(mongo, customer)
    cashier = await hire(mongo, pii, gql, shop, Role.CASHIER, "13900000401")
    body = await gql("admin", REPORT_LOST, {"id": customer.gid}, token=cashier.token)
    assert body["data"]["reportCardLost"]["card"]["status"] == "LOST"

    # when anyone tries to spend from it
    merchant_id, member_id, key = customer.merchant_id, customer.member_id, uuid.uuid4().hex
    redeem = points.redeem_points(
        mongo=mongo,
        merchant_id=merchant_id,
        member_id=member_id,
        points=100,
        reference="o",
        idempotency_key=key + "p",
        actor=SYSTEM,
    )
    spend = stored_value.spend_stored_value(
        mongo=mongo,
        merchant_id=merchant_id,
        member_id=member_id,
        amount_fen=100,
        reference="o",
        idempotency_key=key + "s",
        actor=SYSTEM,
    )
    use = count_cards.use_count_card(
        mongo=mongo, actor=shop.merchant.owner, count_card_id=count_card.id, idempotency_key=key + "c"
    )

    # then every spend is refused as CARD_LOST and every balance is intact
    assert [await _refused(redeem), await _refused(spend), await _refused(use)] == [CardCode.CARD_LOST] * 3
    card = await card_doc(mongo, customer)
    assert (card["points"], card["stored_paid"], card["stored_bonus"]) == (500, 10_000, 2_000)

    # and money coming in still lands (a payment earns points on a lost card)
    earned = await points.record_payment(
        mongo=mongo,
        merchant_id=merchant_id,
        member_id=member_id,
        paid_fen=100,
        reference="o",
        idempotency_key=key + "e",
    )
    assert earned.entry.balance_after == 501

    # and the act is in the audit log with the cashier's id and reason
    audit = await mongo.db[c.AUDIT_LOG].find_one({"action": "card.lost"})
    assert audit is not None and audit["actor_id"] == cashier.staff.id and audit["detail"]["reason"] == "顾客来电挂失"


async def test_reissue_gives_a_new_number_with_the_same_balances_and_retires_the_old_one(
    gql: Gql, mongo: Mongo, owner_token: str, customer: Customer
) -> None:
    # given a funded member whose card was reported lost
    await _fund(mongo, customer)
    old = (await card_doc(mongo, customer))["number"]
    await gql("admin", REPORT_LOST, {"id": customer.gid}, token=owner_token)

    # when the owner reissues the card
    body = await gql("admin", REISSUE, {"id": customer.gid}, token=owner_token)

    # then it is active under a new number with every balance as it was
    card = body["data"]["reissueCard"]["card"]
    assert card["number"] != old and card["status"] == "ACTIVE"
    assert (card["points"], card["storedValue"], card["storedValueBonus"]) == (500, 12_000, 2_000)
    assert card["countCards"] == [{"remaining": 5}]

    # and the old number is refused at the counter while the new one finds the member
    by_old = await gql("admin", LOOKUP_BY_NUMBER, {"number": old}, token=owner_token)
    by_new = await gql("admin", LOOKUP_BY_NUMBER, {"number": card["number"]}, token=owner_token)
    assert by_old["data"]["lookupMember"]["userErrors"] == [{"code": "CARD_REPLACED"}]
    assert by_new["data"]["lookupMember"]["member"]["id"] == customer.gid
    audit = await mongo.db[c.AUDIT_LOG].find_one({"action": "card.reissue"})
    assert audit is not None and (audit["detail"]["old_number"], audit["detail"]["number"]) == (old, card["number"])


async def test_a_technician_cannot_report_lost_and_a_cashier_cannot_reissue(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, customer: Customer
) -> None:
    # given a technician and a cashier
    technician = await hire(mongo, pii, gql, shop, Role.TECHNICIAN, "13900000402")
    cashier = await hire(mongo, pii, gql, shop, Role.CASHIER, "13900000403")

    # when each tries what their role does not allow
    lost = await gql("admin", REPORT_LOST, {"id": customer.gid}, token=technician.token)
    reissued = await gql("admin", REISSUE, {"id": customer.gid}, token=cashier.token)

    # then both are forbidden and the card is untouched
    assert lost["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert reissued["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await card_doc(mongo, customer))["status"] == "ACTIVE"
