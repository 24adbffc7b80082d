"""The staff and store list screens cost a fixed handful of Mongo commands, however long the lists are:
the stores of every staff member on a page are fetched together through the request's dataloader.
"""

import asyncio

from db.mongo import Mongo
from domain.pii import PiiCipher
from domain.tenancy import Role
from tests.conftest import Gql, Shop, count_commands
from tests.tenancy.conftest import hire, open_store

STAFF_SCREEN = "query { staffMembers(first: 20) { edges { node { name role stores { name } phone } } } }"
STORES_SCREEN = "query { stores(first: 20) { edges { node { id name timezone } } } }"


async def test_staff_list_costs_the_same_for_three_staff_as_for_fifteen(
    gql: Gql, shop: Shop, owner_token: str, mongo: Mongo, pii: PiiCipher
) -> None:
    # given three stores and three staff, each working at one or two of them
    owner = shop.merchant.owner
    stores = [shop.merchant.store.id] + [(await open_store(mongo, owner, f"{n}号店")).id for n in (2, 3)]

    async def hire_many(first: int, count: int) -> None:
        await asyncio.gather(
            *(
                hire(mongo, pii, owner, f"138{n:08d}", Role.CASHIER, stores=[stores[n % 3], stores[(n + 1) % 3]])
                for n in range(first, first + count)
            )
        )

    await hire_many(0, 2)
    with count_commands(mongo) as few_commands:
        few = await gql("admin", STAFF_SCREEN, token=owner_token)

    # when twelve more are hired and the screen is opened again
    await hire_many(2, 12)
    with count_commands(mongo) as many_commands:
        many = await gql("admin", STAFF_SCREEN, token=owner_token)

    # then both screens are complete, and cost the same three commands: who asks, the page, its stores
    assert len(few["data"]["staffMembers"]["edges"]) == 3
    assert len(many["data"]["staffMembers"]["edges"]) == 15
    assert all(len(e["node"]["stores"]) == 2 for e in many["data"]["staffMembers"]["edges"][1:])
    assert few_commands == many_commands == ["find", "find", "find"]


async def test_store_list_costs_the_same_for_one_store_as_for_twelve(
    gql: Gql, shop: Shop, owner_token: str, mongo: Mongo
) -> None:
    # given a merchant with one store
    with count_commands(mongo) as one_commands:
        one = await gql("admin", STORES_SCREEN, token=owner_token)

    # when eleven more stores open and the screen is opened again
    for n in range(2, 13):
        await open_store(mongo, shop.merchant.owner, f"{n}号店")
    with count_commands(mongo) as twelve_commands:
        twelve = await gql("admin", STORES_SCREEN, token=owner_token)

    # then both lists are complete and cost the same two commands: who asks, and the page
    assert len(one["data"]["stores"]["edges"]) == 1
    assert len(twelve["data"]["stores"]["edges"]) == 12
    assert one_commands == twelve_commands == ["find", "find"]
