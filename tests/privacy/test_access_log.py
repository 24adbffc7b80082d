"""The access log: who saw a member's phone in full, adjusted a balance or closed an account is recorded as it
happens; only the OWNER reads it, filtered, at a fixed cost; nothing can change or remove an entry.
"""

import inspect
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from db import collections as c
from db.mongo import Mongo
from domain import access_log
from domain.pii import PiiCipher
from domain.tenancy import Role
from schema.admin import build_admin_schema
from schema.ids import to_global_id
from tests.conftest import Gql, Shop, count_commands
from tests.coupons.conftest import make_staff
from tests.referrals.conftest import bind_phone, make_members

SEARCH = "query { members(first: 50) { edges { node { id card { phone } } } } }"
ADJUST = """
mutation($input: AdjustBalanceInput!) { adjustBalance(input: $input) { ledgerEntry { amount } userErrors { code } } }
"""
EXPORT = """
mutation($from: Date!, $to: Date!) { exportReconciliation(from: $from, to: $to) { url userErrors { code } } }
"""
CLOSE_MEMBER_ACCOUNT = """
mutation($input: CloseMemberAccountInput!) { closeMemberAccount(input: $input) { closedAt userErrors { code } } }
"""
ACCESS_LOG = """
query($filter: AccessLogFilter, $first: Int, $after: String) {
  accessLog(filter: $filter, first: $first, after: $after) {
    edges { node { action role staffMemberId staffName memberName memberId storeId detail { key value } at } cursor }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def _actions(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["node"]["action"], e["node"]["memberId"]) for e in body["data"]["accessLog"]["edges"]]


async def test_phones_shown_in_full_adjustments_and_closings_are_logged_for_the_owner(
    mongo: Mongo, pii: PiiCipher, gql: Gql, shop: Shop, owner_token: str
) -> None:
    # Given three members with phones, a manager and a cashier
    merchant_id = shop.merchant.merchant.id
    people = await make_members(mongo, merchant_id, 3, "m")
    for i, p in enumerate(people):
        await bind_phone(mongo, pii, shop, p.id, f"1381234567{i}")
    manager = await make_staff(mongo, pii, shop, Role.MANAGER, "13700000002")
    cashier = await make_staff(mongo, pii, shop, Role.CASHIER, "13700000003")

    # When the manager lists members (phones in full), the cashier lists them (masked), the manager adjusts a
    # member's points, and the owner closes another's account on their written request
    with count_commands(mongo) as listing:
        await gql("admin", SEARCH, token=manager.token)
    await gql("admin", SEARCH, token=cashier.token)
    adjust = {"memberId": people[0].gid, "account": "POINTS", "amount": 50, "reason": "补录积分"}
    await gql("admin", ADJUST, {"input": adjust | {"idempotencyKey": uuid.uuid4().hex}}, token=manager.token)
    close = {"memberId": people[2].gid, "reason": "会员申请", "requestRef": "SQ-7"}
    await gql("admin", CLOSE_MEMBER_ACCOUNT, {"input": close}, token=owner_token)
    body = await gql("admin", ACCESS_LOG, token=owner_token)

    # Then the owner sees each, newest first, the three phones logged in one write, the cashier's view not at all
    assert _actions(body) == [
        ("ACCOUNT_CLOSED", people[2].gid),
        ("BALANCE_ADJUSTED", people[0].gid),
        *(("PHONE_VIEWED", p.gid) for p in reversed(people)),
    ]
    assert [cmd for cmd in listing if cmd == "insert"] == ["insert"]
    [closed, adjusted, *_] = [e["node"] for e in body["data"]["accessLog"]["edges"]]
    assert {d["key"]: d["value"] for d in closed["detail"]} == {"reason": "会员申请", "request_ref": "SQ-7"}
    assert (adjusted["role"], adjusted["staffMemberId"]) == ("MANAGER", to_global_id("StaffMember", manager.staff.id))


async def test_only_the_owner_reads_the_log_filtered_at_a_fixed_cost(
    mongo: Mongo, pii: PiiCipher, gql: Gql, shop: Shop, owner_token: str
) -> None:
    # Given a log with a few phone views of two members by the owner
    merchant_id = shop.merchant.merchant.id
    [a, b] = await make_members(mongo, merchant_id, 2, "m")
    who = access_log.Accessor.of(shop.merchant.owner)
    for member in (a, b, a, b, a):
        await access_log.record(
            mongo=mongo,
            merchant_id=merchant_id,
            who=who,
            action=access_log.AccessAction.PHONE_VIEWED,
            member_id=member.id,
        )
    manager = await make_staff(mongo, pii, shop, Role.MANAGER, "13700000002")

    # When the owner pages through one member's entries, two at a time, and a manager asks for the log
    pages, after = [], None
    with count_commands(mongo) as commands:
        while True:
            variables = {"filter": {"memberId": a.gid, "action": "PHONE_VIEWED"}, "first": 2, "after": after}
            page = (await gql("admin", ACCESS_LOG, variables, token=owner_token))["data"]["accessLog"]
            pages.append(len(page["edges"]))
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
    refused = await gql("admin", ACCESS_LOG, token=manager.token)

    # Then the owner got the member's three entries in two pages, each page five reads whatever its size: the
    # staff member, the filter's member, the page, and the names of its staff and members
    assert pages == [2, 1]
    assert len(commands) == 5 * len(pages)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_the_log_is_append_only() -> None:
    # Given the access log's module and the admin schema
    source = inspect.getsource(access_log)
    mutations = build_admin_schema().as_str().split("type Mutation {")[1].split("}")[0]

    # Then the module only ever inserts, and no mutation touches the log
    for verb in ("update_", "delete_", "replace_", "find_one_and_", "bulk_write", "drop"):
        assert verb not in source
    assert "ccessLog" not in mutations
    assert c.ACCESS_LOG in source or "ACCESS_LOG" in source


async def test_a_reconciliation_export_is_logged_when_downloaded(
    mongo: Mongo, gql: Gql, client: httpx.AsyncClient, shop: Shop, owner_token: str
) -> None:
    # Given the owner asked for a day's reconciliation link
    day = datetime.now(UTC).date().isoformat()
    signed = await gql("admin", EXPORT, {"from": day, "to": day}, token=owner_token)

    # When the file is downloaded
    response = await client.get(signed["data"]["exportReconciliation"]["url"])

    # Then the download is in the log, as the owner's export of those days
    assert response.status_code == 200
    [entry] = await mongo.db[c.ACCESS_LOG].find({"merchant_id": shop.merchant.merchant.id}).to_list()
    assert (entry["action"], entry["role"], entry["detail"]["export"]) == ("EXPORTED", "OWNER", "reconciliation")
