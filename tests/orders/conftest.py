"""Orders givens for other capabilities' walks: one of every order thing an admin id can name."""

import uuid

from bson import ObjectId

from db.mongo import Mongo
from domain import catalog
from domain.checkout import pay
from domain.checkout.providers import Providers
from domain.orders import create, draft
from domain.orders.model import PayMethod
from schema.ids import from_global_id, to_global_id
from tests.conftest import Shop


async def furnish_orders(mongo: Mongo, shop: Shop, member_gid: str) -> dict[str, str]:
    """For the tenancy isolation walk: a catalog item, two unpaid orders (to pay, to close) and one paid in cash
    (to refund), all for the given member at the shop's store, made by its owner."""
    owner, store = shop.merchant.owner, shop.merchant.store
    member_id = from_global_id("Member", member_gid)
    spec = catalog.ItemSpec(catalog.ItemKind.SERVICE, "洗剪吹", 3_800, True, ())
    item = await catalog.create_item(mongo=mongo, actor=owner, spec=spec)

    async def order() -> ObjectId:
        made = await create.create_counter_order(
            mongo=mongo,
            actor=owner,
            store_id=store.id,
            member_id=member_id,
            items=[create.CartItem(item.id, 1)],
            amount_fen=None,
            discounts=draft.Discounts(),
            note="",
            idempotency_key=uuid.uuid4().hex,
        )
        return made.order.id

    to_pay, to_close, paid = await order(), await order(), await order()
    await pay.pay_order(
        mongo=mongo,
        providers=Providers(None, None, "", ""),
        payer=pay.Payer(owner.merchant_id, staff=owner),
        order_id=paid,
        method=PayMethod.CASH,
        idempotency_key=uuid.uuid4().hex,
    )
    return {
        "catalog_item": str(to_global_id("CatalogItem", item.id)),
        "order": str(to_global_id("Order", to_pay)),
        "closable_order": str(to_global_id("Order", to_close)),
        "paid_order": str(to_global_id("Order", paid)),
    }
