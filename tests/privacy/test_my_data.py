"""The member's copy of their data (个人信息副本): once a day, prepared by the worker, downloaded by that member alone
through a short-lived signed link, and holding every collection that names them, as domain/privacy/member_data.py
declares it for every collection there is."""

import asyncio
import gzip
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from bson import ObjectId

import db.collections as c
from db.mongo import Doc, Mongo
from domain.merchant_export.scope import SCOPES, Owned
from domain.pii import PiiCipher
from domain.privacy import data_copy
from domain.privacy.member_data import MEMBER_DATA, NOT_MEMBER_DATA
from domain.referrals.binding import BindingSource
from startup.clients import keyring
from startup.settings import Settings
from tests.cards.conftest import Customer, sign_in, top_up
from tests.conftest import Channels, Gql, Shop
from tests.coupons.conftest import Customer as CouponCustomer
from tests.coupons.conftest import claimed_coupon, new_template
from tests.referrals.conftest import bind, make_member

REQUEST = "mutation { requestMyData { request { id status } userErrors { field code } } }"
MY_REQUEST = "query { myDataRequest { status expiresAt downloadUrl downloadUrlExpiresAt } }"
UPDATE = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { userErrors { code } } }"
FORWARD = "mutation($id: ID!) { forwardCoupon(input: {couponId: $id}) { share { token } userErrors { code } } }"
ACCEPT = "mutation($t: String!) { acceptCoupon(input: {token: $t}) { userErrors { code } } }"


async def _prepared(gql: Gql, mongo: Mongo, pii: PiiCipher, who: Customer) -> str:
    """The member asks, the worker prepares it; the link myDataRequest then gives."""
    asked = (await gql("member", REQUEST, token=who.token))["data"]["requestMyData"]
    assert asked["userErrors"] == [] and asked["request"]["status"] == "PREPARING", asked
    request = await mongo.db[c.MEMBER_DATA_REQUESTS].find_one(
        {"merchant_id": who.merchant_id, "member_id": who.member_id}
    )
    assert request is not None
    assert await data_copy.prepare(
        mongo=mongo, pii=pii, merchant_id=who.merchant_id, request_id=request["_id"], now=datetime.now(UTC)
    )
    mine = (await gql("member", MY_REQUEST, token=who.token))["data"]["myDataRequest"]
    assert mine["status"] == "READY", mine
    return str(mine["downloadUrl"])


def _bearer(who: Customer | None) -> dict[str, str]:
    return {"authorization": f"Bearer {who.token}"} if who else {}


async def test_two_requests_at_once_make_one_request_and_one_job(gql: Gql, mongo: Mongo, shop: Shop) -> None:
    # given a signed-in member
    who = await sign_in(gql, shop)

    # when they tap 申请 twice at once
    answers = await asyncio.gather(*(gql("member", REQUEST, token=who.token) for _ in range(2)))

    # then one request is made, the other is told to come back tomorrow, and the worker has one job
    payloads = sorted((a["data"]["requestMyData"] for a in answers), key=lambda p: bool(p["userErrors"]))
    assert payloads[0]["request"]["status"] == "PREPARING"
    assert payloads[1] == {"request": None, "userErrors": [{"field": None, "code": "DATA_REQUEST_TOO_SOON"}]}
    query = {"merchant_id": who.merchant_id, "member_id": who.member_id}
    assert await mongo.db[c.MEMBER_DATA_REQUESTS].count_documents(query) == 1
    jobs = await mongo.db[c.OUTBOX].find({"merchant_id": who.merchant_id, "kind": "MEMBER_DATA_REQUESTED"}).to_list()
    assert len(jobs) == 1


async def test_the_link_serves_its_member_only_and_not_once_forged_or_expired(
    gql: Gql, mongo: Mongo, pii: PiiCipher, client: httpx.AsyncClient, settings: Settings, shop: Shop
) -> None:
    # given a member whose copy is ready, and another member of the store
    who = await sign_in(gql, shop, "alice")
    other = await sign_in(gql, shop, "bob")
    url = await _prepared(gql, mongo, pii, who)

    # when the member downloads it, then another member, someone with no token, and a link with another request id
    mine = await client.get(url, headers=_bearer(who))
    theirs = await client.get(url, headers=_bearer(other))
    anonymous = await client.get(url)
    forged = await client.get(url.replace(str(who.member_id), str(other.member_id)), headers=_bearer(other))

    # then only the member gets the JSON file
    assert mine.status_code == 200 and mine.headers["content-type"].startswith("application/json")
    assert json.loads(mine.content)["member_id"] == str(who.member_id)
    assert (theirs.status_code, theirs.json()["code"]) == (403, "DATA_LINK_NOT_YOURS")
    assert (anonymous.status_code, anonymous.json()["code"]) == (403, "DATA_LINK_NOT_YOURS")
    assert (forged.status_code, forged.json()["code"]) == (403, "DATA_LINK_INVALID")

    # and a genuine link whose ten minutes have passed is gone
    request = await mongo.db[c.MEMBER_DATA_REQUESTS].find_one(
        {"merchant_id": who.merchant_id, "member_id": who.member_id}
    )
    assert request is not None
    past = datetime.now(UTC) - timedelta(seconds=1)
    params = data_copy.signer_for(keyring(settings)).sign(
        data_copy.Grant(who.merchant_id, who.member_id, request["_id"], past)
    )
    expired = await client.get(f"{url.split('?')[0]}", params=params, headers=_bearer(who))
    assert (expired.status_code, expired.json()["code"]) == (410, "DATA_LINK_EXPIRED")


