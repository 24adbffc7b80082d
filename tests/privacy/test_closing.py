"""Closing an account (注销): nothing personal left anywhere, every ledger and the upline's commissions unchanged to
the fen, each unsettled case refused with its code, and the same WeChat account coming back as a new member that
no share link binds.
"""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId
from pydantic import SecretStr

from api.embedded import free_port
from db import collections as c
from db.mongo import Doc, Mongo
from domain.access_log import MEMBER_SELF
from domain.account_closing.erasure import ErasureCode, ErasureError, close_account
from domain.cards.card import issue_card
from domain.commissions.accrual import on_order_paid
from domain.members import CLOSED
from domain.notifications.topics import TEMPLATES, Topic
from domain.pii import PiiCipher
from domain.referrals.binding import Refusal
from startup.settings import Settings
from tests.checkout.conftest import counter_sale, give
from tests.commissions.conftest import appoint, open_program, paid
from tests.conftest import Gql, Shop
from tests.members.conftest import fresh_code, log_in
from tests.privacy.conftest import give_bonus, personal_values, scan_for, sign_in
from tests.referrals.conftest import Person, bind, make_members
from tests.staff_auth.conftest import serve

ACCOUNT_CLOSING = """
query { accountClosing { blockers { code message } forfeitedPoints forfeitedStoredValueBonus forfeitedCommissionsFen } }
"""

CLOSE_MY_ACCOUNT = """
mutation { closeMyAccount(input: {reason: "不再使用"}) { closedAt userErrors { field code message } } }
"""

CLOSE_MEMBER_ACCOUNT = """
mutation($input: CloseMemberAccountInput!) {
  closeMemberAccount(input: $input) { closedAt userErrors { field code message } }
}
"""

ME = "query { me { id } }"

REFRESH = """
mutation($token: String!) {
  refreshToken(input: {refreshToken: $token}) { session { accessToken refreshToken } userErrors { code } }
}
"""


async def _kept(mongo: Mongo, merchant_id: ObjectId, collection: str, **query: Any) -> list[Doc]:
    return await mongo.db[collection].find({"merchant_id": merchant_id, **query}).sort("_id", 1).to_list()


async def _commission_message(mongo: Mongo, merchant_id: ObjectId, to: ObjectId, source: str) -> None:
    """The 分红到账 message an upline gets, naming whose spending earned it, as delivery records it."""
    fields = {"amount": "10.00", "source": source, "time": "2026-01-01 10:00"}
    body, page = TEMPLATES[Topic.COMMISSION_ACCRUED].render(fields)
    await mongo.db[c.NOTIFICATIONS].insert_one(
        {
            "merchant_id": merchant_id,
            "member_id": to,
            "dedupe_key": str(ObjectId()),
            "topic": Topic.COMMISSION_ACCRUED.value,
            "title": TEMPLATES[Topic.COMMISSION_ACCRUED].title,
            "body": body,
            "page": page,
            "fields": fields,
            "created_at": datetime.now(UTC),
            "read_at": None,
            "wechat": {"status": "SKIPPED"},
            "sms": {"status": "SKIPPED"},
        }
    )


