"""Staff sign-in by phone and password: sessions for the right password, one vague error for everything
else, and a lockout that concurrent guesses cannot get around: five failures lock a phone at one client
address, a higher ceiling locks it everywhere, so a stranger alone cannot lock the real person out of their own
device; an owner can lift a lockout.
"""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from db import collections as c
from db.mongo import Mongo
from domain.pii import PiiCipher
from domain.staff_auth import attempts_key
from domain.tenancy import Role
from schema.messages import EN, ZH, message
from startup.settings import Settings
from tests.conftest import OWNER_PASSWORD, Gql, Shop, open_shop, staff_token
from tests.staff_auth.conftest import Doors, serve
from tests.tenancy.conftest import STAFF_PASSWORD, forbidden, gid, hire

STAFF_LOGIN = """
mutation($phone: String!, $password: String!) {
  staffLogin(input: {phone: $phone, password: $password}) {
    session { accessToken accessTokenExpiresAt refreshToken refreshTokenExpiresAt }
    staffMember { name role }
    userErrors { field code message }
  }
}
"""

ME = "query { me { name role } }"

UNLOCK_STAFF = """
mutation($input: UnlockStaffInput!) {
  unlockStaff(input: $input) {
    staffMember { id name }
    userErrors { field code message }
  }
}
"""

WRONG_PASSWORD = "not-the-password"
# The test client's own address, a stranger's, the owner's phone, and a proxy the service may be told to trust.
TEST_CLIENT, STRANGER, OWNER_DEVICE, PROXY = "127.0.0.1", "203.0.113.9", "198.51.100.1", "10.0.0.1"


async def log_in(gql: Gql, phone: str, password: str, *, lang: str | None = None) -> dict[str, Any]:
    body = await gql("admin", STAFF_LOGIN, {"phone": phone, "password": password}, lang=lang)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["staffLogin"]
    return payload


def outcome(payload: dict[str, Any]) -> str:
    """What a sign-in came to: OK, or the code of its single user error."""
    if payload["session"] is not None:
        assert payload["userErrors"] == []
        return "OK"
    [error] = payload["userErrors"]
    return str(error["code"])


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client = Redis.from_url(settings.redis_url.get_secret_value(), decode_responses=True)
    yield client
    await client.aclose()


async def test_right_password_returns_a_session_that_opens_the_admin_door(gql: Gql, shop: Shop) -> None:
    # given the owner of a shop
    # when they sign in with their phone and password
    payload = await log_in(gql, shop.owner_phone, OWNER_PASSWORD)

    # then they get both tokens and the access token signs them in
    assert payload["userErrors"] == []
    assert payload["staffMember"] == {"name": "店主", "role": "OWNER"}
    session = payload["session"]
    assert session["refreshToken"] and session["accessTokenExpiresAt"] < session["refreshTokenExpiresAt"]
    me = await gql("admin", ME, token=session["accessToken"])
    assert me == {"data": {"me": {"name": "店主", "role": "OWNER"}}}


async def test_phone_may_be_typed_with_country_code_and_separators(gql: Gql, shop: Shop) -> None:
    # given an owner registered as 13900000001
    # when they type the number as it appears on a business card
    payload = await log_in(gql, "+86 139-0000-0001", OWNER_PASSWORD)

    # then it is the same account
    assert outcome(payload) == "OK"


async def test_wrong_password_and_unknown_phone_get_the_same_answer(gql: Gql, shop: Shop) -> None:
    # given a shop whose owner is 13900000001
    # when someone tries a wrong password, and someone else a phone nobody registered
    wrong_password = await log_in(gql, shop.owner_phone, WRONG_PASSWORD)
    unknown_phone = await log_in(gql, "13700000000", OWNER_PASSWORD)

    # then both get the same error, so a guesser learns nothing about which phones have accounts
    assert wrong_password["userErrors"] == unknown_phone["userErrors"]
    assert wrong_password["userErrors"] == [
        {"field": "password", "code": "INVALID_CREDENTIALS", "message": message("INVALID_CREDENTIALS", ZH)}
    ]
    assert wrong_password["session"] is None and wrong_password["staffMember"] is None


