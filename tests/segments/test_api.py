"""Segments through the admin API: the preview's cost does not grow with members, saved segments for managers,
and tags staff put on members."""

from typing import Any

import pytest
from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.pii import PiiCipher
from domain.tenancy import Role
from schema.ids import to_global_id
from tests.conftest import Gql, Shop, count_commands, staff_token
from tests.segments.conftest import History, Paid, given_members
from tests.tenancy.conftest import STAFF_PASSWORD, hire

PREVIEW = """
query($f: SegmentFilterInput!, $first: Int) {
  segmentPreview(filter: $f, first: $first) {
    count
    members { id name phone levelName tags lastPaidOn lifetimePaidFen }
    userErrors { field code message }
  }
}
"""
CREATE = """
mutation($input: CreateSegmentInput!) {
  createSegment(input: $input) { segment { id name filter { tagsAll lifetimePaidMinFen } } userErrors { field code } }
}
"""
UPDATE = """
mutation($input: UpdateSegmentInput!) {
  updateSegment(input: $input) { segment { id name filter { tagsAll birthdayMonth } } userErrors { field code } }
}
"""
SEGMENTS = "query { segments { id name } }"
TAG = """
mutation($input: TagMembersInput!) {
  tagMembers(input: $input) { members { id tags } userErrors { field code message } }
}
"""
UNTAG = """
mutation($input: TagMembersInput!) { untagMembers(input: $input) { members { id tags } userErrors { field code } } }
"""
TAGS = "query { memberTags { tag members } }"
MEMBER_TAGS = "query($id: ID!) { member(id: $id) { tags } }"


def _facts(merchant_id: ObjectId, n: int) -> list[dict[str, Any]]:
    return [
        {
            "merchant_id": merchant_id,
            "member_id": ObjectId(),
            "level": None,
            "tags": ["常客"] if i % 3 == 0 else [],
            "last_paid_day": 739000 + i % 90,
            "paid_days": [739000 + i % 90],
            "visits": 1,
            "lifetime_paid_fen": i * 10,
            "source": "NONE",
        }
        for i in range(n)
    ]


def _matching(n: int) -> int:
    """How many of `_facts(n)` carry 常客 with at least 100 fen paid."""
    return sum(1 for i in range(n) if i % 3 == 0 and i * 10 >= 100)


async def _preview_commands(gql: Gql, mongo: Mongo, token: str) -> tuple[int, int]:
    flt = {"tagsAll": ["常客"], "lifetimePaidMinFen": 100}
    with count_commands(mongo) as commands:
        body = await gql("admin", PREVIEW, {"f": flt, "first": 20}, token=token)
    preview = body["data"]["segmentPreview"]
    assert preview["userErrors"] == [] and len(preview["members"]) == 20
    return len(commands), preview["count"]


@pytest.mark.slow
async def test_the_preview_costs_the_same_for_100_and_10000_members(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str
) -> None:
    merchant_id = shop.merchant.merchant.id
    # given 100 members' facts
    await mongo.db[c.MEMBER_FACTS].insert_many(_facts(merchant_id, 100))
    # (a first read of the merchant's loyalty program writes its default levels once)
    await _preview_commands(gql, mongo, owner_token)
    small, small_count = await _preview_commands(gql, mongo, owner_token)
    # when there are 10,000
    await mongo.db[c.MEMBER_FACTS].insert_many(_facts(merchant_id, 9900))
    large, large_count = await _preview_commands(gql, mongo, owner_token)
    # then the preview counts them all and sends the same number of commands
    assert (small_count, large_count) == (_matching(100), _matching(100) + _matching(9900))
    assert small == large


async def test_a_filter_out_of_range_is_a_user_error_in_the_request_language(gql: Gql, owner_token: str) -> None:
    body = await gql("admin", PREVIEW, {"f": {"birthdayMonth": 13}}, token=owner_token, lang="en")
    assert body["data"]["segmentPreview"]["userErrors"] == [
        {
            "field": "birthdayMonth",
            "code": "FILTER_RANGE_INVALID",
            "message": "Invalid range: no negatives, the minimum may not exceed the maximum, the birthday month is "
            "1-12, and visits need their number of days.",
        }
    ]


