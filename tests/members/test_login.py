"""Member login through WeChat: the member is created once, bad codes and merchants are refused, and the
WeChat session_key never leaves the server.
"""

import asyncio
import json
from datetime import timedelta

from bson import ObjectId
from redis.asyncio import Redis

from api import embedded
from db import collections as c
from db.mongo import Mongo
from domain.keyring import Keyring
from domain.sessions import Audience, TokenSigner
from schema.ids import from_global_id, to_global_id
from startup.settings import Settings
from tests.conftest import SECRET_KEY, Channels, Gql, Shop
from tests.members.conftest import LOGIN, door, fresh_code, log_in, merchant_gid


async def _count(mongo: Mongo, collection: str) -> int:
    return await mongo.db[collection].count_documents({})


async def test_first_login_creates_the_member_and_later_logins_find_it(gql: Gql, shop: Shop) -> None:
    # given a customer who has never opened the store's mini-program
    # when they log in twice, each time with a new wx.login code
    first = await log_in(gql, shop, fresh_code("xiaoming"))
    again = await log_in(gql, shop, fresh_code("xiaoming"))

    # then the first login created the member and the second found the same one
    assert first["userErrors"] == [] and first["created"] is True
    assert again["userErrors"] == [] and again["created"] is False
    assert again["member"]["id"] == first["member"]["id"]
    assert first["session"]["accessToken"] and first["session"]["refreshToken"]


async def test_twenty_concurrent_first_logins_create_one_member(gql: Gql, shop: Shop, mongo: Mongo) -> None:
    # given one WeChat user whose mini-program fires 20 logins at once, each with its own code
    codes = [fresh_code("impatient") for _ in range(20)]

    # when all of them race
    results = await asyncio.gather(*(log_in(gql, shop, code) for code in codes))

    # then exactly one member exists, exactly one login created it (with one MEMBER_JOINED for the reports), and
    # every session names that member
    assert [r["userErrors"] for r in results] == [[]] * 20
    assert await _count(mongo, c.MEMBERS) == 1
    assert sum(r["created"] for r in results) == 1
    member = await mongo.db[c.MEMBERS].find_one({})
    assert member is not None
    joined = await mongo.db[c.OUTBOX].find({"kind": "MEMBER_JOINED"}).to_list()
    assert [e["payload"]["member_id"] for e in joined] == [member["_id"]]
    assert {r["member"]["id"] for r in results} == {to_global_id("Member", member["_id"])}
    signer = TokenSigner(Keyring(SECRET_KEY), timedelta(minutes=15), timedelta(days=30))
    assert {signer.verify(r["session"]["accessToken"], Audience.MEMBER).subject_id for r in results} == {member["_id"]}
    assert await mongo.db[c.REFRESH_TOKENS].distinct("subject_id") == [member["_id"]]
    assert await _count(mongo, c.REFRESH_TOKENS) == 20


async def test_forged_code_is_refused_in_chinese_by_default(gql: Gql, shop: Shop, mongo: Mongo) -> None:
    # given a code without the dot every real code of the fake has (WeChat answers errcode 40029)
    # when it is used to log in
    payload = await log_in(gql, shop, "forged-code")

    # then the login is refused in Chinese and nothing is created
    assert payload["session"] is None and payload["member"] is None
    assert payload["userErrors"] == [
        {"field": "code", "code": "INVALID_LOGIN_CODE", "message": "登录凭证无效或已使用，请重新登录"}
    ]
    assert await _count(mongo, c.MEMBERS) == 0
    assert await _count(mongo, c.REFRESH_TOKENS) == 0


async def test_forged_code_is_refused_in_english_when_asked(gql: Gql, shop: Shop) -> None:
    # when a forged code is sent by an English-speaking client
    payload = await log_in(gql, shop, "forged-code", lang="en-US,en;q=0.9")

    # then the message is English and the code the same
    assert payload["userErrors"] == [
        {"field": "code", "code": "INVALID_LOGIN_CODE", "message": "The login code is invalid or already used."}
    ]


async def test_empty_code_is_refused_without_asking_wechat(gql: Gql, shop: Shop, channels: Channels) -> None:
    # given what the fake has seen so far
    seen = len(channels.state.used_codes)

    # when a login arrives with a blank code
    payload = await log_in(gql, shop, "   ")

    # then it is refused here and WeChat is not asked
    assert [e["code"] for e in payload["userErrors"]] == ["INVALID_LOGIN_CODE"]
    assert len(channels.state.used_codes) == seen


