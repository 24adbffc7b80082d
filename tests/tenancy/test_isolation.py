"""Merchants are sealed from each other: the owner of merchant A, holding every id merchant B has, can
neither read nor change anything of B's through any admin query or mutation that takes an id.

The table below has one case per admin field taking an ID (directly or inside its input); a test reads the
schema and fails when a field has no case, so every new field must say how it refuses a foreign id.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from bson import ObjectId
from graphql import (
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLInputType,
    IntrospectionQuery,
    build_client_schema,
    get_named_type,
)

from api.settings import Settings
from db.mongo import Doc, Mongo
from domain.pii import PiiCipher
from domain.tenancy import Role
from schema.admin import build_admin_schema
from tests.conftest import Gql, Shop, open_shop, staff_token
from tests.tenancy.conftest import gid, hire

Ids = dict[str, str]


@dataclass(frozen=True)
class Case:
    document: str
    variables: Callable[[Ids], dict[str, Any]]
    refusal: str  # "null" for a query; otherwise the userError code, or FORBIDDEN


def _key() -> str:
    return uuid.uuid4().hex


# Ordered so that each control run (the same request with the caller's own ids) leaves the next one possible:
# the card is reported lost and reissued only at the end.
CASES: dict[str, Case] = {
    "Query.store": Case("query($id: ID!) { store(id: $id) { id name } }", lambda ids: {"id": ids["store"]}, "null"),
    "Query.staffMember": Case(
        "query($id: ID!) { staffMember(id: $id) { id name phone } }", lambda ids: {"id": ids["staff"]}, "null"
    ),
    "Query.member": Case(
        "query($id: ID!) { member(id: $id) { id card { number points } } }", lambda ids: {"id": ids["member"]}, "null"
    ),
    "Mutation.addStaff": Case(
        """mutation($input: AddStaffInput!) {
             addStaff(input: $input) { staffMember { id } userErrors { field code } } }""",
        lambda ids: {
            "input": {
                "name": "外店收银",
                "phone": "13700000009",
                "password": "staff-password-1",
                "role": "CASHIER",
                "storeIds": [ids["store"]],
            }
        },
        "STORE_NOT_FOUND",
    ),
    "Mutation.setLevels": Case(
        """mutation($input: SetLevelsInput!) {
             setLevels(input: $input) { loyaltyProgram { levels { id } } userErrors { field code } } }""",
        lambda ids: {"input": {"levels": [{"id": ids["level"], "name": "会员", "thresholdFen": 0}]}},
        "LEVELS_INVALID",
    ),
    "Mutation.archiveTopUpPlan": Case(
        """mutation($input: ArchiveTopUpPlanInput!) {
             archiveTopUpPlan(input: $input) { topUpPlan { id } userErrors { field code } } }""",
        lambda ids: {"input": {"id": ids["top_up_plan"]}},
        "PLAN_NOT_FOUND",
    ),
    "Mutation.adjustBalance": Case(
        """mutation($input: AdjustBalanceInput!) {
             adjustBalance(input: $input) { ledgerEntry { id } userErrors { field code } } }""",
        lambda ids: {
            "input": {
                "memberId": ids["member"],
                "account": "POINTS",
                "amount": 100,
                "reason": "补录积分",
                "idempotencyKey": _key(),
            }
        },
        "CARD_NOT_FOUND",
    ),
    "Mutation.grantCountCard": Case(
        """mutation($input: GrantCountCardInput!) {
             grantCountCard(input: $input) { countCard { id } userErrors { field code } } }""",
        lambda ids: {
            "input": {
                "memberId": ids["member"],
                "name": "洗剪吹 5 次",
                "uses": 5,
                "expiresAt": "2099-01-01T00:00:00+00:00",
                "idempotencyKey": _key(),
            }
        },
        "CARD_NOT_FOUND",
    ),
    "Mutation.useCountCard": Case(
        """mutation($input: UseCountCardInput!) {
             useCountCard(input: $input) { countCard { id remaining } userErrors { field code } } }""",
        lambda ids: {"input": {"countCardId": ids["count_card"], "idempotencyKey": _key()}},
        "COUNT_CARD_NOT_FOUND",
    ),
    "Mutation.reportCardLost": Case(
        """mutation($input: CardStatusInput!) {
             reportCardLost(input: $input) { card { number } userErrors { field code } } }""",
        lambda ids: {"input": {"memberId": ids["member"], "reason": "顾客说卡丢了"}},
        "CARD_NOT_FOUND",
    ),
    "Mutation.reissueCard": Case(
        """mutation($input: CardStatusInput!) {
             reissueCard(input: $input) { card { number } userErrors { field code } } }""",
        lambda ids: {"input": {"memberId": ids["member"], "reason": "补办新卡"}},
        "CARD_NOT_FOUND",
    ),
}


def _id_paths(type_: GraphQLInputType, path: str, seen: frozenset[str] = frozenset()) -> list[str]:
    named = get_named_type(type_)
    if named is GraphQLID:
        return [path]
    if isinstance(named, GraphQLInputObjectType) and named.name not in seen:
        inner = seen | {named.name}
        return [p for name, field in named.fields.items() for p in _id_paths(field.type, f"{path}.{name}", inner)]
    return []


def fields_taking_ids() -> dict[str, list[str]]:
    """`Query.x` / `Mutation.y` -> the argument paths of type ID, read from the admin schema itself."""
    settings = Settings(_env_file=None, secret_key="isolation", pii_key="isolation")
    schema = build_client_schema(cast(IntrospectionQuery, build_admin_schema(settings).introspect()))
    found: dict[str, list[str]] = {}
    for root in (schema.query_type, schema.mutation_type):
        assert root is not None
        for name, field in root.fields.items():
            paths = [p for arg, a in field.args.items() for p in _id_paths(a.type, arg)]
            if paths:
                found[f"{root.name}.{name}"] = paths
    return found


def test_every_admin_field_taking_an_id_has_an_isolation_case() -> None:
    # given the admin schema as it is now
    fields = fields_taking_ids()

    # then the walk below covers every field that takes an ID, and no case is left for a field that is gone
    assert {name: paths for name, paths in fields.items() if name not in CASES} == {}, "add a case to CASES"
    assert sorted(set(CASES) - set(fields)) == []


ME_LEVELS = "query { loyaltyProgram { levels { id thresholdFen } } }"
MEMBER_LOGIN = """
mutation($input: LoginInput!) { login(input: $input) { member { id } userErrors { code } } }
"""
CREATE_TOP_UP_PLAN = """
mutation { createTopUpPlan(input: {name: "充 500 送 50", payFen: 50000, bonusFen: 5000}) {
  topUpPlan { id } userErrors { code } } }
