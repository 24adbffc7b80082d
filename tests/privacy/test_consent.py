"""Consent to the privacy policy (PIPL): members agree to the version in effect before anything personal is stored;
without a published version that is the platform's v0; a new version asks again; versions never change."""

import uuid
from datetime import UTC, datetime, timedelta

from db import collections as c
from db.mongo import Mongo
from domain.pii import PiiCipher
from domain.tenancy import Role
from tests.cards.conftest import hire
from tests.conftest import Channels, Gql, Shop
from tests.privacy.conftest import agree, first_open, publish

UPDATE = """
mutation($input: UpdateProfileInput!) {
  updateProfile(input: $input) { member { nickname card { birthday phone } } userErrors { field code } }
}
"""
CONSENT = "query { privacyConsent { agreed policy { version } } }"
POLICIES = "query { privacyPolicies { version title text url } }"


async def test_a_new_member_is_asked_to_agree_to_v0_and_the_agreement_records_version_time_and_channel(
    gql: Gql, mongo: Mongo, shop: Shop
) -> None:
    # given a store that has published no policy of its own
    # when a member opens the mini-program for the first time
    who, privacy = await first_open(gql, shop)

    # then sign-in says the platform's v0 is in effect and not yet agreed to
    assert privacy == {"agreed": False, "policy": {"version": "v0", "title": "会员服务隐私政策"}}

    # when they agree to it (twice: a double tap)
    before = datetime.now(UTC)
    agreed = await agree(gql, who, "v0")
    again = await agree(gql, who, "v0")

    # then they have agreed, once, with the time and the platform they came through
    assert agreed["userErrors"] == [] and agreed["privacy"]["agreed"] is True
    assert again["privacy"]["agreedAt"] == agreed["privacy"]["agreedAt"]
    consents = await mongo.db[c.PRIVACY_CONSENTS].find({"merchant_id": who.merchant_id}).to_list()
    assert [(d["member_id"], d["version"], d["channel"]) for d in consents] == [(who.member_id, "v0", "WECHAT")]
    assert consents[0]["agreed_at"].replace(tzinfo=UTC) >= before - timedelta(seconds=1)
    assert (await gql("member", CONSENT, token=who.token))["data"]["privacyConsent"]["agreed"] is True


async def test_phone_birthday_and_nickname_are_each_refused_until_the_member_agrees(
    gql: Gql, mongo: Mongo, channels: Channels, shop: Shop
) -> None:
    # given a member who has not agreed, and a getPhoneNumber code WeChat would answer
    who, _ = await first_open(gql, shop)
    phone_code = f"phone-{uuid.uuid4().hex}"
    channels.state.phones[phone_code] = "13812345678"

    # when they bind a phone, set a birthday, set a nickname
    attempts = [{"phoneCode": phone_code}, {"birthday": "1990-05-17"}, {"nickname": "小明"}]
    refused = [(await gql("member", UPDATE, {"input": a}, token=who.token))["data"]["updateProfile"] for a in attempts]

    # then each is refused on its own field, and nothing was stored
    assert [r["userErrors"] for r in refused] == [
        [{"field": "phoneCode", "code": "PRIVACY_CONSENT_REQUIRED"}],
        [{"field": "birthday", "code": "PRIVACY_CONSENT_REQUIRED"}],
        [{"field": "nickname", "code": "PRIVACY_CONSENT_REQUIRED"}],
    ]
    card = await mongo.db[c.CARDS].find_one({"merchant_id": who.merchant_id, "member_id": who.member_id})
    member = await mongo.db[c.MEMBERS].find_one({"merchant_id": who.merchant_id, "_id": who.member_id})
    assert card is not None and card.get("phone_enc") is None and card.get("birthday") is None
    assert member is not None and member["nickname"] is None

    # when they agree, the same phone code goes through
    await agree(gql, who, "v0")
    done = (await gql("member", UPDATE, {"input": attempts[0]}, token=who.token))["data"]["updateProfile"]
    assert done == {"member": {"nickname": None, "card": {"birthday": None, "phone": "138****5678"}}, "userErrors": []}


