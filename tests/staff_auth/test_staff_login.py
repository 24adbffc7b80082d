"""Staff sign-in by phone and password: sessions for the right password, one vague error for everything
else, and a lockout after five failures that concurrent guesses cannot get around.
"""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from domain.pii import PiiCipher
from domain.staff_auth import attempts_key
from schema.messages import EN, ZH, message
from startup.settings import Settings
from tests.conftest import OWNER_PASSWORD, Gql, Shop

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

WRONG_PASSWORD = "not-the-password"


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
    slots = attempts_key(pii.lookup_hash(shop.owner_phone))

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