async def test_errors_are_in_chinese_by_default_and_english_when_asked(gql: Gql, shop: Shop) -> None:
    # given a shop
    # when the same wrong sign-in comes from a Chinese and from an English admin app
    zh = await log_in(gql, shop.owner_phone, WRONG_PASSWORD)
    en = await log_in(gql, shop.owner_phone, WRONG_PASSWORD, lang="en")

    # then each reads its own language, under the same code
    assert zh["userErrors"][0]["message"] == message("INVALID_CREDENTIALS", ZH) == "手机号或密码错误"
    assert en["userErrors"][0]["message"] == message("INVALID_CREDENTIALS", EN) == "Wrong phone number or password."
    assert zh["userErrors"][0]["code"] == en["userErrors"][0]["code"]


async def test_five_failures_lock_the_account_even_against_the_right_password(gql: Gql, shop: Shop) -> None:
    # given five wrong passwords within the window
    failures = [outcome(await log_in(gql, shop.owner_phone, WRONG_PASSWORD)) for _ in range(5)]
    assert failures == ["INVALID_CREDENTIALS"] * 5

    # when the owner now types the right one, in English
    locked = await log_in(gql, shop.owner_phone, OWNER_PASSWORD, lang="en")

    # then the account is locked, and says so
    assert locked["userErrors"] == [
        {"field": "phone", "code": "STAFF_LOGIN_LOCKED", "message": message("STAFF_LOGIN_LOCKED", EN)}
    ]
    assert locked["session"] is None


async def test_a_successful_login_resets_the_failure_count(gql: Gql, shop: Shop) -> None:
    # given four wrong passwords, one short of the lock, then the right one
    for _ in range(4):
        assert outcome(await log_in(gql, shop.owner_phone, WRONG_PASSWORD)) == "INVALID_CREDENTIALS"
    assert outcome(await log_in(gql, shop.owner_phone, OWNER_PASSWORD)) == "OK"

    # when five more wrong passwords follow
    again = [outcome(await log_in(gql, shop.owner_phone, WRONG_PASSWORD)) for _ in range(5)]

    # then all five were checked (the count started over), and only then does the lock apply
    assert again == ["INVALID_CREDENTIALS"] * 5
    assert outcome(await log_in(gql, shop.owner_phone, OWNER_PASSWORD)) == "STAFF_LOGIN_LOCKED"


async def test_twenty_concurrent_wrong_guesses_get_only_five_password_checks(gql: Gql, shop: Shop) -> None:
    # given an attacker who fires twenty guesses at once, so none has failed when the others start
    guesses = [log_in(gql, shop.owner_phone, f"guess-{i:02d}-password") for i in range(20)]

    # when they all race
    results = Counter(outcome(p) for p in await asyncio.gather(*guesses))

    # then exactly five were checked against the password and the rest were refused unseen
    assert results == {"INVALID_CREDENTIALS": 5, "STAFF_LOGIN_LOCKED": 15}
    # and the account stays locked for the owner too
    assert outcome(await log_in(gql, shop.owner_phone, OWNER_PASSWORD)) == "STAFF_LOGIN_LOCKED"