def _paths(value: Any, target: ObjectId, prefix: str = "") -> Iterator[str]:
    """Every dotted path at which `value` holds `target` (list items under their list's path)."""
    if value == target:
        yield prefix
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, target, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list):
        for inner in value:
            yield from _paths(inner, target, prefix)


async def _merchant_docs(mongo: Mongo, merchant_id: ObjectId) -> dict[str, list[Doc]]:
    """Every document of the merchant, collection by collection, as the merchant export reads them."""
    found: dict[str, list[Doc]] = {}
    for collection, scope in SCOPES.items():
        if isinstance(scope, Owned):
            found[collection] = await mongo.db[collection].find({scope.field: merchant_id}).to_list()
    return found


def test_every_collection_is_declared_member_data_or_not() -> None:
    every = {v for k, v in vars(c).items() if k.isupper() and isinstance(v, str)}
    assert set(MEMBER_DATA).isdisjoint(NOT_MEMBER_DATA)
    assert set(MEMBER_DATA) | set(NOT_MEMBER_DATA) == every, "declare it in domain/privacy/member_data.py"


async def test_the_copy_holds_every_document_that_names_the_member(
    gql: Gql, mongo: Mongo, pii: PiiCipher, channels: Channels, shop: Shop, owner_token: str
) -> None:
    # given a member with a phone, stored value, two coupons (one handed to a friend), an upline and two levels down
    me = await sign_in(gql, shop, "me")
    phone_code = f"phone-{uuid.uuid4().hex}"
    channels.state.phones[phone_code] = "13812345678"
    assert (await gql("member", UPDATE, {"input": {"phoneCode": phone_code, "nickname": "我"}}, token=me.token))[
        "data"
    ]["updateProfile"]["userErrors"] == []
    upline, down, down2 = [await make_member(mongo, shop, name) for name in ("上线", "下线", "下下线")]
    assert (await bind(mongo, shop, me.member_id, upline.id)).bound
    assert (await bind(mongo, shop, down.id, me.member_id, BindingSource.MEMBER_QR)).bound
    assert (await bind(mongo, shop, down2.id, down.id)).bound
    await top_up(mongo, me, 10_000, 1_000)
    template = await new_template(gql, owner_token, perMemberLimit=2)
    holder = CouponCustomer(me.member_id, me.gid, me.token)
    kept = await claimed_coupon(gql, holder, template)
    given = await claimed_coupon(gql, holder, template)
    share = (await gql("member", FORWARD, {"id": given}, token=me.token))["data"]["forwardCoupon"]["share"]
    accepted = await gql("member", ACCEPT, {"t": share["token"]}, token=down.token)
    assert accepted["data"]["acceptCoupon"]["userErrors"] == [], accepted

    # when they ask for their copy and the worker prepares it
    url = await _prepared(gql, mongo, pii, me)
    file = await mongo.db[c.MEMBER_DATA_FILES].find_one({"merchant_id": me.merchant_id})
    assert file is not None
    copy = json.loads(gzip.decompress(file["gzip"]))

    # then every place the database names the member is declared, and each of their own documents is in the copy
    for collection, docs in (await _merchant_docs(mongo, me.merchant_id)).items():
        for doc in docs:
            paths = set(_paths(doc, me.member_id))
            if not paths:
                continue
            assert collection in MEMBER_DATA, f"{collection} names the member at {paths}: declare it"
            declared = MEMBER_DATA[collection]
            assert paths <= {*declared.own, *declared.others}, f"{collection}: undeclared {paths}"
            if paths & set(declared.own):
                ids = {d["_id"] for d in copy["collections"][collection]}
                assert str(doc["_id"]) in ids, f"{collection} {doc['_id']} is missing from the copy"

    # and the referrals are names only, the phone is decrypted for the member alone
    assert copy["referrals"] == {
        "upline": "上线0",
        "downline": [{"name": "下线0", "level": 1}, {"name": "下下线0", "level": 2}],
    }
    assert [card["phone"] for card in copy["collections"][c.CARDS]] == ["13812345678"]
    assert "phone_enc" not in json.dumps(copy) and str(upline.id) not in json.dumps(copy["referrals"])
    assert len(copy["collections"][c.COUPONS]) == 2 and kept and url