async def test_a_closed_member_leaves_nothing_personal_and_every_figure_unchanged(
    mongo: Mongo, pii: PiiCipher, gql: Gql, shop: Shop
) -> None:
    # Given a member signed in through WeChat, with a phone, nickname and birthday, bound under a shareholder
    # upline and a shareholder themself with a friend below, who has paid, earned and been told about it
    merchant_id, store_id = shop.merchant.merchant.id, shop.merchant.store.id
    program = await open_program(mongo, shop)
    [upline, friend] = await make_members(mongo, merchant_id, 2, "up")
    bob = await sign_in(gql, shop, "bob")
    values = await personal_values(
        mongo, pii, shop, bob.id, phone="13812345678", nickname="小蓝鲸Bob", birthday="1990-05-17"
    )
    assert (await bind(mongo, shop, bob.id, upline.id)).bound
    assert (await bind(mongo, shop, friend.id, bob.id)).bound
    await appoint(mongo, shop, program, upline.id, bob.id)
    await counter_sale(mongo, shop, store_id, 12_345, member_id=bob.id)
    await on_order_paid(mongo=mongo, event=paid(shop, bob.id, 10_000))
    await on_order_paid(mongo=mongo, event=paid(shop, friend.id, 5_000))
    await give(mongo, shop, bob, points=300)  # type: ignore[arg-type]
    await give_bonus(mongo, shop, bob.id, 500)
    await _commission_message(mongo, merchant_id, upline.id, "小蓝鲸Bob")
    await _commission_message(mongo, merchant_id, bob.id, "up1")
    orders = await _kept(mongo, merchant_id, c.ORDERS)
    ledger = await _kept(mongo, merchant_id, c.LEDGER)
    upline_commissions = await _kept(mongo, merchant_id, c.COMMISSIONS, beneficiary_id=upline.id)
    upline_ledger = await _kept(mongo, merchant_id, c.COMMISSION_LEDGER, beneficiary_id=upline.id)
    # (the sale earned 123 points on top of the 300 given)
    bob_owed = await mongo.db[c.COMMISSION_ACCOUNTS].find_one({"merchant_id": merchant_id, "beneficiary_id": bob.id})
    assert bob_owed is not None and bob_owed["pending_fen"] == 500

    # When the member sees what closing means, then closes their account
    check = (await gql("member", ACCOUNT_CLOSING, token=bob.token))["data"]["accountClosing"]
    closed = (await gql("member", CLOSE_MY_ACCOUNT, token=bob.token))["data"]["closeMyAccount"]

    # Then nothing they gave or were known by is anywhere in the database
    assert check == {
        "blockers": [],
        "forfeitedPoints": 423,
        "forfeitedStoredValueBonus": 500,
        "forfeitedCommissionsFen": 500,
    }
    assert closed["userErrors"] == [] and closed["closedAt"]
    assert await scan_for(mongo, merchant_id, values) == []
    # and the takings, the ledgers and the upline's commission history are as they were, to the fen
    assert await _kept(mongo, merchant_id, c.ORDERS) == orders
    assert (await _kept(mongo, merchant_id, c.LEDGER))[: len(ledger)] == ledger
    assert await _kept(mongo, merchant_id, c.COMMISSIONS, beneficiary_id=upline.id) == upline_commissions
    assert await _kept(mongo, merchant_id, c.COMMISSION_LEDGER, beneficiary_id=upline.id) == upline_ledger
    # and what they had not been paid is forfeited through the ledgers, every balance still their entries' sum
    card = await mongo.db[c.CARDS].find_one({"merchant_id": merchant_id, "member_id": bob.id})
    assert card is not None and (card["status"], card["points"], card["stored_bonus"]) == ("CLOSED", 0, 0)
    forfeits = await _kept(mongo, merchant_id, c.LEDGER, member_id=bob.id, reference=f"closing:{bob.id}")
    assert sorted(e["amount"] for e in forfeits) == [-500, -423]
    account = await mongo.db[c.COMMISSION_ACCOUNTS].find_one({"merchant_id": merchant_id, "beneficiary_id": bob.id})
    assert account is not None and (account["pending_fen"], account.get("available_fen", 0)) == (0, 0)
    # and the upline's downline and message show them as closed, the friend below keeps their binding
    upline_note = await mongo.db[c.NOTIFICATIONS].find_one({"merchant_id": merchant_id, "member_id": upline.id})
    assert upline_note is not None and upline_note["body"].startswith(CLOSED)
    friend_doc = await mongo.db[c.MEMBERS].find_one({"merchant_id": merchant_id, "_id": friend.id})
    assert friend_doc is not None and friend_doc["ancestors"][:2] == [bob.id, upline.id]
    shareholder = await mongo.db[c.SHAREHOLDERS].find_one({"merchant_id": merchant_id, "member_id": bob.id})
    assert shareholder is not None and shareholder["active"] is False


async def test_the_same_wechat_account_signing_in_again_is_a_new_member_nobody_can_bind(
    mongo: Mongo, pii: PiiCipher, gql: Gql, shop: Shop
) -> None:
    # Given a member bound under an upline who closed their account
    merchant_id = shop.merchant.merchant.id
    [upline] = await make_members(mongo, merchant_id, 1, "up")
    bob = await sign_in(gql, shop, "bob")
    assert (await bind(mongo, shop, bob.id, upline.id)).bound
    await close_account(mongo=mongo, pii=pii, merchant_id=merchant_id, member_id=bob.id, who=MEMBER_SELF)

    # When the same WeChat account signs in again, and a share link tries to bind it
    again = await log_in(gql, shop, fresh_code("bob"))
    new_id = await mongo.db[c.MEMBERS].find_one(
        {"merchant_id": merchant_id, "closed_at": None, "_id": {"$ne": upline.id}}
    )
    assert new_id is not None
    bound = await bind(mongo, shop, new_id["_id"], upline.id)

    # Then it is a new member, with no upline, and stays without one
    assert again["created"] is True and new_id["_id"] != bob.id
    assert bound.refusal is Refusal.RETURNED_AFTER_CLOSING
    assert new_id.get("referrer_id") is None and new_id.get("ancestors") in (None, [])


