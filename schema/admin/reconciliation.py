"""The reconciliation export (对账) for owners and managers: a short-lived signed link to the CSV, which the API
serves at /exports/reconciliation (api/exports.py)."""

from datetime import UTC, date, datetime
from typing import Annotated

import strawberry

from domain import reconciliation
from schema.common import UserError
from schema.context import Info
from schema.mutations import node_id, user_errors_in

# The route's name in the app (api/exports.py): the link is made from the request the mutation came in on.
EXPORT_ROUTE = "reconciliation_export"


@strawberry.type
class ExportReconciliationPayload:
    url: str | None = strawberry.field(
        default=None,
        description="GET it within 10 minutes for the CSV (UTF-8 with BOM, opens in Excel): orders paid, their "
        "payments with the provider's transaction id, refunds with the provider's refund id. Anyone holding it "
        "can download it until then; it serves the stores you could see when you asked.",
    )
    expires_at: datetime | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReconciliationMutation:
    @strawberry.mutation(
        description="OWNER or MANAGER: a download link for the reconciliation (对账) of one store in your scope, or "
        "with no storeId of every store in it, over store-local dates from..to inclusive (at most 366 days). "
        "userErrors RANGE_INVALID, STORE_NOT_FOUND (outside your scope or merchant); other roles get a FORBIDDEN error."
    )
    @user_errors_in(ExportReconciliationPayload)
    async def export_reconciliation(
        self,
        info: Info,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        store_id: strawberry.ID | None = None,
    ) -> ExportReconciliationPayload:
        ctx = info.context
        signed = await reconciliation.sign_export(
            mongo=ctx.clients.mongo,
            signer=reconciliation.signer_for(ctx.clients.keys),
            actor=await ctx.staff(),
            store_id=node_id("Store", store_id, "storeId"),
            first=from_,
            last=to,
            now=datetime.now(UTC),
        )
        url = ctx.request.url_for(EXPORT_ROUTE).include_query_params(**signed.params)
        return ExportReconciliationPayload(url=str(url), expires_at=signed.expires_at)
