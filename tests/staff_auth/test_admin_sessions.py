"""Session rotation on the admin door: a refresh token works once, a replayed one revokes its whole family,
and a member's refresh token is no key to the admin door.
"""

import asyncio
import uuid
from typing import Any

from schema.ids import to_global_id
from tests.conftest import OWNER_PASSWORD, STAFF_LOGIN, Gql, Shop

REFRESH_TOKEN = """
mutation($refreshToken: String!) {
  refreshToken(input: {refreshToken: $refreshToken}) {
    session { accessToken refreshToken }
    userErrors { field code message }
  }
}
"""

MEMBER_LOGIN = """
mutation($input: LoginInput!) {
  login(input: $input) {
    session { refreshToken }
    userErrors { code }
  }
}
"""

ME = "query { me { role } }"


async def owner_session(gql: Gql, shop: Shop) -> dict[str, str]:
    body = await gql("admin", STAFF_LOGIN, {"phone": shop.owner_phone, "password": OWNER_PASSWORD})
    session: dict[str, str] = body["data"]["staffLogin"]["session"]
    assert session, body
    return session


async def refresh(gql: Gql, refresh_token: str, door: str = "admin") -> dict[str, Any]:
    body = await gql(door, REFRESH_TOKEN, {"refreshToken": refresh_token})
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["refreshToken"]
    return payload


def error_code(payload: dict[str, Any]) -> str:
    assert payload["session"] is None
    [error] = payload["userErrors"]
    return str(error["code"])


async def test_refresh_rotates_to_a_new_pair_that_works(gql: Gql, shop: Shop) -> None:
    # given a signed-in owner
    first = await owner_session(gql, shop)

    # when the admin app refreshes the session
    payload = await refresh(gql, first["refreshToken"])

    # then it gets a new pair: the new access token signs in and the new refresh token refreshes again
    assert payload["userErrors"] == []
    second = payload["session"]
    assert second["refreshToken"] != first["refreshToken"]
    assert await gql("admin", ME, token=second["accessToken"]) == {"data": {"me": {"role": "OWNER"}}}
    assert (await refresh(gql, second["refreshToken"]))["userErrors"] == []


async def test_replayed_refresh_token_revokes_the_whole_family(gql: Gql, shop: Shop) -> None:
    # given a session refreshed once, so its first refresh token is spent
    first = await owner_session(gql, shop)
    second = (await refresh(gql, first["refreshToken"]))["session"]

    # when the spent token is presented again (it leaked, or a thief kept a copy)
    replay = await refresh(gql, first["refreshToken"])

    # then the replay is refused as reuse, and the newer refresh token, possibly the thief's, dies with it
    assert error_code(replay) == "REFRESH_TOKEN_REUSED"
    assert error_code(await refresh(gql, second["refreshToken"])) == "INVALID_REFRESH_TOKEN"


async def test_concurrent_refreshes_of_one_token_yield_one_session(gql: Gql, shop: Shop) -> None:
    # given one refresh token, sent ten times at once (a flaky network retrying)
    token = (await owner_session(gql, shop))["refreshToken"]

    # when the refreshes race
    results = await asyncio.gather(*(refresh(gql, token) for _ in range(10)))

    # then exactly one of them rotated the session; the rest look like reuse
    sessions = [r["session"] for r in results if r["session"] is not None]
    assert len(sessions) == 1
    assert sorted(error_code(r) for r in results if r["session"] is None) == ["REFRESH_TOKEN_REUSED"] * 9


async def test_member_refresh_token_is_refused_on_the_admin_door(gql: Gql, shop: Shop) -> None:
    # given a member signed in through the mini-program
    login = {
        "code": f"xiaohong.{uuid.uuid4().hex}",
        "channel": "WECHAT",
        "merchantId": to_global_id("Merchant", shop.merchant.merchant.id),
    }
    body = await gql("member", MEMBER_LOGIN, {"input": login})
    member_refresh = body["data"]["login"]["session"]["refreshToken"]

    # when their refresh token is presented at the admin door
    payload = await refresh(gql, member_refresh)

    # then it is not an admin session, and the attempt did not spend the member's token
    assert error_code(payload) == "INVALID_REFRESH_TOKEN"
    assert (await refresh(gql, member_refresh, door="member"))["userErrors"] == []
