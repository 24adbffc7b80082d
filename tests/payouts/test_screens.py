"""The payout screens: the owner's preview, run, schedule, runs and payouts; the member's payouts and receiving
one. Each list costs the same handful of queries whatever its length; only the owner sees or moves payouts; a
member reaches only their own.
"""

import pytest

from db import collections as c
from db.mongo import Mongo
from domain.payouts.channel import PayoutChannel
from domain.payouts.errors import PayoutCode, PayoutError
from domain.payouts.runs import run_payouts
from domain.pii import PiiCipher
from domain.tenancy import Role
from schema.ids import to_global_id
from tests.conftest import Gql, Shop, count_commands
from tests.payouts.conftest import (
    earn,
    payouts_of,
    send,
    shareholder_program,
    shareholders,
)
from tests.referrals.conftest import Person, make_staff

PREVIEW = """
query($first: Int, $after: String) {
  previewPayouts(first: $first, after: $after) {
    preview {
      payees transferFen bills skipped
      rows { edges { cursor node { memberId nickname availableFen transferFen commissions billsFen skipReason } }
             pageInfo { hasNextPage endCursor } }
    }
    userErrors { code }
  }
}
"""
RUN = """
mutation($key: String!) {
  runPayouts(input: {idempotencyKey: $key}) {
    run { id trigger status payouts transferFen paidFen }
    userErrors { field code }
  }
}
"""
PAYOUTS = """
query($status: PayoutStatus) {
  payouts(status: $status, first: 50) {
    edges { node { id beneficiaryMemberId status amountFen method bills { outBillNo amountFen status } } }
  }
}
"""
RUNS = "query { payoutRuns(first: 10) { edges { node { id status payouts transferFen } } } }"
MY_PAYOUTS = "query { myPayouts(first: 10) { edges { node { id status amountFen waitingTransfers } } } }"
RECEIVE = """
mutation($id: ID!) { receivePayout(input: {payoutId: $id}) { transfers { package } userErrors { field code } } }
"""
SCHEDULE = "query { payoutSchedule { weekdays hour enabled } }"
SET_SCHEDULE = """
mutation($weekdays: [Int!]!, $hour: Int!) {
  setPayoutSchedule(input: {weekdays: $weekdays, hour: $hour}) {
    schedule { weekdays hour enabled }
    userErrors { field code }
  }
}
"""


async def members_due(mongo: Mongo, shop: Shop, n: int, prefix: str = "股东") -> list[Person]:
    people = await shareholders(mongo, shop, await shareholder_program(mongo, shop), n, prefix)
    for person in people:
        await earn(mongo, shop, person.id, 1_000)
    return people


async def test_the_owner_previews_then_runs_payouts(gql: Gql, mongo: Mongo, shop: Shop, owner_token: str) -> None:
    # given three members with 10 yuan available each
    people = await members_due(mongo, shop, 3)

    # when the owner previews a page of two, the next page, and then runs payouts
    page = (await gql("admin", PREVIEW, {"first": 2}, token=owner_token))["data"]["previewPayouts"]["preview"]
    rest = await gql("admin", PREVIEW, {"first": 2, "after": page["rows"]["pageInfo"]["endCursor"]}, token=owner_token)
    run = (await gql("admin", RUN, {"key": "weekly-1"}, token=owner_token))["data"]["runPayouts"]

    # then the preview showed all three and the totals, and the run held exactly that
    assert (page["payees"], page["transferFen"], page["bills"], page["skipped"]) == (3, 3_000, 3, 0)
    shown = [e["node"]["memberId"] for e in page["rows"]["edges"]]
    shown += [e["node"]["memberId"] for e in rest["data"]["previewPayouts"]["preview"]["rows"]["edges"]]
    assert shown == [p.gid for p in sorted(people, key=lambda p: p.id)]
    assert page["rows"]["pageInfo"]["hasNextPage"] is True
    assert run["userErrors"] == []
    assert {k: run["run"][k] for k in ("trigger", "status", "payouts", "transferFen", "paidFen")} == {
        "trigger": "MANUAL",
        "status": "HELD",
        "payouts": 3,
        "transferFen": 3_000,
        "paidFen": 0,
    }


async def test_the_owners_lists_cost_the_same_queries_for_few_and_many(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str
) -> None:
    # given two members' payouts held, then six more in a second run
    await members_due(mongo, shop, 2, "a")
    await gql("admin", RUN, {"key": "one"}, token=owner_token)
    with count_commands(mongo) as few:
        await gql("admin", PAYOUTS, token=owner_token)
        await gql("admin", RUNS, token=owner_token)
        await gql("admin", PREVIEW, {"first": 20}, token=owner_token)
    await members_due(mongo, shop, 6, "b")
    await gql("admin", RUN, {"key": "two"}, token=owner_token)

    # when the owner opens payouts, runs and the preview again
    with count_commands(mongo) as many:
        payouts = await gql("admin", PAYOUTS, token=owner_token)
        runs = await gql("admin", RUNS, token=owner_token)
        await gql("admin", PREVIEW, {"first": 20}, token=owner_token)

    # then each costs the same few queries, however many rows
    assert len(payouts["data"]["payouts"]["edges"]) == 8
    assert [r["node"]["payouts"] for r in runs["data"]["payoutRuns"]["edges"]] == [6, 2]
    assert len(few) == len(many), (few, many)


