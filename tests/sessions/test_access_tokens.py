"""Access tokens at the doors: a good one reaches `me`; an expired, tampered, foreign or wrong-door one is a
401 before any GraphQL runs; no token at all is an anonymous request that `me` refuses.
"""

from datetime import UTC, datetime, timedelta

import httpx
from bson import ObjectId

from domain.sessions import Audience, Principal
from schema.ids import to_global_id
from tests.conftest import Gql
from tests.sessions.conftest import SignedIn, signer

ME = "query { me { id nickname joinedAt } }"
ADMIN_ME = "query { me { name role } }"


def _assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["UNAUTHENTICATED"]


def _flip_payload_character(token: str) -> str:
    header, payload, signature = token.split(".")
    middle = len(payload) // 2
    flipped = "A" if payload[middle] != "A" else "B"
    return ".".join([header, payload[:middle] + flipped + payload[middle + 1 :], signature])


async def test_me_answers_with_the_access_token(gql: Gql, member: SignedIn) -> None:
    # when the signed-in member asks who they are
    body = await gql("member", ME, token=member.access_token)

    # then they get themselves
    assert body["data"]["me"]["id"] == to_global_id("Member", member.member_id), body


async def test_expired_access_token_is_refused(gql: Gql, member: SignedIn) -> None:
    # given a token that was good for 15 minutes, issued an hour ago
    expired, _ = signer().sign(member.principal, datetime.now(UTC) - timedelta(hours=1))

    # when it is used
    response = await gql.raw("member", ME, token=expired)

    # then the door refuses it
    _assert_unauthorized(response)


async def test_token_from_a_negative_ttl_signer_is_refused(gql: Gql, member: SignedIn) -> None:
    # given a token that expired the moment it was made
    expired, _ = signer(access_ttl=timedelta(seconds=-1)).sign(member.principal, datetime.now(UTC))

    # when it is used, then the door refuses it
    _assert_unauthorized(await gql.raw("member", ME, token=expired))


async def test_tampered_access_token_is_refused(gql: Gql, member: SignedIn) -> None:
    # given the member's token with one character of its claims changed
    tampered = _flip_payload_character(member.access_token)
    assert tampered != member.access_token

    # when it is used, then the door refuses it
    _assert_unauthorized(await gql.raw("member", ME, token=tampered))


async def test_token_signed_with_another_secret_is_refused(gql: Gql, member: SignedIn) -> None:
    # given a well-formed, unexpired token naming the member, signed by a key that is not ours
    forged, _ = signer(secret="someone-else-" + "z" * 32).sign(member.principal, datetime.now(UTC))

    # when it is used, then the door refuses it
    _assert_unauthorized(await gql.raw("member", ME, token=forged))


async def test_garbage_and_non_bearer_credentials_are_refused(gql: Gql, member: SignedIn) -> None:
    # when the Authorization header holds junk, or the member's token under another scheme
    junk = await gql.raw("member", ME, token="not-a-jwt")
    basic = await gql.http.post(
        "/graphql/member", json={"query": ME}, headers={"authorization": f"Basic {member.access_token}"}
    )

    # then both are refused at the door
    _assert_unauthorized(junk)
    _assert_unauthorized(basic)


async def test_member_token_is_refused_at_the_admin_door(gql: Gql, member: SignedIn) -> None:
    # when a member presents their token to the staff schema
    response = await gql.raw("admin", ADMIN_ME, token=member.access_token)

    # then it is a 401, not a look at any staff field
    _assert_unauthorized(response)


async def test_staff_token_is_refused_at_the_member_door(gql: Gql, owner_token: str) -> None:
    # when the owner presents their staff token to the member schema
    response = await gql.raw("member", ME, token=owner_token)

    # then it is a 401 as well
    _assert_unauthorized(response)


async def test_me_without_a_token_is_unauthenticated(gql: Gql, member: SignedIn) -> None:
    # when an anonymous mini-program asks who it is
    body = await gql("member", ME)

    # then GraphQL answers with an auth error, not data
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


async def test_token_for_a_member_of_another_merchant_is_unauthenticated(gql: Gql, member: SignedIn) -> None:
    # given a validly signed token that pairs the member with a merchant they never joined
    elsewhere = Principal(Audience.MEMBER, member.member_id, ObjectId())
    token, _ = signer().sign(elsewhere, datetime.now(UTC))

    # when it is used
    body = await gql("member", ME, token=token)

    # then no member is found for it and the request is unauthenticated
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