async def test_a_code_works_only_once(gql: Gql, shop: Shop, mongo: Mongo) -> None:
    # given a member who logged in with a code
    code = fresh_code("replayer")
    assert (await log_in(gql, shop, code))["created"] is True

    # when the same code is presented again (WeChat answers errcode 40163)
    replay = await log_in(gql, shop, code)

    # then it is refused and no further member or session appears
    assert replay["session"] is None
    assert [e["code"] for e in replay["userErrors"]] == ["INVALID_LOGIN_CODE"]
    assert await _count(mongo, c.MEMBERS) == 1
    assert await _count(mongo, c.REFRESH_TOKENS) == 1


async def test_unknown_merchant_is_refused_and_nothing_created(gql: Gql, shop: Shop, mongo: Mongo) -> None:
    # given a well-formed merchant id that names no merchant
    variables = {
        "input": {"code": fresh_code("lost"), "channel": "WECHAT", "merchantId": to_global_id("Merchant", ObjectId())}
    }

    # when a member logs in to it
    body = await gql("member", LOGIN, variables)

    # then the login is refused and nothing is written
    payload = body["data"]["login"]
    assert payload["session"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("merchantId", "MERCHANT_NOT_FOUND")]
    assert await _count(mongo, c.MEMBERS) == 0
    assert await _count(mongo, c.REFRESH_TOKENS) == 0


async def test_malformed_merchant_id_is_an_invalid_id(gql: Gql, shop: Shop, mongo: Mongo) -> None:
    # given ids that are not merchant ids: garbage, and the id of a store
    store_gid = to_global_id("Store", shop.merchant.store.id)
    for bad in ["not-an-id", "", store_gid]:
        variables = {"input": {"code": fresh_code("lost"), "channel": "WECHAT", "merchantId": bad}}

        # when a member logs in with it
        body = await gql("member", LOGIN, variables)

        # then the id is refused as invalid and nothing is written
        payload = body["data"]["login"]
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("merchantId", "INVALID_ID")], bad
    assert await _count(mongo, c.MEMBERS) == 0
    assert await _count(mongo, c.REFRESH_TOKENS) == 0


async def test_first_touch_is_kept_from_the_first_login_only(gql: Gql, shop: Shop, mongo: Mongo) -> None:
    # given a member who first opened the mini-program from a friend's share card
    first = await log_in(gql, shop, fresh_code("friend"), share_params="from=share&by=abc")

    # when they later open it from a different place
    await log_in(gql, shop, fresh_code("friend"), share_params="from=poster")

    # then the first touch still names the share card, for the referral binding to read
    member_id = from_global_id("Member", first["member"]["id"])
    doc = await mongo.db[c.MEMBERS].find_one({"_id": member_id})
    assert doc is not None and doc["first_touch"] == "from=share&by=abc"


async def test_session_key_never_leaves_the_server(
    gql: Gql, shop: Shop, mongo: Mongo, channels: Channels, settings: Settings
) -> None:
    # given a member who logs in (WeChat hands us a session_key with the openid)
    response = await gql.raw(
        "member",
        LOGIN,
        {"input": {"code": fresh_code("secretive"), "channel": "WECHAT", "merchantId": merchant_gid(shop)}},
    )
    session_key = channels.state.session_keys[-1]

    # then the key is nowhere in the answer, the member document, or anything else we stored
    assert response.json()["data"]["login"]["created"] is True
    assert session_key not in response.text and "session" + "_key" not in response.text.lower()
    member = await mongo.db[c.MEMBERS].find_one({})
    assert member is not None and "session_key" not in member
    for name in await mongo.db.list_collection_names():
        stored = json.dumps(await mongo.db[name].find({}).to_list(), default=str)
        assert session_key not in stored, name
    redis = Redis.from_url(settings.redis_url.get_secret_value(), decode_responses=True)
    try:
        for key in await redis.keys("*"):
            assert session_key not in key and session_key not in str(await redis.dump(key)), key
    finally:
        await redis.aclose()


async def test_unreachable_wechat_is_channel_unavailable(settings: Settings, shop: Shop, mongo: Mongo) -> None:
    # given WeChat's servers cannot be reached (nothing listens on the port)
    down = settings.model_copy(update={"wechat_api_base": f"http://127.0.0.1:{embedded.free_port()}"})
    async with door(down) as gql:
        # when a member logs in
        payload = await log_in(gql, shop, fresh_code("unlucky"))

    # then they are told to try again later, and nothing is created
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("channel", "CHANNEL_UNAVAILABLE")]
    assert await _count(mongo, c.MEMBERS) == 0