async def test_managers_save_rename_and_list_segments_and_cashiers_may_not(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, owner_token: str
) -> None:
    # when the owner saves a segment and renames it
    made = await gql("admin", CREATE, {"input": {"name": " 常客 ", "filter": {"tagsAll": ["常客"]}}}, token=owner_token)
    segment = made["data"]["createSegment"]["segment"]
    assert segment["name"] == "常客" and segment["filter"]["tagsAll"] == ["常客"]
    renamed = await gql("admin", UPDATE, {"input": {"id": segment["id"], "name": "三月生日"}}, token=owner_token)
    assert renamed["data"]["updateSegment"]["segment"]["name"] == "三月生日"
    refused = await gql(
        "admin", UPDATE, {"input": {"id": segment["id"], "filter": {"birthdayMonth": 0}}}, token=owner_token
    )
    assert refused["data"]["updateSegment"]["userErrors"] == [
        {"field": "birthdayMonth", "code": "FILTER_RANGE_INVALID"}
    ]
    # then the list shows it, filter unchanged by the refused update
    listed = await gql("admin", SEGMENTS, token=owner_token)
    assert listed["data"]["segments"] == [{"id": segment["id"], "name": "三月生日"}]
    # and a cashier is refused
    await hire(mongo, pii, shop.merchant.owner, "13700000009", Role.CASHIER)
    cashier = await staff_token(gql, "13700000009", STAFF_PASSWORD)
    body = await gql("admin", SEGMENTS, token=cashier)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_tagging_is_idempotent_and_untagging_takes_only_what_was_asked(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str
) -> None:
    # given two members, one who paid
    a, b = await given_members(mongo, shop, [History("阿兰", [Paid(3, 500)]), History("宝儿")])
    ids = [gid_of(a), gid_of(b)]
    # when both are tagged twice, and one untagged of one tag
    for _ in range(2):
        body = await gql("admin", TAG, {"input": {"memberIds": ids, "tags": ["常客", " 敏感肌"]}}, token=owner_token)
        assert body["data"]["tagMembers"]["userErrors"] == []
    body = await gql("admin", UNTAG, {"input": {"memberIds": ids[1:], "tags": ["常客", "没有"]}}, token=owner_token)
    # then each carries each tag once, and the segments see it at once
    assert body["data"]["untagMembers"]["members"] == [{"id": ids[1], "tags": ["敏感肌"]}]
    member = await gql("admin", MEMBER_TAGS, {"id": ids[0]}, token=owner_token)
    assert member["data"]["member"]["tags"] == ["常客", "敏感肌"]
    tags = await gql("admin", TAGS, token=owner_token)
    assert tags["data"]["memberTags"] == [{"tag": "敏感肌", "members": 2}, {"tag": "常客", "members": 1}]
    preview = await gql("admin", PREVIEW, {"f": {"tagsAll": ["常客"], "lifetimePaidMinFen": 500}}, token=owner_token)
    assert preview["data"]["segmentPreview"]["count"] == 1


async def test_a_bad_tag_changes_nothing(gql: Gql, mongo: Mongo, shop: Shop, owner_token: str) -> None:
    [a] = await given_members(mongo, shop, [History("阿兰")])
    bad = [["常 客"], [""], ["超过十二个字的一个很长很长的标签"], ["<b>"], [f"t{i}" for i in range(11)]]
    for tags in bad:
        body = await gql("admin", TAG, {"input": {"memberIds": [gid_of(a)], "tags": tags}}, token=owner_token)
        assert [e["code"] for e in body["data"]["tagMembers"]["userErrors"]] == ["TAG_INVALID"], tags
    # a member with 20 tags takes no 21st
    twenty = {"input": {"memberIds": [gid_of(a)], "tags": [f"a{i}" for i in range(10)]}}
    await gql("admin", TAG, twenty, token=owner_token)
    twenty["input"]["tags"] = [f"b{i}" for i in range(10)]
    await gql("admin", TAG, twenty, token=owner_token)
    body = await gql("admin", TAG, {"input": {"memberIds": [gid_of(a)], "tags": ["多一个"]}}, token=owner_token)
    assert [e["code"] for e in body["data"]["tagMembers"]["userErrors"]] == ["TOO_MANY_TAGS"]
    member = await mongo.db[c.MEMBERS].find_one({"merchant_id": shop.merchant.merchant.id, "_id": a})
    assert member is not None and len(member["tags"]) == 20


def gid_of(member_id: ObjectId) -> str:
    return str(to_global_id("Member", member_id))
