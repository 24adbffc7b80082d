"""Opening stores and hiring staff: owners and managers may, within their own power and stores; everyone
else is refused; bad input is a user error that leaves the shop as it was; phones are shown by role and
stored encrypted.
"""

import asyncio
from typing import Any

import pytest

from db import collections as c
from db.mongo import Mongo
from domain.pii import PiiCipher
from domain.tenancy import Role
from tests.conftest import Gql, Shop, staff_token
from tests.tenancy.conftest import STAFF_PASSWORD, forbidden, gid, hire, open_store, snapshot

CREATE_STORE = """
mutation($input: CreateStoreInput!) {
  createStore(input: $input) {
    store { id name timezone }
    userErrors { field code message }
  }
}
"""

ADD_STAFF = """
mutation($input: AddStaffInput!) {
  addStaff(input: $input) {
    staffMember { id name role allStores phone stores { id name } }
    userErrors { field code message }
  }
}
"""

STAFF_LIST = "query { staffMembers(first: 50) { edges { node { id name role phone stores { name } } } } }"
STORE_LIST = "query { stores(first: 50) { edges { node { id name } } } }"
STORE = "query($id: ID!) { store(id: $id) { id name } }"
STAFF_MEMBER = "query($id: ID!) { staffMember(id: $id) { id name } }"
MY_PHONE = "query { me { phone } }"


def staff_input(**overrides: Any) -> dict[str, Any]:
    return {"name": "小王", "phone": "13811112222", "password": STAFF_PASSWORD, "role": "CASHIER"} | overrides


async def add_staff(gql: Gql, token: str, **overrides: Any) -> dict[str, Any]:
    body = await gql("admin", ADD_STAFF, {"input": staff_input(**overrides)}, token=token)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["addStaff"]
    return payload


async def create_store(gql: Gql, token: str, **input: str) -> dict[str, Any]:
    body = await gql("admin", CREATE_STORE, {"input": input}, token=token)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["createStore"]
    return payload


def names(body: dict[str, Any], field: str) -> set[str]:
    return {edge["node"]["name"] for edge in body["data"][field]["edges"]}


async def test_owner_opens_a_store_and_hires_every_kind_of_staff(
    gql: Gql, shop: Shop, owner_token: str, mongo: Mongo
) -> None:
    # given an owner with one store
    first_store = gid(shop.merchant.store)

    # when they open a second store and hire a manager for all stores, a cashier for the new store and a
    # technician for both (the form sent the new store twice)
    opened = await create_store(gql, owner_token, name="二号店", timezone="Asia/Urumqi")
    second_store = opened["store"]["id"]
    manager = await add_staff(gql, owner_token, name="老李", phone="13800000002", role="MANAGER", allStores=True)
    cashier = await add_staff(gql, owner_token, name="小王", phone="13800000003", storeIds=[second_store])
    technician = await add_staff(
        gql,
        owner_token,
        name="小张",
        phone="+86 138-0000-0004",
        role="TECHNICIAN",
        storeIds=[first_store, second_store, second_store],
    )

    # then each exists as asked, with the phone normalised
    assert opened == {"store": {"id": second_store, "name": "二号店", "timezone": "Asia/Urumqi"}, "userErrors": []}
    assert [p["userErrors"] for p in (manager, cashier, technician)] == [[], [], []]
    assert manager["staffMember"] | {"id": None} == {
        "id": None,
        "name": "老李",
        "role": "MANAGER",
        "allStores": True,
        "phone": "13800000002",
        "stores": [],
    }
    assert cashier["staffMember"]["stores"] == [{"id": second_store, "name": "二号店"}]
    assert technician["staffMember"]["phone"] == "13800000004"
    assert [s["name"] for s in technician["staffMember"]["stores"]] == ["甲店一号店", "二号店"]
    # and the staff list shows all four, the stores list both stores
    staff = await gql("admin", STAFF_LIST, token=owner_token)
    assert {(e["node"]["name"], e["node"]["role"]) for e in staff["data"]["staffMembers"]["edges"]} == {
        ("店主", "OWNER"),
        ("老李", "MANAGER"),
        ("小王", "CASHIER"),
        ("小张", "TECHNICIAN"),
    }
    assert names(await gql("admin", STORE_LIST, token=owner_token), "stores") == {"甲店一号店", "二号店"}
    # and every change is in the audit log under the owner's name
    audit = await mongo.db[c.AUDIT_LOG].find({}).sort("at", 1).to_list()
    assert [(a["action"], a["actor_id"]) for a in audit] == [("store.create", shop.merchant.owner.id)] + [
        ("staff.add", shop.merchant.owner.id)
    ] * 3
    # and the new cashier can sign in with the password the owner set
    assert await staff_token(gql, "13800000003", STAFF_PASSWORD)


