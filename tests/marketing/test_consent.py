"""Marketing consent: a member stops and resumes marketing and agrees to SMS from the mini-program, each change
kept with its time and channel; SMS 回T退订 through Tencent Cloud's reply callback; staff see who stopped."""

from datetime import UTC, datetime

import httpx
from bson import ObjectId

from api.sms_reply import reply_path
from db.mongo import Mongo
from domain.marketing import consent
from domain.marketing.consent import ConsentChannel, MarketingConsent
from domain.pii import PiiCipher
from tests.cards.conftest import sign_in
from tests.conftest import Gql, Shop, count_commands
from tests.coupons.conftest import make_members
from tests.marketing.conftest import SMS_REPLY_SECRET, give_phone

SET_CONSENT = """
mutation($input: SetMarketingConsentInput!) {
  setMarketingConsent(input: $input) {
    marketingConsent { stopped smsAgreed }
    userErrors { field code message }
  }
}
"""
MY_CONSENT = "query { me { marketingConsent { stopped smsAgreed } } }"
STAFF_SEE = "query($id: ID!) { member(id: $id) { marketingStopped } }"


async def test_a_member_stops_and_resumes_marketing_and_every_change_is_kept(
    gql: Gql, shop: Shop, mongo: Mongo, owner_token: str
) -> None:
    # given a member who never said anything: not stopped, no SMS
    alice = await sign_in(gql, shop)
    body = await gql("member", MY_CONSENT, token=alice.token)
    assert body["data"]["me"]["marketingConsent"] == {"stopped": False, "smsAgreed": False}

    # when they agree to SMS, then stop everything, then resume
    for change in ({"smsAgreed": True}, {"stopped": True}, {"stopped": False}):
        body = await gql("member", SET_CONSENT, {"input": change}, token=alice.token)
        assert body["data"]["setMarketingConsent"]["userErrors"] == [], body

    # then they receive marketing again, SMS included, and the three changes are on record from the mini-program
    body = await gql("member", MY_CONSENT, token=alice.token)
    assert body["data"]["me"]["marketingConsent"] == {"stopped": False, "smsAgreed": True}
    kept = await consent.consent_with_history(mongo=mongo, merchant_id=alice.merchant_id, member_id=alice.member_id)
    assert [(how, c) for _, how, c in kept.history] == [
        (ConsentChannel.MINI_PROGRAM, MarketingConsent(stopped=False, sms_agreed=True)),
        (ConsentChannel.MINI_PROGRAM, MarketingConsent(stopped=True, sms_agreed=True)),
        (ConsentChannel.MINI_PROGRAM, MarketingConsent(stopped=False, sms_agreed=True)),
    ]
    # and staff see the member receives marketing; a repeated change leaves no second record
    body = await gql("admin", STAFF_SEE, {"id": alice.gid}, token=owner_token)
    assert body["data"]["member"]["marketingStopped"] is False
    await gql("member", SET_CONSENT, {"input": {"stopped": False}}, token=alice.token)
    again = await consent.consent_with_history(mongo=mongo, merchant_id=alice.merchant_id, member_id=alice.member_id)
    assert len(again.history) == 3


async def test_naming_neither_switch_is_refused_in_chinese_first(gql: Gql, shop: Shop) -> None:
    # given a member
    alice = await sign_in(gql, shop)
    # when they send a change naming nothing
    body = await gql("member", SET_CONSENT, {"input": {}}, token=alice.token)
    # then it is refused with a clear code, in Chinese by default
    [error] = body["data"]["setMarketingConsent"]["userErrors"]
    assert error["code"] == "MARKETING_CONSENT_EMPTY"
    assert error["message"] == "请选择是否接收营销消息或短信"


def _reply(phone: str, text: str) -> dict[str, object]:
    # Tencent Cloud SMS's reply callback body (短信回复回调).
    return {"extend": "", "mobile": phone, "nationcode": "86", "sign": "甲店", "text": text, "time": 1457336869}


async def test_an_sms_reply_of_t_stops_marketing_and_forgeries_and_strangers_change_nothing(
    client: httpx.AsyncClient, gql: Gql, shop: Shop, mongo: Mongo, pii: PiiCipher, owner_token: str
) -> None:
    # given a member who agreed to SMS, with a phone on their card
    alice = await sign_in(gql, shop)
    merchant_id = alice.merchant_id
    await give_phone(mongo, pii, merchant_id, alice.member_id, "13812345678")
    await gql("member", SET_CONSENT, {"input": {"smsAgreed": True}}, token=alice.token)
    path = reply_path(SMS_REPLY_SECRET, merchant_id)

    # when a reply comes with a forged token, then it is refused and nothing changes
    forged = path.rsplit("/", 1)[0] + "/" + "0" * 64
    assert (await client.post(forged, json=_reply("13812345678", "T"))).status_code == 403
    # and another merchant's URL does not open this one
    other = reply_path(SMS_REPLY_SECRET, ObjectId()).rsplit("/", 1)[1]
    assert (await client.post(path.rsplit("/", 1)[0] + "/" + other, json=_reply("13812345678", "T"))).status_code == 403
    # when a stranger's phone replies T, or the member replies something else, then nothing changes either
    for phone, text in (("13900009999", "T"), ("13812345678", "好的谢谢")):
        answer = await client.post(path, json=_reply(phone, text))
        assert answer.json() == {"result": 0, "errmsg": "OK"}
    found = await consent.consents_of(mongo=mongo, merchant_id=merchant_id, member_ids=[alice.member_id])
    assert found[alice.member_id] == MarketingConsent(stopped=False, sms_agreed=True)

    # when the member replies " td " (any case, any spaces), and Tencent delivers it twice
    for _ in range(2):
        answer = await client.post(path, json=_reply("13812345678", " td "))
        assert answer.json() == {"result": 0, "errmsg": "OK"}

    # then marketing is stopped once, on record as by SMS, and staff see it
    kept = await consent.consent_with_history(mongo=mongo, merchant_id=merchant_id, member_id=alice.member_id)
    assert kept.consent.stopped is True
    assert [how for _, how, _ in kept.history] == [ConsentChannel.MINI_PROGRAM, ConsentChannel.SMS]
    body = await gql("admin", STAFF_SEE, {"id": alice.gid}, token=owner_token)
    assert body["data"]["member"]["marketingStopped"] is True


def test_stop_replies_are_t_td_n_and_tuiding_whatever_the_case_and_spaces() -> None:
    assert all(consent.is_stop_reply(t) for t in ("T", "t", " TD", "t d", "n", "退订", " 退 订 "))
    assert not any(consent.is_stop_reply(t) for t in ("", "TT", "谢谢", "Y", "退订了"))


async def test_consents_of_many_members_is_one_command(mongo: Mongo, shop: Shop) -> None:
    # given 40 members, 10 of whom stopped marketing
    members = await make_members(mongo, shop, 40)
    merchant_id, now = shop.merchant.merchant.id, datetime.now(UTC)
    for m in members[:10]:
        await consent.set_marketing(
            mongo=mongo,
            merchant_id=merchant_id,
            member_id=m.id,
            stopped=True,
            sms_agreed=None,
            channel="STAFF",
            now=now,
        )
    # when a sender asks for all of them
    with count_commands(mongo) as commands:
        found = await consent.consents_of(mongo=mongo, merchant_id=merchant_id, member_ids=[m.id for m in members])
    # then one query answers, members without a record counting as not stopped and no SMS
    assert commands == ["find"]
    assert [found[m.id].stopped for m in members] == [True] * 10 + [False] * 30
    assert not any(f.sms_agreed for f in found.values())
