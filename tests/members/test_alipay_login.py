"""Member login through Alipay's oauth.token, with real RSA2 signatures both ways through the fake gateway."""

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from db import collections as c
from db.mongo import Mongo
from startup.settings import Settings
from tests.conftest import Gql, Shop
from tests.members.conftest import door, fresh_code, log_in


async def test_alipay_login_creates_the_member_once(gql: Gql, shop: Shop, mongo: Mongo) -> None:
    # given a customer opening the store's Alipay mini-program for the first time
    # when they log in twice with my.getAuthCode codes
    first = await log_in(gql, shop, fresh_code("alice"), channel="ALIPAY")
    again = await log_in(gql, shop, fresh_code("alice"), channel="ALIPAY")

    # then one Alipay member is created and found again
    assert first["userErrors"] == [] and first["created"] is True
    assert again["userErrors"] == [] and again["created"] is False
    assert again["member"]["id"] == first["member"]["id"]
    doc = await mongo.db[c.MEMBERS].find_one({})
    assert doc is not None and doc["channel"] == "ALIPAY"


async def test_invalid_alipay_code_is_an_invalid_login_code(gql: Gql, shop: Shop, mongo: Mongo) -> None:
    # when an auth code the gateway does not know is used
    payload = await log_in(gql, shop, "no-such-auth-code", channel="ALIPAY")

    # then it is refused like a bad WeChat code, and nothing is created
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("code", "INVALID_LOGIN_CODE")]
    assert await mongo.db[c.MEMBERS].count_documents({}) == 0


async def test_alipay_answer_signed_by_another_key_is_refused(settings: Settings, shop: Shop, mongo: Mongo) -> None:
    # given we trust an Alipay public key other than the one that signs the gateway's answers
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    pem = stranger.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    distrustful = settings.model_copy(update={"alipay_public_key": pem.decode()})

    # when a member logs in through Alipay
    async with door(distrustful) as gql:
        payload = await log_in(gql, shop, fresh_code("mallory"), channel="ALIPAY")

    # then the unverifiable answer is not believed: the sign-in is unavailable and no member is created
    assert payload["session"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("channel", "CHANNEL_UNAVAILABLE")]
    assert await mongo.db[c.MEMBERS].count_documents({}) == 0