@pytest.mark.parametrize("role", [Role.CASHIER, Role.TECHNICIAN])
async def test_cashiers_and_technicians_cannot_hire_or_open_stores(
    gql: Gql, shop: Shop, mongo: Mongo, pii: PiiCipher, role: Role
) -> None:
    # given a cashier (or technician) of the shop's store, signed in
    await hire(mongo, pii, shop.merchant.owner, "13800000005", role, stores=[shop.merchant.store.id])
    token = await staff_token(gql, "13800000005", STAFF_PASSWORD)
    before = await snapshot(mongo)

    # when they try to hire someone and to open a store
    hiring = await gql("admin", ADD_STAFF, {"input": staff_input(storeIds=[gid(shop.merchant.store)])}, token=token)
    opening = await gql("admin", CREATE_STORE, {"input": {"name": "三号店"}}, token=token)

    # then both are refused as FORBIDDEN and nothing was written
    assert forbidden(hiring), hiring
    assert forbidden(opening), opening
    assert await snapshot(mongo) == before


async def test_manager_of_all_stores_opens_stores_and_hires_cashiers_but_not_owners_or_managers(
    gql: Gql, shop: Shop, mongo: Mongo, pii: PiiCipher
) -> None:
    # given a manager of all stores
    await hire(mongo, pii, shop.merchant.owner, "13800000002", Role.MANAGER)
    token = await staff_token(gql, "13800000002", STAFF_PASSWORD)
    before = await snapshot(mongo)

    # when they try to appoint an owner and a fellow manager
    owner = await gql("admin", ADD_STAFF, {"input": staff_input(role="OWNER", allStores=True)}, token=token)
    manager = await gql("admin", ADD_STAFF, {"input": staff_input(role="MANAGER", allStores=True)}, token=token)

    # then both are refused and nothing changed
    assert forbidden(owner), owner
    assert forbidden(manager), manager
    assert await snapshot(mongo) == before
    # while hiring a cashier and opening a store both work
    cashier = await add_staff(gql, token, storeIds=[gid(shop.merchant.store)])
    assert cashier["userErrors"] == [] and cashier["staffMember"]["role"] == "CASHIER"
    opened = await create_store(gql, token, name="二号店")
    assert opened["userErrors"] == [] and opened["store"]["name"] == "二号店"