async def test_right_password_racing_five_wrong_guesses_cannot_sneak_through(
    gql: Gql, shop: Shop, pii: PiiCipher, redis: Redis
) -> None:
    # given twenty wrong guesses racing, and the right password sent as soon as five of them hold a slot,
    # typically while those five are still being checked (argon2 takes tens of milliseconds each)
    slots = attempts_key(pii.lookup_hash(shop.owner_phone), TEST_CLIENT)

    async def right_password_after_five_reservations() -> dict[str, Any]:
        async with asyncio.timeout(10):
            while int(await redis.get(slots) or 0) < 5:  # noqa: ASYNC110 (the count lives in Redis, not an Event)
                await asyncio.sleep(0.002)
        return await log_in(gql, shop.owner_phone, OWNER_PASSWORD)

    # when they all race
    *wrong, right = await asyncio.gather(
        *(log_in(gql, shop.owner_phone, WRONG_PASSWORD) for _ in range(20)), right_password_after_five_reservations()
    )

    # then the right password came too late: five guesses had taken every check the window allows,
    # so only five passwords were ever compared and none of them was the owner's
    assert outcome(right) == "STAFF_LOGIN_LOCKED"
    assert Counter(outcome(p) for p in wrong) == {"INVALID_CREDENTIALS": 5, "STAFF_LOGIN_LOCKED": 15}


async def test_a_stranger_failing_from_elsewhere_cannot_lock_the_owner_out_of_their_own_device(
    doors: Doors, shop: Shop
) -> None:
    # given a stranger who knows the owner's phone number and tries ten wrong passwords from their own address
    stranger = await doors.at(STRANGER)
    tries = [outcome(await log_in(stranger, shop.owner_phone, WRONG_PASSWORD)) for _ in range(10)]

    # when the owner signs in from their own phone, and the stranger tries the right password
    owner = await doors.at(OWNER_DEVICE)
    owners_try = outcome(await log_in(owner, shop.owner_phone, OWNER_PASSWORD))
    strangers_try = outcome(await log_in(stranger, shop.owner_phone, OWNER_PASSWORD))

    # then the stranger was locked out after five failures, and stays so, while the owner signs in
    assert tries == ["INVALID_CREDENTIALS"] * 5 + ["STAFF_LOGIN_LOCKED"] * 5
    assert (owners_try, strangers_try) == ("OK", "STAFF_LOGIN_LOCKED")


async def test_twenty_guesses_at_once_from_twenty_addresses_lock_the_phone_at_its_higher_ceiling(
    settings: Settings, mongo: Mongo, shop: Shop
) -> None:
    # given a service allowing 5 failures per phone and address, and 8 per phone from anywhere
    async with serve(settings.model_copy(update={"staff_login_max_failures_per_phone": 8})) as doors:
        # when twenty guesses arrive at once, each from an address of its own
        guessers = [await doors.at(f"203.0.113.{i}") for i in range(20)]
        results = await asyncio.gather(
            *(log_in(g, shop.owner_phone, f"guess-{i:02d}-password") for i, g in enumerate(guessers))
        )
        owners_try = outcome(await log_in(await doors.at(OWNER_DEVICE), shop.owner_phone, OWNER_PASSWORD))

    # then exactly eight passwords were checked, and the phone is locked from everywhere, the owner's device too
    assert Counter(outcome(p) for p in results) == {"INVALID_CREDENTIALS": 8, "STAFF_LOGIN_LOCKED": 12}
    assert owners_try == "STAFF_LOGIN_LOCKED"


async def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(
    settings: Settings, mongo: Mongo, shop: Shop
) -> None:
    # given a service behind a proxy it is told to trust
    async with serve(settings.model_copy(update={"trusted_proxies": PROXY})) as doors:
        # when a stranger connecting directly claims, in X-Forwarded-For, to be the owner's phone, and fails six times
        liar = await doors.at(STRANGER, forwarded_for=OWNER_DEVICE)
        lies = [outcome(await log_in(liar, shop.owner_phone, WRONG_PASSWORD)) for _ in range(6)]
        # and then the owner signs in through the proxy, and the stranger, relayed by the proxy, tries once more
        owner = await doors.at(PROXY, forwarded_for=OWNER_DEVICE)
        owners_try = outcome(await log_in(owner, shop.owner_phone, OWNER_PASSWORD))
        relayed = await doors.at(PROXY, forwarded_for=STRANGER)
        relayed_try = outcome(await log_in(relayed, shop.owner_phone, OWNER_PASSWORD))

    # then the claim was ignored (the stranger's own address took the failures), the owner signs in, and behind
    # the proxy the address it forwards for is the one counted
    assert lies == ["INVALID_CREDENTIALS"] * 5 + ["STAFF_LOGIN_LOCKED"]
    assert (owners_try, relayed_try) == ("OK", "STAFF_LOGIN_LOCKED")


