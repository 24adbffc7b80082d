"""Booking setup through the admin API: an owner sets the policy, opening hours, a resource, a service (a
catalog service item with its qualified staff), weekly schedules and exceptions, and reads it all back; bad
values each get their code, and only owners and managers of the store may change it.
"""

from typing import Any

from db.mongo import Mongo
from domain import catalog as items
from domain.pii import PiiCipher
from domain.tenancy import Role
from schema.ids import to_global_id as gid_of
from tests.booking.conftest import admin_token, make_members, make_staff, service_item
from tests.conftest import Gql, Shop
from tests.tenancy.conftest import forbidden, gid, open_store

SET_POLICY = """
mutation($input: SetBookingPolicyInput!) {
  setBookingPolicy(input: $input) {
    bookingPolicy { granularityMin cancelCutoffMin horizonDays reminderLeadMin holdMin } userErrors { field code }
  }
}
"""
SET_HOURS = """
mutation($input: SetStoreHoursInput!) {
  setStoreHours(input: $input) { hours { weekday opensAt closesAt } userErrors { field code } }
}
"""
CREATE_RESOURCE = """
mutation($input: CreateResourceInput!) {
  createResource(input: $input) { resource { id name kind capacity active } userErrors { field code } }
}
"""
CREATE_ITEM = """
mutation($input: CreateCatalogItemInput!) {
  createCatalogItem(input: $input) { catalogItem { id } userErrors { field code } }
}
"""
UPDATE_ITEM = """
mutation($input: UpdateCatalogItemInput!) {
  updateCatalogItem(input: $input) { catalogItem { id } userErrors { field code } }
}
"""
CREATE_SERVICE = """
mutation($input: CreateServiceInput!) {
  createService(input: $input) {
    service { id itemId name durationMin bufferAfterMin priceFen depositFen staffMemberIds resourceId active }
    userErrors { field code }
  }
}
"""
UPDATE_SERVICE = """
mutation($input: UpdateServiceInput!) {
  updateService(input: $input) { service { id name active } userErrors { field code } }
}
"""
SET_SCHEDULE = """
mutation($input: SetStaffScheduleInput!) {
  setStaffSchedule(input: $input) {
    staffSchedule { staffMemberId weekly { weekday opensAt closesAt } } userErrors { field code }
  }
}
"""
ADD_EXCEPTION = """
mutation($input: AddScheduleExceptionInput!) {
  addScheduleException(input: $input) {
    scheduleException { id date kind startsAt endsAt } userErrors { field code }
  }
}
"""
REMOVE_EXCEPTION = """
mutation($id: ID!) { removeScheduleException(input: {id: $id}) { scheduleException { id } userErrors { code } } }
"""
SETUP = """
query($store: ID!) {
  storeBookingSetup(storeId: $store) {
    store { name }
    hours { weekday opensAt closesAt }
    services { name active staffMemberIds }
    resources { name capacity }
    schedules { staffMemberId weekly { weekday opensAt closesAt } }
    exceptions { date kind startsAt endsAt }
    staffMembers { name }
  }
}
"""
BOOKABLE = """
query($store: ID!) { bookableServices(storeId: $store) { name durationMin priceFen staffMembers { name } } }
"""

WEEKDAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]