async def test_store_scoped_manager_stays_inside_their_stores(
    gql: Gql, shop: Shop, mongo: Mongo, pii: PiiCipher
) -> None:
    # given two stores, a manager of the first only, a cashier in each, and a technician working in both
    owner, home = shop.merchant.owner, shop.merchant.store
    other = await open_store(mongo, owner, "二号店")
    await hire(mongo, pii, owner, "13800000002", Role.MANAGER, stores=[home.id], name="一店经理")
    await hire(mongo, pii, owner, "13800000003", Role.CASHIER, stores=[home.id], name="一店收银")
    other_cashier = await hire(mongo, pii, owner, "13800000004", Role.CASHIER, stores=[other.id], name="二店收银")
    await hire(mongo, pii, owner, "13800000005", Role.TECHNICIAN, stores=[home.id, other.id], name="两店技师")
    token = await staff_token(gql, "13800000002", STAFF_PASSWORD)
    before = await snapshot(mongo)

    # when the manager tries to hire into the other store, for all stores, or to open a store
    into_other = await add_staff(gql, token, storeIds=[gid(other)])
    into_both = await add_staff(gql, token, storeIds=[gid(home), gid(other)])
    everywhere = await gql("admin", ADD_STAFF, {"input": staff_input(allStores=True)}, token=token)
    opening = await gql("admin", CREATE_STORE, {"input": {"name": "三号店"}}, token=token)

    # then the other store does not exist for them, the rest is forbidden, and nothing changed
    assert (
        into_other["userErrors"]
        == into_both["userErrors"]
        == [{"field": "storeIds", "code": "STORE_NOT_FOUND", "message": "门店不存在"}]
    )
    assert forbidden(everywhere), everywhere
    assert forbidden(opening), opening
    assert await snapshot(mongo) == before

    # and they see only their store, and only the staff working in it (the technician with only that store)
    assert names(await gql("admin", STORE_LIST, token=token), "stores") == {"甲店一号店"}
    assert await gql("admin", STORE, {"id": gid(other)}, token=token) == {"data": {"store": None}}
    assert (await gql("admin", STORE, {"id": gid(home)}, token=token))["data"]["store"]["name"] == "甲店一号店"
    staff = await gql("admin", STAFF_LIST, token=token)
    assert {
        (e["node"]["name"], tuple(s["name"] for s in e["node"]["stores"]))
        for e in staff["data"]["staffMembers"]["edges"]
    } == {
        ("一店经理", ("甲店一号店",)),
        ("一店收银", ("甲店一号店",)),
        ("两店技师", ("甲店一号店",)),
    }
    for hidden in (other_cashier, owner):
        assert await gql("admin", STAFF_MEMBER, {"id": gid(hidden)}, token=token) == {"data": {"staffMember": None}}

    # while hiring into their own store works
    assert (await add_staff(gql, token, storeIds=[gid(home)]))["userErrors"] == []


async def test_one_phone_hired_five_times_at_once_makes_one_staff_member(
    gql: Gql, shop: Shop, owner_token: str, mongo: Mongo
) -> None:
    # given an owner whose admin app sent the same hiring form five times at once (a double tap, retries)
    store = gid(shop.merchant.store)

    # when the five requests race
    answers = await asyncio.gather(*(add_staff(gql, owner_token, storeIds=[store]) for _ in range(5)))

    # then one hired the cashier and the other four were told the phone is taken
    assert (
        sorted(a["userErrors"][0]["code"] if a["userErrors"] else "HIRED" for a in answers)
        == ["HIRED"] + ["PHONE_TAKEN"] * 4
    )
    assert await mongo.db[c.STAFF].count_documents({"role": "CASHIER"}) == 1


async def test_bad_store_input_is_a_user_error_and_changes_nothing(
    gql: Gql, shop: Shop, owner_token: str, mongo: Mongo
) -> None:
    # given an owner, and store forms that are wrong in one way each
    cases: dict[str, dict[str, str]] = {
        "empty name": {"name": ""},
        "blank name": {"name": "   "},
        "name over 64 characters": {"name": "店" * 65},
        "unknown time zone": {"name": "三号店", "timezone": "Mars/Olympus"},
        "not a time zone": {"name": "三号店", "timezone": "../../etc/passwd"},
    }
    before = await snapshot(mongo)

    # when each is sent
    answers = {case: await create_store(gql, owner_token, **form) for case, form in cases.items()}

    # then each gets its own code on the field at fault, no store, and nothing was written
    assert {
        case: (a["store"], a["userErrors"][0]["field"], a["userErrors"][0]["code"]) for case, a in answers.items()
    } == {
        "empty name": (None, "name", "NAME_REQUIRED"),
        "blank name": (None, "name", "NAME_REQUIRED"),
        "name over 64 characters": (None, "name", "NAME_REQUIRED"),
        "unknown time zone": (None, "timezone", "INVALID_TIMEZONE"),
        "not a time zone": (None, "timezone", "INVALID_TIMEZONE"),
    }
    assert await snapshot(mongo) == before