"""
GRANT_COUNT_CARD = """
mutation($input: GrantCountCardInput!) { grantCountCard(input: $input) { countCard { id } userErrors { code } } }
"""


@dataclass(frozen=True)
class Tenant:
    merchant_id: ObjectId
    owner_token: str
    ids: Ids


async def _data(gql: Gql, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None) -> Any:
    body = await gql("admin" if token else "member", query, variables, token=token)
    assert "errors" not in body, body
    return body["data"]


async def furnish(gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, staff_phone: str) -> Tenant:
    """A merchant with one of everything an admin id can name: store, staff, member with card, card level,
    top-up plan and count card, made the way the merchant would make them."""
    token = await staff_token(gql, shop.owner_phone)
    owner = shop.merchant.owner
    staff = await hire(mongo, pii, owner, staff_phone, Role.CASHIER, stores=[shop.merchant.store.id])
    login = {"code": f"guest.{uuid.uuid4().hex}", "channel": "WECHAT", "merchantId": gid(shop.merchant.merchant)}
    member = (await _data(gql, MEMBER_LOGIN, {"input": login}))["login"]["member"]["id"]
    [level, *_] = (await _data(gql, ME_LEVELS, token=token))["loyaltyProgram"]["levels"]
    plan = (await _data(gql, CREATE_TOP_UP_PLAN, token=token))["createTopUpPlan"]["topUpPlan"]["id"]
    grant = {"memberId": member, "name": "护理 10 次", "uses": 10, "expiresAt": "2099-01-01T00:00:00+00:00"}
    granted = await _data(gql, GRANT_COUNT_CARD, {"input": grant | {"idempotencyKey": _key()}}, token=token)
    ids = {
        "store": gid(shop.merchant.store),
        "staff": gid(staff),
        "member": member,
        "level": level["id"],
        "top_up_plan": plan,
        "count_card": granted["grantCountCard"]["countCard"]["id"],
    }
    return Tenant(shop.merchant.merchant.id, token, ids)


async def belongings(mongo: Mongo, merchant_id: ObjectId) -> dict[str, list[Doc]]:
    """Every document in the database that belongs to one merchant, whatever collection it lives in."""
    mine = {"$or": [{"merchant_id": merchant_id}, {"_id": merchant_id}]}
    names = sorted(await mongo.db.list_collection_names())
    return {name: await mongo.db[name].find(mine).sort("_id", 1).to_list() for name in names}


def outcome(body: dict[str, Any], field: str) -> str:
    """How a request ended: FORBIDDEN, null, the code of its first user error, or ACCEPTED."""
    if body.get("errors"):
        return "+".join(e.get("extensions", {}).get("code", e["message"]) for e in body["errors"])
    result = body["data"][field]
    if result is None:
        return "null"
    if isinstance(result, dict) and result.get("userErrors"):
        return str(result["userErrors"][0]["code"])
    return "ACCEPTED"


async def test_staff_of_one_merchant_cannot_read_or_change_anything_of_another(
    gql: Gql, shop: Shop, mongo: Mongo, pii: PiiCipher
) -> None:
    # given two merchants, each with one of everything an admin id can point at
    other_shop = await open_shop(mongo, pii, "13900000002", name="乙店")
    a = await furnish(gql, mongo, pii, shop, "13800000001")
    b = await furnish(gql, mongo, pii, other_shop, "13800000002")
    b_before = await belongings(mongo, b.merchant_id)

    # when A's owner sends every id-taking request with B's ids, and then, as a control, with A's own
    refused, changed_b, controls = {}, [], {}
    for name, case in CASES.items():
        field = name.partition(".")[2]
        body = await gql("admin", case.document, case.variables(b.ids), token=a.owner_token)
        refused[name] = outcome(body, field)
        if await belongings(mongo, b.merchant_id) != b_before:
            changed_b.append(name)
            b_before = await belongings(mongo, b.merchant_id)
        own = await gql("admin", case.document, case.variables(a.ids), token=a.owner_token)
        controls[name] = outcome(own, field)

    # then every request with B's ids was refused as not found, without touching any of B's documents,
    assert refused == {name: case.refusal for name, case in CASES.items()}
    assert changed_b == []
    # while the very same requests with A's own ids went through, so it was the foreign id that was refused
    assert controls == dict.fromkeys(CASES, "ACCEPTED")


STAFF_LIST = "query { staffMembers(first: 100) { edges { node { id } } } }"
STORE_LIST = "query { stores(first: 100) { edges { node { id } } } }"


async def test_lists_show_only_the_callers_merchant(
    gql: Gql, shop: Shop, owner_token: str, mongo: Mongo, pii: PiiCipher
) -> None:
    # given a second merchant with its own staff
    other = await open_shop(mongo, pii, "13900000002", name="乙店")
    other_cashier = await hire(mongo, pii, other.merchant.owner, "13800000002", Role.CASHIER)

    # when the first merchant's owner lists stores and staff
    stores = await gql("admin", STORE_LIST, token=owner_token)
    staff = await gql("admin", STAFF_LIST, token=owner_token)

    # then only their own appear
    assert [e["node"]["id"] for e in stores["data"]["stores"]["edges"]] == [gid(shop.merchant.store)]
    assert [e["node"]["id"] for e in staff["data"]["staffMembers"]["edges"]] == [gid(shop.merchant.owner)]
    assert gid(other_cashier) not in str(staff)
