"""The walk-in queue (排队叫号): members take numbers and see how many wait ahead, staff call the next one, and
the member called and the one who then has two ahead are each told once through the outbox.
"""

import asyncio

from db.mongo import Mongo
from domain.pii import PiiCipher
from tests.booking.conftest import make_members, open_salon, outbox
from tests.conftest import Gql, Shop

JOIN = """
mutation($store: ID!) {
  joinQueue(input: {storeId: $store}) { ticket { id number status ahead } userErrors { code } }
}
"""
POSITION = "query($store: ID!) { myQueuePosition(storeId: $store) { number status ahead } }"
CALL_NEXT = """
mutation($store: ID!) { callNext(input: {storeId: $store}) { ticket { number status } userErrors { code } } }
"""
STORE_QUEUE = "query($store: ID!) { storeQueue(storeId: $store) { number memberNickname } }"


async def test_members_wait_in_order_and_are_told_when_two_ahead_and_when_called(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given five walk-ins who took numbers one after another
    salon = await open_salon(mongo, pii, shop, staff=1)
    guests = await make_members(mongo, salon.merchant_id, 5)
    store = {"store": salon.store_gid}
    joined = [(await gql("member", JOIN, store, token=g.token))["data"]["joinQueue"]["ticket"] for g in guests]
    assert [(t["number"], t["ahead"]) for t in joined] == [(1, 0), (2, 1), (3, 2), (4, 3), (5, 4)]
    again = await gql("member", JOIN, store, token=guests[0].token)
    assert again["data"]["joinQueue"]["ticket"]["id"] == joined[0]["id"]

    # when staff call the next one
    desk = salon.staff[0].token
    called = await gql("admin", CALL_NEXT, store, token=desk)

    # then number 1 is called and told so, and number 4, now with two ahead, is told it is nearly their turn
    assert called["data"]["callNext"]["ticket"] == {"number": 1, "status": "CALLED"}
    [told_called] = await outbox(mongo, "QUEUE_CALLED")
    [told_near] = await outbox(mongo, "QUEUE_NEAR")
    assert (told_called["payload"]["member_id"], told_near["payload"]["member_id"]) == (guests[0].id, guests[3].id)
    # and everyone sees their new position; the called member sees CALLED
    positions = [(await gql("member", POSITION, store, token=g.token))["data"]["myQueuePosition"] for g in guests]
    assert [(p["status"], p["ahead"]) for p in positions] == [
        ("CALLED", 0),
        ("WAITING", 0),
        ("WAITING", 1),
        ("WAITING", 2),
        ("WAITING", 3),
    ]

    # when the next is called
    await gql("admin", CALL_NEXT, store, token=desk)

    # then number 5 is told (two ahead now) and number 4 is not told again
    near = await outbox(mongo, "QUEUE_NEAR")
    assert [e["payload"]["number"] for e in near] == [4, 5]
    listed = (await gql("admin", STORE_QUEUE, store, token=desk))["data"]["storeQueue"]
    assert [t["number"] for t in listed] == [3, 4, 5]


async def test_concurrent_calls_take_different_numbers_until_nobody_waits(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given three waiting walk-ins and three staff at the counter
    salon = await open_salon(mongo, pii, shop, staff=3)
    store = {"store": salon.store_gid}
    for guest in await make_members(mongo, salon.merchant_id, 3):
        await gql("member", JOIN, store, token=guest.token)

    # when all three staff press "call next" at once, and then once more
    bodies = await asyncio.gather(*(gql("admin", CALL_NEXT, store, token=s.token) for s in salon.staff))
    empty = await gql("admin", CALL_NEXT, store, token=salon.staff[0].token)

    # then each got a different number, and the fourth call finds nobody waiting
    assert sorted(b["data"]["callNext"]["ticket"]["number"] for b in bodies) == [1, 2, 3]
    assert empty["data"]["callNext"] == {"ticket": None, "userErrors": [{"code": "QUEUE_EMPTY"}]}
    assert len(await outbox(mongo, "QUEUE_CALLED")) == 3
