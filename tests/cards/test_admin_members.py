"""Members in the admin: search by card number, phone or nickname prefix (paginated), phones masked below
MANAGER, manual adjustments with a reason by managers only, and nothing at all of another merchant's members.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from db import collections as c
from db.mongo import Mongo
from domain.cards import count_cards
from domain.cards.ledger import SYSTEM
from domain.pii import PiiCipher
from domain.tenancy import Role
from schema.ids import to_global_id
from schema.messages import EN, message
from tests.cards.conftest import Customer, hire, sign_in
from tests.conftest import Gql, Shop, open_shop, staff_token

SEARCH = """
query($first: Int, $after: String, $cardNumber: String, $phone: String, $nickname: String) {
  members(first: $first, after: $after, cardNumber: $cardNumber, phone: $phone, nickname: $nickname) {
    edges { node { id nickname card { number phone } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
DETAIL = """
query($id: ID!) {
  member(id: $id) {
    id
    card { storedValue storedValuePaid storedValueBonus points }
    ledger(first: 10) { edges { node { kind account amount bonusPart reason staffMemberId } } }
  }
}
"""
ADJUST = """
mutation($input: AdjustBalanceInput!) {
  adjustBalance(input: $input) {
    ledgerEntry { kind amount balanceAfter reason staffMemberId }
    userErrors { field code }
  }
}
"""


async def _members(gql: Gql, shop: Shop, nicknames: list[str]) -> list[Customer]:
    customers = []
    for i, nickname in enumerate(nicknames):
        who = await sign_in(gql, shop, f"user{i}")
        await gql(
            "member",
            "mutation($n: String!) { updateProfile(input: {nickname: $n}) { userErrors { code } } }",
            {"n": nickname},
            token=who.token,
        )
        customers.append(who)
    return customers


def _ids(body: dict[str, Any]) -> list[str]:
    return [e["node"]["id"] for e in body["data"]["members"]["edges"]]


async def test_search_by_nickname_prefix_pages_through_matches_only(gql: Gql, shop: Shop, owner_token: str) -> None:
    # given three 张 and one 李
    customers = await _members(gql, shop, ["张三", "李四", "张五", "张六"])
    zhangs = [customers[0].gid, customers[2].gid, customers[3].gid]

    # when staff search 张 two at a time
    first = await gql("admin", SEARCH, {"nickname": "张", "first": 2}, token=owner_token)
    cursor = first["data"]["members"]["pageInfo"]["endCursor"]
    rest = await gql("admin", SEARCH, {"nickname": "张", "first": 2, "after": cursor}, token=owner_token)

    # then the pages hold the three 张, in joining order, and then end
    assert _ids(first) + _ids(rest) == zhangs
    assert first["data"]["members"]["pageInfo"]["hasNextPage"] is True
    assert rest["data"]["members"]["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize("nickname", ["张" * 1_000, "(" * 600, ".*" * 300], ids=["long", "parens", "dot-stars"])
async def test_a_nickname_search_over_32_characters_is_refused_with_a_typed_error(
    gql: Gql, shop: Shop, owner_token: str, nickname: str
) -> None:
    # given a member
    await _members(gql, shop, ["张三"])

    # when staff search by a nickname no member can have: over 32 characters, or hundreds of regex metacharacters
    body = await gql("admin", SEARCH, {"nickname": nickname}, token=owner_token, lang="en")

    # then the search is refused on that argument, in the caller's language, instead of failing inside
    [error] = body["errors"]
    assert error["extensions"] == {"code": "SEARCH_TOO_LONG", "field": "nickname"}
    assert error["message"] == message("SEARCH_TOO_LONG", EN)
    assert body["data"] is None


async def test_a_nickname_search_takes_regex_characters_literally(gql: Gql, shop: Shop, owner_token: str) -> None:
    # given members whose nicknames hold characters a regular expression would read as operators
    customers = await _members(gql, shop, ["a.b", "axb", "(小)明", "^_^", "小明"])

    # when staff search for those characters
    found = {
        text: _ids(await gql("admin", SEARCH, {"nickname": text}, token=owner_token))
        for text in ("a.", "(", "(小)", "^", "*")
    }

    # then each finds exactly the nicknames starting with those very characters
    assert found == {
        "a.": [customers[0].gid],
        "(": [customers[2].gid],
        "(小)": [customers[2].gid],
        "^": [customers[3].gid],
        "*": [],
    }


async def test_search_by_card_number_and_by_phone_masks_the_phone_below_manager(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, owner_token: str
) -> None:
    # given a member with a bound phone, another without, and a cashier
    alice, _ = await _members(gql, shop, ["Alice", "Bob"])
    await mongo.db[c.CARDS].update_one(
        {"member_id": alice.member_id},
        {"$set": {"phone_enc": pii.encrypt("13812345678"), "phone_hash": pii.lookup_hash("13812345678")}},
    )
    card = await mongo.db[c.CARDS].find_one({"member_id": alice.member_id})
    assert card is not None
    cashier = await hire(mongo, pii, gql, shop, Role.CASHIER, "13900000601")

    # when the owner searches by card number and the cashier by phone
    by_number = await gql("admin", SEARCH, {"cardNumber": card["number"]}, token=owner_token)
    by_phone = await gql("admin", SEARCH, {"phone": "138 1234 5678"}, token=cashier.token)

    # then both find Alice only; the owner sees the phone in full, the cashier masked
    assert [e["node"]["card"]["phone"] for e in by_number["data"]["members"]["edges"]] == ["13812345678"]
    assert [e["node"]["card"]["phone"] for e in by_phone["data"]["members"]["edges"]] == ["138****5678"]
    assert _ids(by_number) == _ids(by_phone) == [alice.gid]


async def test_manager_adjusts_with_a_reason_and_it_shows_in_the_ledger_with_their_id(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, customer: Customer
) -> None:
    # given a manager
    manager = await hire(mongo, pii, gql, shop, Role.MANAGER, "13900000602")
    adjust = {
        "memberId": customer.gid,
        "account": "STORED_VALUE",
        "amount": 2_000,
        "reason": "服务投诉补偿",
        "idempotencyKey": "complaint-42",
    }

    # when they credit 20 yuan as a goodwill gesture, and the request is sent twice
    first = await gql("admin", ADJUST, {"input": adjust}, token=manager.token)
    again = await gql("admin", ADJUST, {"input": adjust}, token=manager.token)

    # then 20 yuan of bonus is on the card once, the ledger names the manager and the reason
    manager_gid = first["data"]["adjustBalance"]["ledgerEntry"]["staffMemberId"]
    assert first["data"]["adjustBalance"]["ledgerEntry"] == again["data"]["adjustBalance"]["ledgerEntry"]
    detail = (await gql("admin", DETAIL, {"id": customer.gid}, token=manager.token))["data"]["member"]
    assert detail["card"] == {"storedValue": 2_000, "storedValuePaid": 0, "storedValueBonus": 2_000, "points": 0}
    assert [e["node"] for e in detail["ledger"]["edges"]] == [
        {
            "kind": "ADJUSTMENT",
            "account": "STORED_VALUE",
            "amount": 2_000,
            "bonusPart": 2_000,
            "reason": "服务投诉补偿",
            "staffMemberId": manager_gid,
        }
    ]
    assert await mongo.db[c.AUDIT_LOG].count_documents({"action": "ledger.adjust", "actor_id": manager.staff.id}) == 1


async def test_adjustments_need_a_reason_stay_above_zero_and_a_manager(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, owner_token: str, customer: Customer
) -> None:
    # given a cashier
    cashier = await hire(mongo, pii, gql, shop, Role.CASHIER, "13900000603")
    base = {"memberId": customer.gid, "account": "POINTS", "idempotencyKey": "k1"}

    # when the owner gives no reason, then takes more points than there are, and the cashier adjusts at all
    no_reason = await gql("admin", ADJUST, {"input": {**base, "amount": 10, "reason": " "}}, token=owner_token)
    overdraw = await gql("admin", ADJUST, {"input": {**base, "amount": -10, "reason": "更正"}}, token=owner_token)
    by_cashier = await gql("admin", ADJUST, {"input": {**base, "amount": 10, "reason": "送积分"}}, token=cashier.token)

    # then each is refused in its own way and the ledger is empty
    assert no_reason["data"]["adjustBalance"]["userErrors"] == [{"field": "reason", "code": "REASON_REQUIRED"}]
    assert overdraw["data"]["adjustBalance"]["userErrors"] == [{"field": "amount", "code": "INSUFFICIENT_BALANCE"}]
    assert by_cashier["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await mongo.db[c.LEDGER].count_documents({}) == 0


LOST = 'mutation($id: ID!) { reportCardLost(input: {memberId: $id, reason: "x"}) { userErrors { code } } }'
GRANT = """
mutation($id: ID!) {
  grantCountCard(input: {memberId: $id, name: "x", uses: 1, expiresAt: "2099-01-01T00:00:00+08:00",
                         idempotencyKey: "k"}) { userErrors { code } }
}
"""


async def test_staff_of_another_merchant_can_neither_see_nor_change_a_member(
    gql: Gql, mongo: Mongo, pii: PiiCipher, customer: Customer
) -> None:
    # given the owner of another merchant, who somehow learned the member's id and card number
    other = await open_shop(mongo, pii, "13900000604", name="乙店")
    token = await staff_token(gql, other.owner_phone)
    card = await mongo.db[c.CARDS].find_one({"member_id": customer.member_id})
    assert card is not None
    adjust = {"memberId": customer.gid, "account": "POINTS", "amount": 100, "reason": "x", "idempotencyKey": "k"}
    package = await count_cards.grant_count_card(
        mongo=mongo,
        merchant_id=customer.merchant_id,
        member_id=customer.member_id,
        name="洗车",
        uses=3,
        expires_at=datetime.now(UTC) + timedelta(days=1),
        reference="order-1",
        idempotency_key="order-1:package",
        actor=SYSTEM,
    )

    # when they read, search, look up, adjust, report lost, reissue and grant
    detail = await gql("admin", DETAIL, {"id": customer.gid}, token=token)
    search = await gql("admin", SEARCH, {"cardNumber": card["number"]}, token=token)
    listed = await gql("admin", SEARCH, {}, token=token)
    lookup = await gql(
        "admin",
        "mutation($n: String!) { lookupMember(input: {cardNumber: $n}) { userErrors { code } } }",
        {"n": card["number"]},
        token=token,
    )
    adjusted = await gql("admin", ADJUST, {"input": adjust}, token=token)
    lost = await gql("admin", LOST, {"id": customer.gid}, token=token)
    reissued = await gql("admin", LOST.replace("reportCardLost", "reissueCard"), {"id": customer.gid}, token=token)
    granted = await gql("admin", GRANT, {"id": customer.gid}, token=token)
    used = await gql(
        "admin",
        'mutation($id: ID!) { useCountCard(input: {countCardId: $id, idempotencyKey: "k"}) { userErrors { code } } }',
        {"id": to_global_id("CountCard", package.count_card.id)},
        token=token,
    )

    # then they see nothing and change nothing
    assert detail["data"]["member"] is None
    assert search["data"]["members"]["edges"] == [] and listed["data"]["members"]["edges"] == []
    assert lookup["data"]["lookupMember"]["userErrors"] == [{"code": "MEMBER_NOT_FOUND"}]
    assert adjusted["data"]["adjustBalance"]["userErrors"] == [{"field": "memberId", "code": "CARD_NOT_FOUND"}]
    assert lost["data"]["reportCardLost"]["userErrors"] == [{"code": "CARD_NOT_FOUND"}]
    assert reissued["data"]["reissueCard"]["userErrors"] == [{"code": "CARD_NOT_FOUND"}]
    assert granted["data"]["grantCountCard"]["userErrors"] == [{"code": "CARD_NOT_FOUND"}]
    assert used["data"]["useCountCard"]["userErrors"] == [{"code": "COUNT_CARD_NOT_FOUND"}]
    after = await mongo.db[c.CARDS].find_one({"member_id": customer.member_id})
    assert after == card
    assert await mongo.db[c.LEDGER].count_documents({}) == 1  # the package's own grant