async def test_an_owner_unlocks_a_staff_member_locked_out_everywhere(
    settings: Settings, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a cashier whose phone took failures from a dozen addresses, their own included, and is locked
    cashier = await hire(mongo, pii, shop.merchant.owner, "13700000001", Role.CASHIER, name="收银小李")
    async with serve(settings.model_copy(update={"staff_login_max_failures_per_phone": 8})) as doors:
        for i in range(12):
            await log_in(await doors.at(f"203.0.113.{i}"), "13700000001", WRONG_PASSWORD)
        desk = await doors.at("192.0.2.50")
        for _ in range(6):
            await log_in(desk, "13700000001", WRONG_PASSWORD)
        assert outcome(await log_in(desk, "13700000001", STAFF_PASSWORD)) == "STAFF_LOGIN_LOCKED"

        # when the owner unlocks them
        office = await doors.at(OWNER_DEVICE)
        token = await staff_token(office, shop.owner_phone)
        body = await office("admin", UNLOCK_STAFF, {"input": {"staffId": gid(cashier)}}, token=token)

        # then the cashier signs in at their desk at once
        assert body["data"]["unlockStaff"] == {
            "staffMember": {"id": gid(cashier), "name": "收银小李"},
            "userErrors": [],
        }
        assert outcome(await log_in(desk, "13700000001", STAFF_PASSWORD)) == "OK"
    # and the owner's act is in the audit log
    [entry] = await mongo.db[c.AUDIT_LOG].find({"action": "staff.unlock"}).to_list()
    assert (entry["actor_id"], entry["target_id"]) == (shop.merchant.owner.id, cashier.id)


async def test_only_an_owner_of_the_same_merchant_may_unlock(
    doors: Doors, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a locked-out cashier, a manager of the same shop, and the owner of another merchant
    cashier = await hire(mongo, pii, shop.merchant.owner, "13700000001", Role.CASHIER)
    await hire(mongo, pii, shop.merchant.owner, "13700000002", Role.MANAGER)
    other = await open_shop(mongo, pii, "13900000002", name="乙店")
    desk = await doors.at("192.0.2.50")
    for _ in range(5):
        await log_in(desk, "13700000001", WRONG_PASSWORD)

    # when the manager, then the other merchant's owner, try to unlock the cashier, and the other owner a bad id
    office = await doors.at(OWNER_DEVICE)
    unlock = {"input": {"staffId": gid(cashier)}}
    by_manager = await office(
        "admin", UNLOCK_STAFF, unlock, token=await staff_token(office, "13700000002", STAFF_PASSWORD)
    )
    other_token = await staff_token(office, other.owner_phone)
    by_other_owner = await office("admin", UNLOCK_STAFF, unlock, token=other_token, lang="en")
    bad_id = await office("admin", UNLOCK_STAFF, {"input": {"staffId": "nonsense"}}, token=other_token)

    # then the manager is forbidden, the other owner finds no such staff member, and the cashier stays locked
    assert forbidden(by_manager)
    assert by_other_owner["data"]["unlockStaff"] == {
        "staffMember": None,
        "userErrors": [{"field": "staffId", "code": "STAFF_NOT_FOUND", "message": message("STAFF_NOT_FOUND", EN)}],
    }
    assert [e["code"] for e in bad_id["data"]["unlockStaff"]["userErrors"]] == ["INVALID_ID"]
    assert outcome(await log_in(desk, "13700000001", STAFF_PASSWORD)) == "STAFF_LOGIN_LOCKED"
    assert await mongo.db[c.AUDIT_LOG].count_documents({"action": "staff.unlock"}) == 0