async def test_the_owner_sees_each_bill_of_a_payout_by_its_out_bill_no(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str, channel: PayoutChannel
) -> None:
    # given a member's payout of 10 yuan whose bill was sent and waits for them
    [me] = await members_due(mongo, shop, 1)
    await gql("admin", RUN, {"key": "one"}, token=owner_token)
    await send(mongo, channel)
    [payout] = await payouts_of(mongo, me.id)
    [bill] = await mongo.db[c.PAYOUT_TRANSFERS].find({"payout_id": payout["_id"]}).to_list()

    # when the owner opens the payouts
    listed = await gql("admin", PAYOUTS, token=owner_token)

    # then the payout shows its bill as WeChat Pay knows it: its out_bill_no, amount and state
    [node] = [e["node"] for e in listed["data"]["payouts"]["edges"]]
    assert node["bills"] == [{"outBillNo": bill["out_bill_no"], "amountFen": 1_000, "status": "WAIT_USER_CONFIRM"}]


async def test_a_member_sees_their_payouts_and_receives_the_one_waiting(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str, channel: PayoutChannel
) -> None:
    # given a member with one payout sent and waiting for them, and another member's payout held
    me, other = await members_due(mongo, shop, 2)
    await gql("admin", RUN, {"key": "one"}, token=owner_token)
    [mine], [theirs] = await payouts_of(mongo, me.id), await payouts_of(mongo, other.id)
    await mongo.db[c.PAYOUT_TRANSFERS].update_many({"payout_id": theirs["_id"]}, {"$set": {"due_at": None}})
    await send(mongo, channel)

    # when the member opens their payouts (counting queries) and receives theirs, then tries the other's
    with count_commands(mongo) as queries:
        listed = await gql("member", MY_PAYOUTS, token=me.token)
    received = await gql("member", RECEIVE, {"id": to_global_id("Payout", mine["_id"])}, token=me.token)
    foreign = await gql("member", RECEIVE, {"id": to_global_id("Payout", theirs["_id"])}, token=me.token)
    not_yet = await gql("member", RECEIVE, {"id": to_global_id("Payout", theirs["_id"])}, token=other.token)

    # then they see one payout with one transfer to confirm, get its package, and nothing of the other's
    assert [e["node"]["waitingTransfers"] for e in listed["data"]["myPayouts"]["edges"]] == [1]
    assert len(queries) == 2, queries
    [transfer] = received["data"]["receivePayout"]["transfers"]
    assert transfer["package"]
    assert foreign["data"]["receivePayout"]["userErrors"] == [{"field": "payoutId", "code": "PAYOUT_NOT_FOUND"}]
    assert not_yet["data"]["receivePayout"]["userErrors"] == [{"field": "payoutId", "code": "PAYOUT_NOT_READY"}]


async def test_only_the_owner_sees_or_runs_payouts(gql: Gql, mongo: Mongo, shop: Shop, pii: PiiCipher) -> None:
    manager = await make_staff(mongo, pii, shop, Role.MANAGER, "13700000001")
    for document, variables in ((PREVIEW, {}), (RUN, {"key": "k"}), (PAYOUTS, {}), (RUNS, {}), (SCHEDULE, {})):
        body = await gql("admin", document, variables, token=manager.token)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", document


async def test_the_schedule_is_weekly_by_default_and_the_owner_changes_it(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str
) -> None:
    # given a merchant that never chose
    default = await gql("admin", SCHEDULE, token=owner_token)

    # when the owner picks Mondays and Thursdays at 9, then an impossible hour
    chosen = await gql("admin", SET_SCHEDULE, {"weekdays": [4, 1, 4], "hour": 9}, token=owner_token)
    wrong = await gql("admin", SET_SCHEDULE, {"weekdays": [1], "hour": 24}, token=owner_token)

    # then it was Mondays at 10, is now Mondays and Thursdays at 9, and the impossible one was refused
    assert default["data"]["payoutSchedule"] == {"weekdays": [1], "hour": 10, "enabled": True}
    assert chosen["data"]["setPayoutSchedule"]["schedule"] == {"weekdays": [1, 4], "hour": 9, "enabled": True}
    assert wrong["data"]["setPayoutSchedule"]["userErrors"] == [{"field": "hour", "code": "SCHEDULE_INVALID"}]
    assert (await gql("admin", SCHEDULE, token=owner_token))["data"]["payoutSchedule"]["hour"] == 9


async def test_payouts_need_a_wechat_pay_merchant_account(mongo: Mongo, shop: Shop) -> None:
    with pytest.raises(PayoutError) as refused:
        await run_payouts(mongo=mongo, channel=None, actor=shop.merchant.owner, idempotency_key="k")
    assert refused.value.code is PayoutCode.PAYOUTS_UNAVAILABLE