async def _stored_value_paid(mongo: Mongo, shop: Shop, member: Person) -> None:
    await give(mongo, shop, member, stored=(100, 0))  # type: ignore[arg-type]


async def _payout_in_flight(mongo: Mongo, shop: Shop, member: Person) -> None:
    doc = {"merchant_id": shop.merchant.merchant.id, "beneficiary_id": member.id, "status": "PROCESSING"}
    await mongo.db[c.PAYOUTS].insert_one(doc)


async def _unpaid_order(mongo: Mongo, shop: Shop, member: Person) -> None:
    doc = {"merchant_id": shop.merchant.merchant.id, "member_id": member.id, "status": "PENDING"}
    await mongo.db[c.ORDERS].insert_one(doc)


async def _upcoming_booking(mongo: Mongo, shop: Shop, member: Person) -> None:
    end = datetime.now(UTC) + timedelta(days=2)
    doc = {"merchant_id": shop.merchant.merchant.id, "member_id": member.id, "status": "BOOKED", "end": end}
    await mongo.db[c.BOOKINGS].insert_one(doc)


@pytest.mark.parametrize(
    ("unsettled", "code"),
    [
        (_stored_value_paid, "STORED_VALUE_NOT_REFUNDED"),
        (_payout_in_flight, "PAYOUT_IN_FLIGHT"),
        (_unpaid_order, "OPEN_ORDER"),
        (_upcoming_booking, "UPCOMING_BOOKING"),
    ],
)
async def test_closing_waits_for_what_must_settle_first(
    mongo: Mongo, gql: Gql, shop: Shop, owner_token: str, unsettled: Any, code: str
) -> None:
    # Given a member with one thing unsettled, whose written request the owner carries out
    [member] = await make_members(mongo, shop.merchant.merchant.id, 1, "m")
    await issue_card(mongo=mongo, merchant_id=shop.merchant.merchant.id, member_id=member.id)
    await unsettled(mongo, shop, member)
    before = await mongo.db[c.MEMBERS].find_one({"merchant_id": shop.merchant.merchant.id, "_id": member.id})

    # When the owner closes the account
    variables = {"input": {"memberId": member.gid, "reason": "会员书面申请", "requestRef": "SQ-2026-001"}}
    body = await gql("admin", CLOSE_MEMBER_ACCOUNT, variables, token=owner_token, lang="zh")

    # Then it is refused with the reason, in Chinese, and nothing changed
    [error] = body["data"]["closeMemberAccount"]["userErrors"]
    assert error["code"] == code and error["message"]
    after = await mongo.db[c.MEMBERS].find_one({"merchant_id": shop.merchant.merchant.id, "_id": member.id})
    assert after == before