async def ok(gql: Gql, document: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
    body = await gql("admin", document, variables, token=token)
    assert "errors" not in body, body
    [payload] = body["data"].values()
    assert payload["userErrors"] == [], payload
    result: dict[str, Any] = payload
    return result


async def test_owner_sets_up_a_store_for_booking(gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given an owner and two technicians of the store
    token = admin_token(shop.merchant.owner)
    store = gid(shop.merchant.store)
    first, second = await make_staff(mongo, pii, shop.merchant.merchant.id, [shop.merchant.store.id], 2)

    # when the owner sets 30-minute slots, hours (weekdays 10-22 with a break, Sunday 10-18), a room of 3 beds,
    # a massage needing a bed, both technicians' weeks, and leave for one of them
    policy = await ok(gql, SET_POLICY, {"input": {"granularityMin": 30, "cancelCutoffMin": 240}}, token)
    weekdays = [{"weekday": d, "opensAt": "10:00", "closesAt": "14:00"} for d in WEEKDAYS[:6]]
    weekdays += [{"weekday": d, "opensAt": "15:00", "closesAt": "22:00"} for d in WEEKDAYS[:6]]
    hours = weekdays + [{"weekday": "SUNDAY", "opensAt": "10:00", "closesAt": "18:00"}]
    await ok(gql, SET_HOURS, {"input": {"storeId": store, "hours": hours}}, token)
    room = await ok(
        gql, CREATE_RESOURCE, {"input": {"storeId": store, "name": "按摩房", "kind": "ROOM", "capacity": 3}}, token
    )
    massage = {"kind": "SERVICE", "name": "全身按摩", "priceFen": 29_800}
    item = (await ok(gql, CREATE_ITEM, {"input": massage}, token))["catalogItem"]["id"]
    service_input = {
        "storeId": store,
        "itemId": item,
        "durationMin": 90,
        "bufferAfterMin": 10,
        "depositFen": 5_000,
        "staffIds": [first.gid, second.gid],
        "resourceId": room["resource"]["id"],
    }
    service = await ok(gql, CREATE_SERVICE, {"input": service_input}, token)
    for colleague in (first, second):
        week = [{"weekday": d, "opensAt": "10:00", "closesAt": "19:00"} for d in WEEKDAYS[:5]]
        await ok(gql, SET_SCHEDULE, {"input": {"storeId": store, "staffId": colleague.gid, "weekly": week}}, token)
    leave = {"storeId": store, "staffId": first.gid, "date": "2099-01-05", "kind": "LEAVE"}
    await ok(gql, ADD_EXCEPTION, {"input": leave}, token)
    extra = {"storeId": store, "staffId": second.gid, "date": "2099-01-04", "kind": "EXTRA"}
    extra |= {"startsAt": "10:00", "endsAt": "14:00"}
    added = await ok(gql, ADD_EXCEPTION, {"input": extra}, token)

    # then each change reads back as given, the service named and priced by its catalog item
    assert (service["service"]["itemId"], service["service"]["name"], service["service"]["priceFen"]) == (
        item,
        "全身按摩",
        29_800,
    )
    assert policy["bookingPolicy"] == {
        "granularityMin": 30,
        "cancelCutoffMin": 240,
        "horizonDays": 30,
        "reminderLeadMin": 120,
        "holdMin": 10,
    }
    assert service["service"]["resourceId"] == room["resource"]["id"]
    assert added["scheduleException"] == {
        "id": added["scheduleException"]["id"],
        "date": "2099-01-04",
        "kind": "EXTRA",
        "startsAt": "10:00",
        "endsAt": "14:00",
    }
    setup = (await gql("admin", SETUP, {"store": store}, token=token))["data"]["storeBookingSetup"]
    assert setup["hours"][:2] == [
        {"weekday": "MONDAY", "opensAt": "10:00", "closesAt": "14:00"},
        {"weekday": "MONDAY", "opensAt": "15:00", "closesAt": "22:00"},
    ]
    assert setup["hours"][-1] == {"weekday": "SUNDAY", "opensAt": "10:00", "closesAt": "18:00"}
    assert setup["services"] == [{"name": "全身按摩", "active": True, "staffMemberIds": [first.gid, second.gid]}]
    assert setup["resources"] == [{"name": "按摩房", "capacity": 3}]
    assert [s["staffMemberId"] for s in setup["schedules"]] == [first.gid, second.gid]
    assert setup["exceptions"] == [
        {"date": "2099-01-04", "kind": "EXTRA", "startsAt": "10:00", "endsAt": "14:00"},
        {"date": "2099-01-05", "kind": "LEAVE", "startsAt": None, "endsAt": None},
    ]
    assert sorted(s["name"] for s in setup["staffMembers"]) == ["店主", "技师1", "技师2"]
    [guest] = await make_members(mongo, shop.merchant.merchant.id, 1)
    offered = await gql("member", BOOKABLE, {"store": store}, token=guest.token)
    staff_names = [{"name": "技师1"}, {"name": "技师2"}]
    assert offered["data"]["bookableServices"] == [
        {"name": "全身按摩", "durationMin": 90, "priceFen": 29_800, "staffMembers": staff_names}
    ]

    # when the item's price changes at the counter, the extra shift is removed and the service archived
    await ok(gql, UPDATE_ITEM, {"input": massage | {"id": item, "priceFen": 31_800}}, token)
    repriced = (await gql("member", BOOKABLE, {"store": store}, token=guest.token))["data"]["bookableServices"]
    await ok(gql, REMOVE_EXCEPTION, {"id": added["scheduleException"]["id"]}, token)
    archive = {k: v for k, v in service_input.items() if k != "storeId"} | {"id": service["service"]["id"]}
    await ok(gql, UPDATE_SERVICE, {"input": archive | {"active": False}}, token)

    # then members saw the new price, then no longer see the service, and the setup lists only the leave
    assert [s["priceFen"] for s in repriced] == [31_800]
    offered = await gql("member", BOOKABLE, {"store": store}, token=guest.token)
    assert offered["data"]["bookableServices"] == []
    setup = (await gql("admin", SETUP, {"store": store}, token=token))["data"]["storeBookingSetup"]
    assert [e["kind"] for e in setup["exceptions"]] == ["LEAVE"]
    assert setup["services"][0]["active"] is False


async def test_bad_setup_values_each_have_their_code(gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given an owner, a technician of the store and one of another store
    token = admin_token(shop.merchant.owner)
    store = gid(shop.merchant.store)
    elsewhere = await open_store(mongo, shop.merchant.owner, "二号店")
    [here] = await make_staff(mongo, pii, shop.merchant.merchant.id, [shop.merchant.store.id], 1)
    [there] = await make_staff(mongo, pii, shop.merchant.merchant.id, [elsewhere.id], 1)

    cut = await service_item(mongo, shop.merchant.owner, "精剪", 100)
    shampoo = await items.create_item(
        mongo=mongo,
        actor=shop.merchant.owner,
        spec=items.ItemSpec(items.ItemKind.PRODUCT, "洗发水", 6_800, True, ()),
    )
    only_there = await items.create_item(
        mongo=mongo,
        actor=shop.merchant.owner,
        spec=items.ItemSpec(items.ItemKind.SERVICE, "二号店专享", 100, False, (elsewhere.id,)),
    )

    def service(**overrides: Any) -> dict[str, Any]:
        base = {"storeId": store, "itemId": gid_of("CatalogItem", cut), "durationMin": 60, "staffIds": [here.gid]}
        return {"input": base | overrides}

    def hours(*ranges: tuple[str, str]) -> dict[str, Any]:
        return {
            "input": {
                "storeId": store,
                "hours": [{"weekday": "MONDAY", "opensAt": a, "closesAt": b} for a, b in ranges],
            }
        }

    cases: list[tuple[str, dict[str, Any], tuple[str, str]]] = [
        (SET_POLICY, {"input": {"granularityMin": 7}}, ("granularityMin", "BOOKING_POLICY_INVALID")),
        (SET_HOURS, hours(("10:00", "25:00")), ("hours", "HOURS_INVALID")),
        (SET_HOURS, hours(("10:00", "09:00")), ("hours", "HOURS_INVALID")),
        (SET_HOURS, hours(("10:00", "14:00"), ("13:00", "18:00")), ("hours", "HOURS_INVALID")),
        (SET_HOURS, hours(("10:03", "14:00")), ("hours", "HOURS_INVALID")),
        # "²" passes str.isdigit() but is no digit int() reads
        (SET_HOURS, hours(("²:00", "14:00")), ("hours", "HOURS_INVALID")),
        (CREATE_SERVICE, service(durationMin=62), ("durationMin", "SERVICE_INVALID")),
        (CREATE_SERVICE, service(depositFen=200), ("depositFen", "SERVICE_INVALID")),
        (CREATE_SERVICE, service(staffIds=[]), ("staffIds", "SERVICE_INVALID")),
        (CREATE_SERVICE, service(staffIds=[there.gid]), ("staffIds", "STAFF_NOT_FOUND")),
        (CREATE_SERVICE, service(itemId=gid_of("CatalogItem", shampoo.id)), ("itemId", "ITEM_NOT_BOOKABLE")),
        (CREATE_SERVICE, service(itemId=gid_of("CatalogItem", only_there.id)), ("itemId", "ITEM_NOT_BOOKABLE")),
        (
            CREATE_RESOURCE,
            {"input": {"storeId": store, "name": "床", "kind": "BED", "capacity": 0}},
            ("capacity", "RESOURCE_INVALID"),
        ),
        (
            ADD_EXCEPTION,
            {"input": {"storeId": store, "staffId": here.gid, "date": "2099-01-05", "kind": "EXTRA"}},
            ("start", "SCHEDULE_EXCEPTION_INVALID"),
        ),
        (
            SET_SCHEDULE,
            {"input": {"storeId": store, "staffId": there.gid, "weekly": []}},
            ("staffId", "STAFF_NOT_FOUND"),
        ),
    ]

    # when the owner sends each
    refused = []
    for document, variables, _ in cases:
        body = await gql("admin", document, variables, token=token)
        [payload] = body["data"].values()
        refused.append(tuple(payload["userErrors"][0].values()))

    # then each is refused with the field and code it concerns
    assert refused == [expected for _, _, expected in cases]


async def test_only_owners_and_managers_of_the_store_change_its_setup(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a technician of the store and a manager of another store of the merchant
    store = gid(shop.merchant.store)
    elsewhere = await open_store(mongo, shop.merchant.owner, "二号店")
    [technician] = await make_staff(mongo, pii, shop.merchant.merchant.id, [shop.merchant.store.id], 1)
    [manager] = await make_staff(mongo, pii, shop.merchant.merchant.id, [elsewhere.id], 1, role=Role.MANAGER)
    hours = {"input": {"storeId": store, "hours": [{"weekday": "MONDAY", "opensAt": "09:00", "closesAt": "18:00"}]}}

    # when each tries to change the store's hours, and the manager sets the merchant's policy
    attempts = [
        await gql("admin", SET_HOURS, hours, token=technician.token),
        await gql("admin", SET_HOURS, hours, token=manager.token),
        await gql("admin", SET_POLICY, {"input": {}}, token=manager.token),
    ]

    # then all three are refused as auth failures
    assert all(forbidden(body) for body in attempts), attempts
    # while the technician may read the setup of their own store but the manager not of this one
    assert (await gql("admin", SETUP, {"store": store}, token=technician.token))["data"]["storeBookingSetup"]
    outside = await gql("admin", SETUP, {"store": store}, token=manager.token)
    assert [e["extensions"]["code"] for e in outside["errors"]] == ["FORBIDDEN"]
