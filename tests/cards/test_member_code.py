"""The member code (会员码) and the counter lookup: a fresh code identifies the member once; a second scan, an
old screenshot, a tampered code or another merchant's code is refused; card number and phone work too.
"""

import asyncio
import secrets
from datetime import UTC, datetime
from typing import Any

from db import collections as c
from db.mongo import Mongo
from domain.cards.member_code import signer_for, window_of
from domain.keyring import Keyring
from domain.pii import PiiCipher
from tests.cards.conftest import Customer, sign_in
from tests.conftest import SECRET_KEY, Gql, Shop, open_shop, staff_token

MEMBER_CODE = "query { memberCode { code expiresAt } }"
LOOKUP = """
mutation($input: LookupMemberInput!) {
  lookupMember(input: $input) {
    member { id card { number points } }
    userErrors { field code message }
  }
}
"""


async def _lookup(gql: Gql, token: str, **given: str) -> dict[str, Any]:
    body = await gql("admin", LOOKUP, {"input": given}, token=token)
    payload: dict[str, Any] = body["data"]["lookupMember"]
    return payload


async def test_scanning_a_fresh_member_code_identifies_the_member_once(
    gql: Gql, owner_token: str, customer: Customer
) -> None:
    # given a member showing the code on their card screen
    shown = (await gql("member", MEMBER_CODE, token=customer.token))["data"]["memberCode"]

    # when the cashier scans it, and a second till scans the same code
    first = await _lookup(gql, owner_token, code=shown["code"])
    second = await _lookup(gql, owner_token, code=shown["code"])

    # then the first scan finds the member and the second is refused
    assert first["member"]["id"] == customer.gid and first["userErrors"] == []
    assert second["userErrors"][0]["code"] == "MEMBER_CODE_USED"


async def test_a_member_code_typed_by_hand_in_lower_case_is_read_like_a_scan(
    gql: Gql, owner_token: str, customer: Customer
) -> None:
    # given a member whose scanner does not work, reading their code out
    shown = (await gql("member", MEMBER_CODE, token=customer.token))["data"]["memberCode"]

    # when the cashier types it in lower case, with a stray space
    typed = await _lookup(gql, owner_token, code=f" {shown['code'].lower()} ")

    # then it finds the member, as the coupon redeem code already does
    assert typed["member"]["id"] == customer.gid and typed["userErrors"] == []


async def test_a_code_with_and_without_its_prefix_is_one_code_used_once(
    gql: Gql, owner_token: str, customer: Customer
) -> None:
    # given a fresh member code, scanned by one till and typed without its MBR- prefix at another, at once
    shown = (await gql("member", MEMBER_CODE, token=customer.token))["data"]["memberCode"]["code"]
    assert shown.startswith("MBR-")

    # when both reach the API together
    scanned, typed = await asyncio.gather(
        _lookup(gql, owner_token, code=shown), _lookup(gql, owner_token, code=shown.removeprefix("MBR-"))
    )

    # then one finds the member and the other is told the code was used
    found = [r["member"]["id"] for r in (scanned, typed) if r["member"]]
    refused = [r["userErrors"][0]["code"] for r in (scanned, typed) if r["userErrors"]]
    assert (found, refused) == ([customer.gid], ["MEMBER_CODE_USED"])


async def test_a_screenshot_of_an_old_code_is_expired(gql: Gql, owner_token: str, customer: Customer) -> None:
    # given a code signed for this member two minutes ago (a screenshot someone kept)
    signer = signer_for(Keyring(SECRET_KEY))
    old = signer.sign(
        customer.merchant_id, customer.member_id, window_of(datetime.now(UTC)) - 2, secrets.token_bytes(4)
    )

    # when the cashier scans it
    result = await _lookup(gql, owner_token, code=old)

    # then it is refused as expired, in the cashier's language
    assert result["userErrors"] == [
        {"field": "code", "code": "MEMBER_CODE_EXPIRED", "message": "会员码已过期，请让顾客刷新后再扫"}
    ]


async def test_a_tampered_code_or_another_merchants_code_is_invalid(
    gql: Gql, mongo: Mongo, pii: PiiCipher, owner_token: str, customer: Customer
) -> None:
    # given a fresh code, the same code with one character changed, and a second merchant's cashier
    code = (await gql("member", MEMBER_CODE, token=customer.token))["data"]["memberCode"]["code"]
    tampered = code[:5] + ("A" if code[5] != "A" else "B") + code[6:]
    other = await open_shop(mongo, pii, "13900000501", name="乙店")
    other_token = await staff_token(gql, other.owner_phone)

    # when each is scanned
    by_tampered = await _lookup(gql, owner_token, code=tampered)
    by_other_merchant = await _lookup(gql, other_token, code=code)

    # then both are invalid, and the genuine code is still unused for its own merchant
    assert by_tampered["userErrors"][0]["code"] == "MEMBER_CODE_INVALID"
    assert by_other_merchant["userErrors"][0]["code"] == "MEMBER_CODE_INVALID"
    assert (await _lookup(gql, owner_token, code=code))["member"]["id"] == customer.gid


async def test_the_counter_finds_a_member_by_card_number_or_bound_phone(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, owner_token: str, customer: Customer
) -> None:
    # given a member whose card has a bound phone, and a second member with no phone
    await sign_in(gql, shop, "bob")
    await mongo.db[c.CARDS].update_one(
        {"member_id": customer.member_id},
        {"$set": {"phone_enc": pii.encrypt("13812345678"), "phone_hash": pii.lookup_hash("13812345678")}},
    )
    card = await mongo.db[c.CARDS].find_one({"member_id": customer.member_id})
    assert card is not None

    # when the cashier types the card number, then the phone, then a phone nobody has, then two criteria at once
    by_number = await _lookup(gql, owner_token, cardNumber=card["number"])
    by_phone = await _lookup(gql, owner_token, phone="+86 138-1234-5678")
    unknown = await _lookup(gql, owner_token, phone="13800000000")
    both = await _lookup(gql, owner_token, phone="13812345678", cardNumber=card["number"])

    # then the first two find the member and the others say why not
    assert by_number["member"]["id"] == by_phone["member"]["id"] == customer.gid
    assert unknown["userErrors"][0]["code"] == "MEMBER_NOT_FOUND"
    assert both["userErrors"][0]["code"] == "LOOKUP_INVALID"