async def test_two_closings_at_once_close_once(mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # Given a member with points to forfeit
    merchant_id = shop.merchant.merchant.id
    [member] = await make_members(mongo, merchant_id, 1, "m")
    await issue_card(mongo=mongo, merchant_id=merchant_id, member_id=member.id)
    await give(mongo, shop, member, points=100)  # type: ignore[arg-type]

    # When two closings race
    results = await asyncio.gather(
        *(
            close_account(mongo=mongo, pii=pii, merchant_id=merchant_id, member_id=member.id, who=MEMBER_SELF)
            for _ in range(2)
        ),
        return_exceptions=True,
    )

    # Then one closed it and the other was refused as already closed; the points were forfeited once
    refused = [r for r in results if isinstance(r, ErasureError)]
    assert len(refused) == 1 and refused[0].code is ErasureCode.ACCOUNT_CLOSED
    entries = await _kept(mongo, merchant_id, c.LEDGER, member_id=member.id)
    assert sum(e["amount"] for e in entries) == 0 and len(entries) == 2


async def _signed_in_twice(gql: Gql, shop: Shop, user: str) -> list[dict[str, Any]]:
    """The same WeChat account's two sessions (two phones), each the mini-program's `session` after login."""
    return [(await log_in(gql, shop, fresh_code(user)))["session"] for _ in range(2)]


async def _signed_out(gql: Gql, session: dict[str, Any]) -> bool:
    """Whether the session's access token is refused at the door and its refresh token no longer refreshes."""
    door = await gql.raw("member", ME, token=session["accessToken"])
    refreshed = (await gql("member", REFRESH, {"token": session["refreshToken"]}))["data"]["refreshToken"]
    return door.status_code == 401 and refreshed["session"] is None


async def test_closing_signs_the_member_out_on_every_phone_at_once(gql: Gql, shop: Shop) -> None:
    # Given a member signed in on two phones, and another member signed in
    [this_phone, other_phone] = await _signed_in_twice(gql, shop, "bob")
    carol = await sign_in(gql, shop, "carol")

    # When the member closes their account from one of them
    closed = (await gql("member", CLOSE_MY_ACCOUNT, token=this_phone["accessToken"]))["data"]["closeMyAccount"]

    # Then neither phone's tokens work any more, though the access tokens have not expired; the other member's do
    assert closed["userErrors"] == []
    assert await _signed_out(gql, this_phone) and await _signed_out(gql, other_phone)
    assert "errors" not in await gql("member", ME, token=carol.token)


async def test_a_member_whose_account_the_owner_closed_can_do_nothing_more_with_their_tokens(
    gql: Gql, shop: Shop, owner_token: str
) -> None:
    # Given a member signed in on the mini-program
    [session, _] = await _signed_in_twice(gql, shop, "bob")
    me = (await gql("member", ME, token=session["accessToken"]))["data"]["me"]

    # When the owner closes their account on their written request
    variables = {"input": {"memberId": me["id"], "reason": "会员书面申请", "requestRef": "SQ-2026-002"}}
    closed = (await gql("admin", CLOSE_MEMBER_ACCOUNT, variables, token=owner_token))["data"]["closeMemberAccount"]

    # Then the phone's next request is refused at the door (no claiming or booking as the closed account)
    assert closed["userErrors"] == []
    assert await _signed_out(gql, session)


async def test_a_refresh_racing_the_closing_leaves_no_working_token(gql: Gql, shop: Shop) -> None:
    # Given a member signed in on two phones
    [closing, refreshing] = await _signed_in_twice(gql, shop, "bob")

    # When one phone closes the account while the other refreshes its session
    closed, refreshed = await asyncio.gather(
        gql("member", CLOSE_MY_ACCOUNT, token=closing["accessToken"]),
        gql("member", REFRESH, {"token": refreshing["refreshToken"]}),
    )

    # Then the account is closed and whatever the refresh got is refused too
    assert closed["data"]["closeMyAccount"]["userErrors"] == []
    assert await _signed_out(gql, refreshed["data"]["refreshToken"]["session"] or refreshing)


async def test_signed_in_members_are_still_served_while_redis_cannot_be_asked(
    settings: Settings, gql: Gql, shop: Shop
) -> None:
    # Given a signed-in member, and an API whose Redis has gone (nothing listens where it was)
    [session, _] = await _signed_in_twice(gql, shop, "bob")
    gone = settings.model_copy(update={"redis_url": SecretStr(f"redis://127.0.0.1:{free_port()}/0")})

    # When the member's next request reaches it
    async with serve(gone) as doors:
        body = await (await doors.at("10.0.0.1"))("member", ME, token=session["accessToken"])

    # Then it is answered: whether the account closed since could not be asked, and the token is still good
    assert "errors" not in body, body


async def test_closing_while_redis_cannot_be_asked_still_closes_and_says_so(
    settings: Settings, mongo: Mongo, gql: Gql, shop: Shop
) -> None:
    # Given a signed-in member, and an API whose Redis has gone
    [session, _] = await _signed_in_twice(gql, shop, "bob")
    gone = settings.model_copy(update={"redis_url": SecretStr(f"redis://127.0.0.1:{free_port()}/0")})

    # When the member closes their account through it
    async with serve(gone) as doors:
        body = await (await doors.at("10.0.0.1"))("member", CLOSE_MY_ACCOUNT, token=session["accessToken"])

    # Then the closing is answered as done, and it is: the account is closed and its refresh token gone
    assert body["data"]["closeMyAccount"]["userErrors"] == [] and body["data"]["closeMyAccount"]["closedAt"]
    assert await mongo.db[c.MEMBERS].count_documents({"closed_at": {"$ne": None}}) == 1
    refreshed = (await gql("member", REFRESH, {"token": session["refreshToken"]}))["data"]["refreshToken"]
    assert refreshed["session"] is None
