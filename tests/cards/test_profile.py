"""The member's profile: nickname, a birthday set once, and a phone bound through WeChat's getPhoneNumber code,
stored encrypted and shown masked.
"""

import uuid
from typing import Any

from db import collections as c
from db.mongo import Mongo
from tests.cards.conftest import Customer
from tests.conftest import Channels, Gql

UPDATE = """
mutation($input: UpdateProfileInput!) {
  updateProfile(input: $input) {
    member { nickname card { birthday phone } }
    userErrors { field code }
  }
}
"""


async def _update(gql: Gql, who: Customer, **given: str) -> dict[str, Any]:
    body = await gql("member", UPDATE, {"input": given}, token=who.token)
    payload: dict[str, Any] = body["data"]["updateProfile"]
    return payload


async def test_member_sets_nickname_birthday_and_binds_a_phone_stored_encrypted(
    gql: Gql, mongo: Mongo, channels: Channels, customer: Customer
) -> None:
    # given WeChat will answer this getPhoneNumber code with the member's number
    phone_code = f"phone-{uuid.uuid4().hex}"
    channels.state.phones[phone_code] = "13812345678"

    # when the member fills in their profile
    result = await _update(gql, customer, nickname=" 小明 ", birthday="1990-05-17", phoneCode=phone_code)

    # then the profile shows it, with the phone masked
    assert result == {
        "member": {"nickname": "小明", "card": {"birthday": "1990-05-17", "phone": "138****5678"}},
        "userErrors": [],
    }

    # and the database holds no readable phone number anywhere on the card
    card = await mongo.db[c.CARDS].find_one({"member_id": customer.member_id})
    assert card is not None and "13812345678" not in repr(card)


async def test_a_birthday_is_set_once(gql: Gql, mongo: Mongo, customer: Customer) -> None:
    # given a member who set their birthday
    await _update(gql, customer, birthday="1990-05-17")

    # when they send the same date again, and then try a different one (a birthday gift every month)
    same = await _update(gql, customer, birthday="1990-05-17", nickname="小明")
    changed = await _update(gql, customer, birthday="1990-06-17", nickname="小红")

    # then the same date is fine, the change is refused and nothing of that request was written
    assert same["userErrors"] == []
    assert changed == {"member": None, "userErrors": [{"field": "birthday", "code": "BIRTHDAY_ALREADY_SET"}]}
    member = await mongo.db[c.MEMBERS].find_one({"_id": customer.member_id})
    assert member is not None and member["nickname"] == "小明"


async def test_an_unknown_phone_code_and_a_future_birthday_are_refused(gql: Gql, customer: Customer) -> None:
    # when the member sends a getPhoneNumber code WeChat does not know, then a birthday in the future
    bad_code = await _update(gql, customer, phoneCode="not-a-real-code")
    future = await _update(gql, customer, birthday="2999-01-01")

    # then each is refused on its own field
    assert bad_code["userErrors"] == [{"field": "phoneCode", "code": "PHONE_CODE_INVALID"}]
    assert future["userErrors"] == [{"field": "birthday", "code": "BIRTHDAY_INVALID"}]