async def test_bad_staff_input_is_a_user_error_and_changes_nothing(
    gql: Gql, shop: Shop, owner_token: str, mongo: Mongo
) -> None:
    # given an owner, and hiring forms that are wrong in one way each
    store = gid(shop.merchant.store)
    cases: dict[str, dict[str, Any]] = {
        "empty name": {"name": "", "storeIds": [store]},
        "bad phone": {"phone": "1234", "storeIds": [store]},
        "letters for a phone": {"phone": "call-me", "storeIds": [store]},
        "short password": {"password": "1234567", "storeIds": [store]},
        "the owner's phone, typed differently": {"phone": "+86 139 0000 0001", "storeIds": [store]},
        "malformed store id": {"storeIds": ["not-an-id"]},
        "a staff id for a store": {"storeIds": [gid(shop.merchant.owner)]},
        "no store": {"storeIds": []},
    }
    before = await snapshot(mongo)

    # when each is sent
    answers = {case: await add_staff(gql, owner_token, **form) for case, form in cases.items()}

    # then each gets its own code on the field at fault, no staff member, and nothing was written
    assert {
        case: (a["staffMember"], a["userErrors"][0]["field"], a["userErrors"][0]["code"]) for case, a in answers.items()
    } == {
        "empty name": (None, "name", "NAME_REQUIRED"),
        "bad phone": (None, "phone", "INVALID_PHONE"),
        "letters for a phone": (None, "phone", "INVALID_PHONE"),
        "short password": (None, "password", "PASSWORD_TOO_SHORT"),
        "the owner's phone, typed differently": (None, "phone", "PHONE_TAKEN"),
        "malformed store id": (None, "storeIds", "INVALID_ID"),
        "a staff id for a store": (None, "storeIds", "INVALID_ID"),
        "no store": (None, "storeIds", "STORES_REQUIRED"),
    }
    assert await snapshot(mongo) == before


async def test_staff_phones_are_full_for_owners_and_managers_and_masked_for_the_rest(
    gql: Gql, shop: Shop, owner_token: str, mongo: Mongo, pii: PiiCipher
) -> None:
    # given a manager, a cashier and a technician, all working at the shop's store
    owner, store = shop.merchant.owner, shop.merchant.store.id
    await hire(mongo, pii, owner, "13800000002", Role.MANAGER, stores=[store], name="经理")
    await hire(mongo, pii, owner, "13812341234", Role.CASHIER, stores=[store], name="收银")
    await hire(mongo, pii, owner, "13655556666", Role.TECHNICIAN, stores=[store], name="技师")
    tokens = {
        "owner": owner_token,
        "manager": await staff_token(gql, "13800000002", STAFF_PASSWORD),
        "cashier": await staff_token(gql, "13812341234", STAFF_PASSWORD),
        "technician": await staff_token(gql, "13655556666", STAFF_PASSWORD),
    }

    # when each of them opens the staff list
    seen = {}
    for viewer, token in tokens.items():
        body = await gql("admin", STAFF_LIST, token=token)
        seen[viewer] = {e["node"]["name"]: e["node"]["phone"] for e in body["data"]["staffMembers"]["edges"]}

    # then owners and managers read whole numbers; cashiers and technicians only the first three and last four
    in_full = {"经理": "13800000002", "收银": "13812341234", "技师": "13655556666"}
    masked = {"经理": "138****0002", "收银": "138****1234", "技师": "136****6666"}
    assert seen == {
        "owner": in_full | {"店主": "13900000001"},
        "manager": in_full,
        "cashier": masked,
        "technician": masked,
    }
    # and that includes their own number
    assert await gql("admin", MY_PHONE, token=tokens["cashier"]) == {"data": {"me": {"phone": "138****1234"}}}


async def test_staff_phones_are_stored_encrypted(shop: Shop, mongo: Mongo, pii: PiiCipher) -> None:
    # given a cashier hired with phone 13812341234
    cashier = await hire(mongo, pii, shop.merchant.owner, "13812341234", Role.CASHIER, stores=[shop.merchant.store.id])

    # when someone reads the raw staff documents (a backup, a leaked dump)
    raw = await mongo.db[c.STAFF].find_one({"_id": cashier.id})
    owner_raw = await mongo.db[c.STAFF].find_one({"_id": shop.merchant.owner.id})

    # then neither phone appears in any form, yet the key holder can still decrypt and look them up
    assert raw is not None and owner_raw is not None
    for digits in ("13812341234", "12341234", "13900000001"):
        assert digits not in repr(raw) + repr(owner_raw)
    assert pii.decrypt(raw["phone_enc"]) == "13812341234"
    assert raw["phone_hash"] == pii.lookup_hash("13812341234")
