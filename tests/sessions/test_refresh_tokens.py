"""Refresh tokens on the member door: each is used once and replaced; a used one presented again means it
leaked, so every token descended from the same login is revoked.
"""

import asyncio
from datetime import timedelta
from typing import Any

from db import collections as c
from db.mongo import Mongo
from domain.keyring import Keyring
from domain.sessions import TokenSigner, start_session
from tests.conftest import SECRET_KEY, Gql, Shop
from tests.members.conftest import fresh_code, log_in
from tests.sessions.conftest import SignedIn

REFRESH = """
mutation($token: String!) {
  refreshToken(input: {refreshToken: $token}) {
    session { accessToken refreshToken }
    userErrors { field code message }
  }
}
"""
ME = "query { me { id } }"


async def _refresh(gql: Gql, token: str, door: str = "member") -> dict[str, Any]:
    body = await gql(door, REFRESH, {"token": token})
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["refreshToken"]
    return payload


def _codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


async def test_refresh_gives_a_new_pair_that_works(gql: Gql, member: SignedIn) -> None:
    # when the member trades their refresh token in
    payload = await _refresh(gql, member.refresh_token)

    # then they get a new access token that reaches `me`, and a different refresh token
    session = payload["session"]
    assert payload["userErrors"] == [] and session is not None
    assert session["refreshToken"] != member.refresh_token
    me = await gql("member", ME, token=session["accessToken"])
    assert "errors" not in me, me


async def test_rotated_refresh_token_can_be_rotated_again(gql: Gql, member: SignedIn) -> None:
    # given a member who refreshed once
    second = (await _refresh(gql, member.refresh_token))["session"]["refreshToken"]

    # when they refresh again with the token they were given
    third = await _refresh(gql, second)

    # then that works too
    assert third["userErrors"] == [] and third["session"] is not None


async def test_reused_refresh_token_revokes_the_whole_family(gql: Gql, shop: Shop, member: SignedIn) -> None:
    # given a member who refreshed (so their first refresh token is spent) and a second, separate login
    rotated = (await _refresh(gql, member.refresh_token))["session"]["refreshToken"]
    other_login = (await log_in(gql, shop, fresh_code("member")))["session"]["refreshToken"]

    # when the spent token is presented again (a thief replaying it, or the member after the thief did)
    replay = await _refresh(gql, member.refresh_token)

    # then it is refused as reused, the token that replaced it is dead too, and the other login is untouched
    assert replay["session"] is None
    assert replay["userErrors"] == [
        {
            "field": "refreshToken",
            "code": "REFRESH_TOKEN_REUSED",
            "message": "登录凭证已被使用，为安全起见请重新登录",
        }
    ]
    assert _codes(await _refresh(gql, rotated)) == ["INVALID_REFRESH_TOKEN"]
    assert _codes(await _refresh(gql, other_login)) == []


async def test_two_concurrent_refreshes_of_one_token_give_at_most_one_session(
    gql: Gql, mongo: Mongo, member: SignedIn
) -> None:
    # when the mini-program fires two refreshes of the same token at once
    first, second = await asyncio.gather(_refresh(gql, member.refresh_token), _refresh(gql, member.refresh_token))

    # then at most one new session exists, and the other caller is told the token was already used
    sessions = [p["session"] for p in (first, second) if p["session"] is not None]
    assert len(sessions) <= 1
    assert "REFRESH_TOKEN_REUSED" in _codes(first) + _codes(second)
    assert await mongo.db[c.REFRESH_TOKENS].count_documents({}) == 1 + len(sessions)
    # and the reuse revoked the family, so a session that got through cannot be extended either
    for session in sessions:
        assert _codes(await _refresh(gql, session["refreshToken"])) == ["INVALID_REFRESH_TOKEN"]


async def test_unknown_refresh_token_is_invalid(gql: Gql, member: SignedIn) -> None:
    # when a made-up refresh token is presented
    payload = await _refresh(gql, "made-up-token")

    # then it is refused, in English when asked
    assert _codes(payload) == ["INVALID_REFRESH_TOKEN"]
    english = await gql("member", REFRESH, {"token": "made-up-token"}, lang="en")
    assert english["data"]["refreshToken"]["userErrors"][0]["message"] == "The refresh token is invalid or expired."


async def test_expired_refresh_token_is_invalid(gql: Gql, mongo: Mongo, member: SignedIn) -> None:
    # given a session whose refresh token expired a second ago
    short_lived = TokenSigner(Keyring(SECRET_KEY), access_ttl=timedelta(minutes=15), refresh_ttl=timedelta(seconds=-1))
    tokens = await start_session(mongo=mongo, signer=short_lived, principal=member.principal)

    # when it is presented, then it is refused
    assert _codes(await _refresh(gql, tokens.refresh_token)) == ["INVALID_REFRESH_TOKEN"]


async def test_member_refresh_token_is_not_accepted_at_the_admin_door(gql: Gql, member: SignedIn) -> None:
    # when a member's refresh token is sent to the staff schema
    payload = await _refresh(gql, member.refresh_token, door="admin")

    # then it is refused there and still works where it belongs
    assert _codes(payload) == ["INVALID_REFRESH_TOKEN"]
    assert _codes(await _refresh(gql, member.refresh_token)) == []
