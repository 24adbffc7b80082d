"""The member's inbox and subscriptions in the mini-program: notifications newest first with an unread badge,
marking read (only one's own), the templates to ask for, and granted subscriptions adding up to quota.
"""

from db import collections as c
from db.mongo import Mongo
from domain.notifications.delivery import Outlets, notify
from domain.notifications.topics import Topic
from schema.ids import to_global_id
from tests.booking.conftest import Person, make_members
from tests.conftest import Gql, Shop, count_commands
from tests.workers.conftest import TEMPLATES

INBOX = """
query($first: Int, $after: String, $unreadOnly: Boolean) {
  inbox(first: $first, after: $after, unreadOnly: $unreadOnly) {
    edges { node { id topic title body page readAt } }
    pageInfo { hasNextPage endCursor }
  }
  unreadNotifications
}
"""
MARK_READ = """
mutation($ids: [ID!]!) {
  markRead(input: {notificationIds: $ids}) {
    notifications { id readAt }
    userErrors { field code }
  }
}
"""
SUBSCRIBE_TEMPLATES = "query { subscribeTemplates { topic templateId } }"
RECORD = """
mutation($templateIds: [String!]!, $accepted: [String!]!) {
  recordSubscriptions(input: {templateIds: $templateIds, accepted: $accepted}) {
    subscriptions { templateId remaining }
    userErrors { field code }
  }
}
"""


async def tell(out: Outlets, shop: Shop, person: Person, level: str) -> None:
    await notify(
        out,
        merchant_id=shop.merchant.merchant.id,
        member_id=person.id,
        topic=Topic.LEVEL_UP,
        fields={"level": level},
        dedupe_key=f"{person.id}:{level}",
    )


async def test_the_inbox_lists_newest_first_and_marking_read_clears_the_badge(
    gql: Gql, out: Outlets, mongo: Mongo, shop: Shop
) -> None:
    # given a member told about three levels, one after another
    [alice] = await make_members(mongo, shop.merchant.merchant.id, 1)
    for level in ("银卡会员", "金卡会员", "钻石会员"):
        await tell(out, shop, alice, level)

    # when they open the inbox two at a time
    first = await gql("member", INBOX, {"first": 2}, token=alice.token)
    cursor = first["data"]["inbox"]["pageInfo"]["endCursor"]
    second = await gql("member", INBOX, {"first": 2, "after": cursor}, token=alice.token)

    # then the newest comes first, pages follow on, and all three are unread
    page1 = [e["node"] for e in first["data"]["inbox"]["edges"]]
    page2 = [e["node"] for e in second["data"]["inbox"]["edges"]]
    assert [n["body"] for n in page1 + page2] == [
        "恭喜您升级为钻石会员",
        "恭喜您升级为金卡会员",
        "恭喜您升级为银卡会员",
    ]
    assert page1[0] | {"id": None} == {
        "id": None,
        "topic": "LEVEL_UP",
        "title": "会员升级",
        "body": "恭喜您升级为钻石会员",
        "page": "pages/card/index",
        "readAt": None,
    }
    assert first["data"]["unreadNotifications"] == 3

    # when they mark the newest two read
    marked = await gql("member", MARK_READ, {"ids": [n["id"] for n in page1]}, token=alice.token)

    # then those two have a read time, the badge shows one, and the unread list holds the oldest
    assert marked["data"]["markRead"]["userErrors"] == []
    assert all(n["readAt"] for n in marked["data"]["markRead"]["notifications"])
    unread = await gql("member", INBOX, {"unreadOnly": True}, token=alice.token)
    assert [e["node"]["body"] for e in unread["data"]["inbox"]["edges"]] == ["恭喜您升级为银卡会员"]
    assert unread["data"]["unreadNotifications"] == 1


async def test_the_inbox_is_read_in_a_fixed_number_of_queries(gql: Gql, out: Outlets, mongo: Mongo, shop: Shop) -> None:
    # given a member with twenty notifications
    [alice] = await make_members(mongo, shop.merchant.merchant.id, 1)
    for i in range(20):
        await tell(out, shop, alice, f"等级{i}")

    # when they open the inbox
    with count_commands(mongo) as commands:
        body = await gql("member", INBOX, {"first": 20}, token=alice.token)

    # then one read for the page and one count for the badge
    assert len(body["data"]["inbox"]["edges"]) == 20
    assert sorted(commands) == ["aggregate", "find"]


async def test_a_member_cannot_mark_someone_elses_notification_read(
    gql: Gql, out: Outlets, mongo: Mongo, shop: Shop
) -> None:
    # given two members, each with a notification
    alice, bob = await make_members(mongo, shop.merchant.merchant.id, 2)
    await tell(out, shop, alice, "银卡会员")
    await tell(out, shop, bob, "银卡会员")
    bobs = await mongo.db[c.NOTIFICATIONS].find_one({"member_id": bob.id})
    assert bobs is not None
    mine = await gql("member", INBOX, token=alice.token)
    alices = mine["data"]["inbox"]["edges"][0]["node"]["id"]

    # when alice marks her own and bob's read together
    body = await gql(
        "member", MARK_READ, {"ids": [alices, to_global_id("Notification", bobs["_id"])]}, token=alice.token
    )

    # then nothing is marked, and the refusal does not say whose it is
    assert body["data"]["markRead"]["userErrors"] == [{"field": "notificationIds", "code": "NOTIFICATION_NOT_FOUND"}]
    assert await mongo.db[c.NOTIFICATIONS].count_documents({"read_at": {"$ne": None}}) == 0


async def test_granted_subscriptions_add_up_to_quota_and_unknown_templates_are_refused(
    gql: Gql, mongo: Mongo, shop: Shop
) -> None:
    # given a member and the templates the mini-program asks about
    [alice] = await make_members(mongo, shop.merchant.merchant.id, 1)
    templates = (await gql("member", SUBSCRIBE_TEMPLATES, token=alice.token))["data"]["subscribeTemplates"]
    assert {t["topic"]: t["templateId"] for t in templates} == TEMPLATES
    booking, reminder = TEMPLATES["BOOKING_CONFIRMED"], TEMPLATES["BOOKING_REMINDER"]

    # when she accepts the reminder but not the confirmation, twice over
    asked = {"templateIds": [booking, reminder], "accepted": [reminder]}
    await gql("member", RECORD, asked, token=alice.token)
    body = await gql("member", RECORD, asked, token=alice.token)

    # then the reminder may be sent twice and the confirmation never
    assert body["data"]["recordSubscriptions"]["subscriptions"] == [
        {"templateId": booking, "remaining": 0},
        {"templateId": reminder, "remaining": 2},
    ]

    # and a template we do not use, or one accepted without being asked, is refused
    unknown = await gql("member", RECORD, {"templateIds": ["tmpl-other"], "accepted": []}, token=alice.token)
    unasked = await gql("member", RECORD, {"templateIds": [booking], "accepted": [reminder]}, token=alice.token)
    assert unknown["data"]["recordSubscriptions"]["userErrors"] == [
        {"field": "templateIds", "code": "SUBSCRIBE_TEMPLATE_UNKNOWN"}
    ]
    assert unasked["data"]["recordSubscriptions"]["userErrors"] == [
        {"field": "accepted", "code": "SUBSCRIPTION_NOT_ASKED"}
    ]