async def test_a_new_version_asks_again_and_an_old_or_future_one_cannot_be_agreed_to(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str
) -> None:
    # given a member who agreed to v0
    who, _ = await first_open(gql, shop)
    await agree(gql, who, "v0")

    # when the owner publishes 2026-01 in effect now, and 2026-02 in effect tomorrow
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    now_version = await publish(gql, owner_token, version="2026-01", url="https://shop.example/privacy-2026-01")
    later = await publish(gql, owner_token, version="2026-02", effectiveAt=tomorrow)
    assert now_version["userErrors"] == [] and later["userErrors"] == []

    # then the member is asked again (2026-01, not tomorrow's), and a nickname waits for it
    consent = (await gql("member", CONSENT, token=who.token))["data"]["privacyConsent"]
    assert consent == {"agreed": False, "policy": {"version": "2026-01"}}
    nickname = (await gql("member", UPDATE, {"input": {"nickname": "小明"}}, token=who.token))["data"]
    assert nickname["updateProfile"]["userErrors"] == [{"field": "nickname", "code": "PRIVACY_CONSENT_REQUIRED"}]

    # and agreeing to the old v0 or to tomorrow's version is refused; to 2026-01 it goes through
    assert (await agree(gql, who, "v0"))["userErrors"] == [{"field": "version", "code": "POLICY_VERSION_NOT_CURRENT"}]
    assert (await agree(gql, who, "2026-02"))["userErrors"][0]["code"] == "POLICY_VERSION_NOT_CURRENT"
    assert (await agree(gql, who, "2026-01"))["privacy"]["agreed"] is True
    nickname = (await gql("member", UPDATE, {"input": {"nickname": "小明"}}, token=who.token))["data"]
    assert nickname["updateProfile"]["userErrors"] == []


async def test_published_versions_never_change_and_only_the_owner_publishes(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, owner_token: str
) -> None:
    # given a published version
    await publish(gql, owner_token, version="2026-01", text="第一版")
    manager = await hire(mongo, pii, gql, shop, Role.MANAGER, "13900000011")

    # when the owner publishes the same version again with other text, one dated in the past, one with neither
    # text nor link, and a manager tries to publish
    twice = await publish(gql, owner_token, version="2026-01", text="改过的")
    past = await publish(gql, owner_token, version="2025-01", effectiveAt="2025-01-01T00:00:00+08:00")
    empty = await publish(gql, owner_token, version="2026-03", text="  ")
    by_manager = await gql(
        "admin",
        'mutation { publishPrivacyPolicy(input: {version: "m1", title: "t", text: "x"}) { userErrors { code } } }',
        token=manager.token,
    )

    # then each is refused and the first version is as published; the manager may read the list
    assert twice["userErrors"] == [{"field": "version", "code": "POLICY_VERSION_TAKEN"}]
    assert past["userErrors"] == [{"field": "effectiveAt", "code": "POLICY_EFFECTIVE_IN_PAST"}]
    assert empty["userErrors"] == [{"field": "text", "code": "POLICY_CONTENT_INVALID"}]
    assert by_manager["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    listed = await gql("admin", POLICIES, token=manager.token)
    assert listed["data"]["privacyPolicies"] == [
        {"version": "2026-01", "title": "会员隐私政策", "text": "第一版", "url": None}
    ]


SET_MARKETING = """
mutation($input: SetMarketingConsentInput!) {
  setMarketingConsent(input: $input) { marketingConsent { stopped smsAgreed } userErrors { field code } }
}
"""


async def test_marketing_sms_waits_for_the_policy_but_stopping_marketing_never_does(gql: Gql, shop: Shop) -> None:
    # given a member who has not agreed to the privacy policy yet
    who, _ = await first_open(gql, shop)

    # when they agree to marketing SMS, and then stop marketing altogether
    sms = await gql("member", SET_MARKETING, {"input": {"smsAgreed": True}}, token=who.token)
    stop = await gql("member", SET_MARKETING, {"input": {"stopped": True}}, token=who.token)

    # then SMS (their phone) waits for the policy, while stopping is taken at once
    assert sms["data"]["setMarketingConsent"] == {
        "marketingConsent": None,
        "userErrors": [{"field": "smsAgreed", "code": "PRIVACY_CONSENT_REQUIRED"}],
    }
    assert stop["data"]["setMarketingConsent"] == {
        "marketingConsent": {"stopped": True, "smsAgreed": False},
        "userErrors": [],
    }
