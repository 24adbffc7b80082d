"""Merchants are sealed from each other: the owner of merchant A, holding every id merchant B has, can
neither read nor change anything of B's through any admin query or mutation that takes an id.

The table below has one case per admin field taking an ID (directly or inside its input); a test reads the
schema and fails when a field has no case, so every new field must say how it refuses a foreign id.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from bson import ObjectId
from graphql import (
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLInputType,
    IntrospectionQuery,
    build_client_schema,
    get_named_type,
)

from db.mongo import Doc, Mongo
from domain.coupons import claims, redemption
from domain.keyring import Keyring
from domain.pii import PiiCipher
from domain.tenancy import Role
from schema.admin import build_admin_schema
from schema.ids import from_global_id
from tests.alerts.conftest import furnish_alerts
from tests.booking.conftest import furnish_booking
from tests.campaigns.conftest import furnish_campaigns
from tests.commissions.conftest import furnish_shareholders
from tests.conftest import SECRET_KEY, Gql, Shop, open_shop, staff_token
from tests.orders.conftest import furnish_orders
from tests.segments.conftest import furnish_segments
from tests.tenancy.conftest import gid, hire
from tests.workers.conftest import furnish_jobs

Ids = dict[str, str]


@dataclass(frozen=True)
class Case:
    document: str
    variables: Callable[[Ids], dict[str, Any]]
    refusal: str  # "null" for a query; otherwise the userError code, or FORBIDDEN


def _key() -> str:
    return uuid.uuid4().hex


def _campaign(ids: Ids) -> dict[str, Any]:
    message = {"title": "好久不见", "body": "回店送券"}
    return {
        "name": "回店礼",
        "segmentId": ids["campaign_segment"],
        "couponTemplateId": ids["coupon_template"],
        "message": message,
    }


# Ordered so that each control run (the same request with the caller's own ids) leaves the next one possible:
# the card is reported lost and reissued only at the end.
CASES: dict[str, Case] = {
    "Query.store": Case("query($id: ID!) { store(id: $id) { id name } }", lambda ids: {"id": ids["store"]}, "null"),
    "Query.storeToday": Case(
        "query($id: ID!) { storeToday(storeId: $id) { takingsFen toDo { deadLetters } } }",
        lambda ids: {"id": ids["store"]},
        "null",
    ),
    "Query.staffMember": Case(
        "query($id: ID!) { staffMember(id: $id) { id name phone } }", lambda ids: {"id": ids["staff"]}, "null"
    ),
    "Query.member": Case(
        "query($id: ID!) { member(id: $id) { id card { number points } } }", lambda ids: {"id": ids["member"]}, "null"
    ),
    "Query.memberCoupons": Case(
        "query($id: ID!) { memberCoupons(memberId: $id) { edges { node { id } } } }",
        lambda ids: {"id": ids["member"]},
        "null",
    ),
    "Mutation.unlockStaff": Case(
        """mutation($input: UnlockStaffInput!) {
             unlockStaff(input: $input) { staffMember { id } userErrors { field code } } }""",
        lambda ids: {"input": {"staffId": ids["staff"]}},
        "STAFF_NOT_FOUND",
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
    "Query.couponTemplate": Case(
        "query($id: ID!) { couponTemplate(id: $id) { id title } }", lambda ids: {"id": ids["coupon_template"]}, "null"
    ),
    "Query.couponFunnel": Case(
        """query($id: ID!) {
             couponFunnel(templateId: $id) { funnel { total { issued } } userErrors { field code } } }""",
        lambda ids: {"id": ids["coupon_template"]},
        "COUPON_TEMPLATE_NOT_FOUND",
    ),
    "Query.report": Case(
        """query($id: ID!) {
             report(storeId: $id, from: "2026-01-01", to: "2026-01-31") {
               report { takings { netFen } } userErrors { field code } } }""",
        lambda ids: {"id": ids["store"]},
        "STORE_NOT_FOUND",
    ),
    "Query.bookingReport": Case(
        """query($id: ID!) {
             bookingReport(storeId: $id, from: "2026-01-01", to: "2026-01-31") {
               bookings { bookings } userErrors { field code } } }""",
        lambda ids: {"id": ids["store"]},
        "STORE_NOT_FOUND",
    ),
    "Mutation.exportReconciliation": Case(
        """mutation($id: ID!) {
             exportReconciliation(storeId: $id, from: "2026-01-01", to: "2026-01-31") {
               url userErrors { field code } } }""",
        lambda ids: {"id": ids["store"]},
        "STORE_NOT_FOUND",
    ),
    "Mutation.createCouponTemplate": Case(
        """mutation($input: CreateCouponTemplateInput!) {
             createCouponTemplate(input: $input) { template { id } userErrors { field code } } }""",
        lambda ids: {
            "input": {
                "kind": "AMOUNT_OFF",
                "title": "本店专享",
                "valueFen": 500,
                "validDays": 7,
                "allStores": False,
                "storeIds": [ids["store"]],
            }
        },
        "STORE_NOT_FOUND",
    ),
    "Mutation.setCouponTemplateStatus": Case(
        """mutation($input: SetCouponTemplateStatusInput!) {
             setCouponTemplateStatus(input: $input) { template { id } userErrors { field code } } }""",
        lambda ids: {"input": {"templateId": ids["coupon_template"], "status": "ACTIVE"}},
        "COUPON_TEMPLATE_NOT_FOUND",
    ),
    "Mutation.grantPack": Case(
        """mutation($input: GrantPackInput!) { grantPack(input: $input) { pack { id } userErrors { field code } } }""",
        lambda ids: {
            "input": {
                "templateId": ids["coupon_template"],
                "memberId": ids["member"],
                "size": 3,
                "idempotencyKey": _key(),
            }
        },
        "COUPON_TEMPLATE_NOT_FOUND",
    ),
    "Mutation.sharePack": Case(
        """mutation($input: SharePackInput!) {
             sharePack(input: $input) { share { path } userErrors { field code } } }""",
        lambda ids: {"input": {"packId": ids["coupon_pack"]}},
        "PACK_NOT_FOUND",
    ),
    "Query.couponByCode": Case(
        """query($store: ID!, $code: String!) {
             couponByCode(storeId: $store, code: $code) { preview { coupon { id } } userErrors { field code } } }""",
        lambda ids: {"store": ids["store"], "code": ids["redeem_code"]},
        "STORE_NOT_FOUND",
    ),
    "Mutation.redeemCoupon": Case(
        """mutation($input: RedeemCouponInput!) {
             redeemCoupon(input: $input) { coupon { id } userErrors { field code } } }""",
        lambda ids: {"input": {"code": ids["redeem_code"], "storeId": ids["store"], "idempotencyKey": _key()}},
        "STORE_NOT_FOUND",
    ),
    "Query.storeBookingSetup": Case(
        "query($id: ID!) { storeBookingSetup(storeId: $id) { services { id } } }",
        lambda ids: {"id": ids["store"]},
        "null",
    ),
    "Query.availableSlots": Case(
        """query($store: ID!, $service: ID!, $date: Date!) {
             availableSlots(storeId: $store, serviceId: $service, date: $date) { start } }""",
        lambda ids: {"store": ids["store"], "service": ids["service"], "date": ids["booking_date"]},
        "null",
    ),
    "Query.dayCalendar": Case(
        """query($store: ID!, $date: Date!, $staff: ID) {
             dayCalendar(storeId: $store, date: $date, staffId: $staff) { columns { bookings { id } } } }""",
        lambda ids: {"store": ids["store"], "date": ids["booking_date"], "staff": ids["staff"]},
        "null",
    ),
    "Query.memberBookings": Case(
        "query($id: ID!) { memberBookings(memberId: $id) { edges { node { id } } } }",
        lambda ids: {"id": ids["member"]},
        "null",
    ),
    "Query.storeQueue": Case(
        "query($id: ID!) { storeQueue(storeId: $id) { number } }", lambda ids: {"id": ids["store"]}, "null"
    ),
    "Mutation.setStoreHours": Case(
        """mutation($input: SetStoreHoursInput!) {
             setStoreHours(input: $input) { hours { weekday } userErrors { code } } }""",
        lambda ids: {
            "input": {
                "storeId": ids["store"],
                "hours": [
                    {"weekday": d, "opensAt": "09:00", "closesAt": "21:00"}
                    for d in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
                ],
            }
        },
        "STORE_NOT_FOUND",
    ),
    "Mutation.createService": Case(
        """mutation($input: CreateServiceInput!) {
             createService(input: $input) { service { id } userErrors { code } } }""",
        lambda ids: {
            "input": {
                "storeId": ids["store"],
                "itemId": ids["catalog_item"],
                "durationMin": 120,
                "staffIds": [ids["staff"]],
                "resourceId": ids["resource"],
            }
        },
        "STORE_NOT_FOUND",
    ),
    "Mutation.updateService": Case(
        """mutation($input: UpdateServiceInput!) {
             updateService(input: $input) { service { id } userErrors { code } } }""",
        lambda ids: {
            "input": {
                "id": ids["service"],
                "itemId": ids["catalog_item"],
                "durationMin": 60,
                "bufferAfterMin": 15,
                "staffIds": [ids["staff"]],
                "resourceId": ids["resource"],
            }
        },
        "SERVICE_NOT_FOUND",
    ),
    "Mutation.createResource": Case(
        """mutation($input: CreateResourceInput!) {
             createResource(input: $input) { resource { id } userErrors { code } } }""",
        lambda ids: {"input": {"storeId": ids["store"], "name": "染发椅", "kind": "CHAIR", "capacity": 3}},
        "STORE_NOT_FOUND",
    ),
    "Mutation.updateResource": Case(
        """mutation($input: UpdateResourceInput!) {
             updateResource(input: $input) { resource { id } userErrors { code } } }""",
        lambda ids: {"input": {"id": ids["resource"], "name": "洗头床", "capacity": 3}},
        "RESOURCE_NOT_FOUND",
    ),
    "Mutation.setStaffSchedule": Case(
        """mutation($input: SetStaffScheduleInput!) {
             setStaffSchedule(input: $input) { staffSchedule { staffMemberId } userErrors { code } } }""",
        lambda ids: {
            "input": {
                "storeId": ids["store"],
                "staffId": ids["staff"],
                "weekly": [
                    {"weekday": d, "opensAt": "09:00", "closesAt": "21:00"}
                    for d in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
                ],
            }
        },
        "STORE_NOT_FOUND",
    ),
    "Mutation.addScheduleException": Case(
        """mutation($input: AddScheduleExceptionInput!) {
             addScheduleException(input: $input) { scheduleException { id } userErrors { code } } }""",
        lambda ids: {
            "input": {"storeId": ids["store"], "staffId": ids["staff"], "date": "2099-02-01", "kind": "LEAVE"}
        },
        "STORE_NOT_FOUND",
    ),
    "Mutation.removeScheduleException": Case(
        """mutation($input: RemoveScheduleExceptionInput!) {
             removeScheduleException(input: $input) { scheduleException { id } userErrors { code } } }""",
        lambda ids: {"input": {"id": ids["schedule_exception"]}},
        "SCHEDULE_EXCEPTION_NOT_FOUND",
    ),
    "Mutation.bookForMember": Case(
        """mutation($input: BookForMemberInput!) {
             bookForMember(input: $input) { booking { id } userErrors { code } } }""",
        lambda ids: {
            "input": {
                "storeId": ids["store"],
                "serviceId": ids["service"],
                "memberId": ids["member"],
                "staffId": ids["staff"],
                "start": ids["booking_start"],
                "idempotencyKey": _key(),
            }
        },
        "STORE_NOT_FOUND",
    ),
    "Mutation.rescheduleBooking": Case(
        """mutation($input: StaffRescheduleBookingInput!) {
             rescheduleBooking(input: $input) { booking { id } userErrors { code } } }""",
        lambda ids: {"input": {"bookingId": ids["booking"], "start": ids["reschedule_start"], "staffId": ids["staff"]}},
        "BOOKING_NOT_FOUND",
    ),
    "Mutation.checkInBooking": Case(
        """mutation($input: BookingIdInput!) {
             checkInBooking(input: $input) { booking { id } userErrors { code } } }""",
        lambda ids: {"input": {"bookingId": ids["booking"]}},
        "BOOKING_NOT_FOUND",
    ),
    "Mutation.completeBooking": Case(
        """mutation($input: CompleteBookingInput!) {
             completeBooking(input: $input) { booking { id } userErrors { code } } }""",
        lambda ids: {"input": {"bookingId": ids["booking"]}},
        "BOOKING_NOT_FOUND",
    ),
    "Mutation.cancelBooking": Case(
        """mutation($input: StaffCancelBookingInput!) {
             cancelBooking(input: $input) { booking { id } userErrors { code } } }""",
        lambda ids: {"input": {"bookingId": ids["booking_to_cancel"], "reason": "顾客来电取消"}},
        "BOOKING_NOT_FOUND",
    ),
    "Mutation.markNoShow": Case(
        """mutation($input: BookingIdInput!) {
             markNoShow(input: $input) { booking { id } userErrors { code } } }""",
        lambda ids: {"input": {"bookingId": ids["past_booking"]}},
        "BOOKING_NOT_FOUND",
    ),
    "Mutation.callNext": Case(
        """mutation($input: CallNextInput!) {
             callNext(input: $input) { ticket { number } userErrors { code } } }""",
        lambda ids: {"input": {"storeId": ids["store"]}},
        "STORE_NOT_FOUND",
    ),
    "Mutation.retryDeadLetter": Case(
        """mutation($input: RetryDeadLetterInput!) {
             retryDeadLetter(input: $input) { deadLetter { id } userErrors { field code } } }""",
        lambda ids: {"input": {"deadLetterId": ids["dead_letter"]}},
        "DEAD_LETTER_NOT_FOUND",
    ),
    "Mutation.setBirthdayGift": Case(
        """mutation($input: SetBirthdayGiftInput!) {
             setBirthdayGift(input: $input) { birthdayGift { template { id } } userErrors { field code } } }""",
        lambda ids: {"input": {"templateId": ids["coupon_template"]}},
        "COUPON_TEMPLATE_NOT_FOUND",
    ),
    "Mutation.setJourneyRules": Case(
        """mutation($rules: [JourneyRuleInput!]!) {
             setJourneyRules(rules: $rules) { rules { kind } userErrors { field code } } }""",
        lambda ids: {
            "rules": [{"kind": "WIN_BACK", "enabled": True, "days": 60, "templateId": ids["coupon_template"]}]
        },
        "COUPON_TEMPLATE_NOT_FOUND",
    ),
    "Query.catalogItems": Case(
        "query($id: ID) { catalogItems(storeId: $id) { edges { node { id } } } }",
        lambda ids: {"id": ids["store"]},
        "null",
    ),
    "Query.catalogItem": Case(
        "query($id: ID!) { catalogItem(id: $id) { id name } }", lambda ids: {"id": ids["catalog_item"]}, "null"
    ),
    "Query.orders": Case(
        "query($id: ID) { orders(storeId: $id) { edges { node { id } } } }", lambda ids: {"id": ids["store"]}, "null"
    ),
    "Query.order": Case(
        "query($id: ID!) { order(id: $id) { order { id } payments { id } } }", lambda ids: {"id": ids["order"]}, "null"
    ),
    "Mutation.createCatalogItem": Case(
        """mutation($input: CreateCatalogItemInput!) {
             createCatalogItem(input: $input) { catalogItem { id } userErrors { field code } } }""",
        lambda ids: {
            "input": {
                "kind": "PRODUCT",
                "name": "洗发水",
                "priceFen": 5_900,
                "allStores": False,
                "storeIds": [ids["store"]],
            }
        },
        "STORE_NOT_FOUND",
    ),
    "Mutation.updateCatalogItem": Case(
        """mutation($input: UpdateCatalogItemInput!) {
             updateCatalogItem(input: $input) { catalogItem { id } userErrors { field code } } }""",
        lambda ids: {"input": {"id": ids["catalog_item"], "kind": "SERVICE", "name": "洗剪吹", "priceFen": 4_200}},
        "CATALOG_ITEM_NOT_FOUND",
    ),
    "Query.quoteOrder": Case(
        """query($input: QuoteOrderInput!) {
             quoteOrder(input: $input) { quote { price { dueFen } } userErrors { field code } } }""",
        lambda ids: {
            "input": {"storeId": ids["store"], "memberId": ids["member"], "items": [{"itemId": ids["catalog_item"]}]}
        },
        "STORE_NOT_FOUND",
    ),
    "Mutation.createOrder": Case(
        """mutation($input: CreateOrderInput!) {
             createOrder(input: $input) { order { id } userErrors { field code } } }""",
        lambda ids: {
            "input": {
                "storeId": ids["store"],
                "memberId": ids["member"],
                "items": [{"itemId": ids["catalog_item"]}],
                "idempotencyKey": _key(),
            }
        },
        "STORE_NOT_FOUND",
    ),
    "Mutation.payOrder": Case(
        """mutation($input: PayOrderInput!) {
             payOrder(input: $input) { order { id } userErrors { field code } } }""",
        lambda ids: {"input": {"orderId": ids["order"], "method": "CASH", "idempotencyKey": _key()}},
        "ORDER_NOT_FOUND",
    ),
    "Mutation.closeOrder": Case(
        """mutation($input: CloseOrderInput!) {
             closeOrder(input: $input) { order { id } userErrors { field code } } }""",
        lambda ids: {"input": {"orderId": ids["closable_order"]}},
        "ORDER_NOT_FOUND",
    ),
    "Mutation.refundOrder": Case(
        """mutation($input: RefundOrderInput!) {
             refundOrder(input: $input) { refund { id } userErrors { field code } } }""",
        lambda ids: {
            "input": {"orderId": ids["paid_order"], "amountFen": 100, "reason": "顾客不满意", "idempotencyKey": _key()}
        },
        "ORDER_NOT_FOUND",
    ),
    "Query.shareholderProgram": Case(
        "query($id: ID!) { shareholderProgram(id: $id) { id name } }",
        lambda ids: {"id": ids["shareholder_program"]},
        "null",
    ),
    "Query.shareholders": Case(
        "query($id: ID!) { shareholders(programId: $id) { edges { node { memberId } } } }",
        lambda ids: {"id": ids["shareholder_program"]},
        "null",
    ),
    "Query.shareholderRanking": Case(
        """query($id: ID!) { shareholderRanking(programId: $id) { rows { rank } userErrors { field code } } }""",
        lambda ids: {"id": ids["shareholder_program"]},
        "PROGRAM_NOT_FOUND",
    ),
    "Query.referralChain": Case(
        "query($id: ID!) { referralChain(memberId: $id) { member { id } upline { id } } }",
        lambda ids: {"id": ids["member"]},
        "null",
    ),
    "Mutation.createShareholderProgram": Case(
        """mutation($input: ShareholderProgramInput!) {
             createShareholderProgram(input: $input) { program { id } userErrors { field code } } }""",
        lambda ids: {"input": {"name": "本店股东", "level1Bp": 1000, "allStores": False, "storeIds": [ids["store"]]}},
        "STORE_NOT_FOUND",
    ),
    "Mutation.updateShareholderProgram": Case(
        """mutation($input: UpdateShareholderProgramInput!) {
             updateShareholderProgram(input: $input) { program { id } userErrors { field code } } }""",
        lambda ids: {"input": {"id": ids["shareholder_program"], "program": {"name": "改名", "level1Bp": 800}}},
        "PROGRAM_NOT_FOUND",
    ),
    "Mutation.appointShareholder": Case(
        """mutation($input: AppointShareholderInput!) {
             appointShareholder(input: $input) { appointment { active } userErrors { field code } } }""",
        lambda ids: {"input": {"memberId": ids["member"], "programId": ids["shareholder_program"]}},
        "MEMBER_NOT_FOUND",
    ),
    "Mutation.revokeShareholder": Case(
        """mutation($input: RevokeShareholderInput!) {
             revokeShareholder(input: $input) { appointment { active } userErrors { field code } } }""",
        lambda ids: {"input": {"memberId": ids["member"]}},
        "MEMBER_NOT_FOUND",
    ),
    "Mutation.approveCommission": Case(
        """mutation($input: ApproveCommissionInput!) {
             approveCommission(input: $input) { commission { status } userErrors { field code } } }""",
        lambda ids: {"input": {"commissionId": ids["held_commission"]}},
        "COMMISSION_NOT_FOUND",
    ),
    "Mutation.rejectCommission": Case(
        """mutation($input: RejectCommissionInput!) {
             rejectCommission(input: $input) { commission { status } userErrors { field code } } }""",
        lambda ids: {"input": {"commissionId": ids["held_commission_2"], "reason": "本人下单"}},
        "COMMISSION_NOT_FOUND",
    ),
    "Mutation.correctReferrer": Case(
        """mutation($input: CorrectReferrerInput!) {
             correctReferrer(input: $input) { correction { memberId } userErrors { field code } } }""",
        lambda ids: {"input": {"memberId": ids["member"], "referrerId": ids["referrer"], "reason": "更正绑定"}},
        "MEMBER_NOT_FOUND",
    ),
    "Mutation.settleStaffCommissions": Case(
        """mutation($input: SettleStaffCommissionsInput!) {
             settleStaffCommissions(input: $input) { payout { id } userErrors { field code } } }""",
        lambda ids: {"input": {"staffMemberId": ids["staff"], "reference": "工资", "idempotencyKey": _key()}},
        "STAFF_NOT_FOUND",
    ),
    "Mutation.markAlertsRead": Case(
        "mutation($ids: [ID!]) { markAlertsRead(ids: $ids) { unreadAlertCount userErrors { field code } } }",
        lambda ids: {"ids": [ids["alert"]]},
        "ALERT_NOT_FOUND",
    ),
    "Query.segmentPreview": Case(
        "query($f: SegmentFilterInput!) { segmentPreview(filter: $f) { count userErrors { field code } } }",
        lambda ids: {"f": {"homeStoreId": ids["store"]}},
        "STORE_NOT_FOUND",
    ),
    "Query.segment": Case(
        "query($id: ID!) { segment(id: $id) { id name } }", lambda ids: {"id": ids["segment"]}, "null"
    ),
    "Mutation.createSegment": Case(
        """mutation($input: CreateSegmentInput!) {
             createSegment(input: $input) { segment { id } userErrors { field code } } }""",
        lambda ids: {"input": {"name": "本店常客", "filter": {"homeStoreId": ids["store"]}}},
        "STORE_NOT_FOUND",
    ),
    "Mutation.updateSegment": Case(
        """mutation($input: UpdateSegmentInput!) {
             updateSegment(input: $input) { segment { id } userErrors { field code } } }""",
        lambda ids: {"input": {"id": ids["segment"], "name": "老顾客"}},
        "SEGMENT_NOT_FOUND",
    ),
    "Mutation.tagMembers": Case(
        """mutation($input: TagMembersInput!) {
             tagMembers(input: $input) { members { id tags } userErrors { field code } } }""",
        lambda ids: {"input": {"memberIds": [ids["member"]], "tags": ["常客"]}},
        "MEMBERS_INVALID",
    ),
    "Mutation.untagMembers": Case(
        """mutation($input: TagMembersInput!) {
             untagMembers(input: $input) { members { id tags } userErrors { field code } } }""",
        lambda ids: {"input": {"memberIds": [ids["member"]], "tags": ["常客"]}},
        "MEMBERS_INVALID",
    ),
    "Query.accessLog": Case(
        """query($m: ID!, $s: ID!, $st: ID!) {
             accessLog(filter: {memberId: $m, staffMemberId: $s, storeId: $st}) { edges { node { id } } } }""",
        lambda ids: {"m": ids["member"], "s": ids["staff"], "st": ids["store"]},
        "null",
    ),
    "Mutation.closeMemberAccount": Case(
        """mutation($input: CloseMemberAccountInput!) {
             closeMemberAccount(input: $input) { closedAt userErrors { field code } } }""",
        lambda ids: {"input": {"memberId": ids["closable"], "reason": "会员书面申请", "requestRef": "SQ-1"}},
        "MEMBER_NOT_FOUND",
    ),
    # Last of the segment cases: its control deletes the merchant's own segment.
    "Mutation.deleteSegment": Case(
        "mutation($id: ID!) { deleteSegment(input: {id: $id}) { deletedId userErrors { field code } } }",
        lambda ids: {"id": ids["segment"]},
        "SEGMENT_NOT_FOUND",
    ),
    "Query.campaign": Case(
        "query($id: ID!) { campaign(id: $id) { id progress { sent } effect { treatment { members } } } }",
        lambda ids: {"id": ids["campaign"]},
        "null",
    ),
    "Query.campaignAudience": Case(
        "query($id: ID!) { campaignAudience(segmentId: $id) }", lambda ids: {"id": ids["campaign_segment"]}, "null"
    ),
    "Mutation.createCampaign": Case(
        "mutation($input: CampaignInput!) { createCampaign(input: $input) { campaign { id } userErrors { code } } }",
        lambda ids: {"input": _campaign(ids)},
        "CAMPAIGN_SEGMENT_NOT_FOUND",
    ),
    "Mutation.updateCampaign": Case(
        """mutation($input: UpdateCampaignInput!) {
             updateCampaign(input: $input) { campaign { id } userErrors { code } } }""",
        lambda ids: {"input": {"id": ids["campaign"], "campaign": _campaign(ids)}},
        "CAMPAIGN_NOT_FOUND",
    ),
    "Mutation.scheduleCampaign": Case(
        "mutation($id: ID!) { scheduleCampaign(id: $id) { campaign { id } userErrors { code } } }",
        lambda ids: {"id": ids["campaign"]},
        "CAMPAIGN_NOT_FOUND",
    ),
    "Mutation.cancelCampaign": Case(
        "mutation($id: ID!) { cancelCampaign(id: $id) { campaign { id } userErrors { code } } }",
        lambda ids: {"id": ids["campaign"]},
        "CAMPAIGN_NOT_FOUND",
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
    schema = build_client_schema(cast(IntrospectionQuery, build_admin_schema().introspect()))
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
CREATE_COUPON_TEMPLATE = """
mutation { createCouponTemplate(input: {kind: AMOUNT_OFF, title: "满100减20", valueFen: 2000, validDays: 30}) {
  template { id } userErrors { code } } }
"""
ACTIVATE_COUPON_TEMPLATE = """
mutation($id: ID!) { setCouponTemplateStatus(input: {templateId: $id, status: ACTIVE}) { userErrors { code } } }
"""
GRANT_PACK = "mutation($input: GrantPackInput!) { grantPack(input: $input) { pack { id } userErrors { code } } }"


async def _redeem_code(mongo: Mongo, shop: Shop, member_gid: str, template_gid: str) -> str:
    """The code the member would show at the counter for a coupon they just claimed."""
    member_id, template_id = from_global_id("Member", member_gid), from_global_id("CouponTemplate", template_gid)
    assert member_id is not None and template_id is not None
    claimed = await claims.claim_coupon(
        mongo=mongo,
        merchant_id=shop.merchant.merchant.id,
        member_id=member_id,
        template_id=template_id,
        idempotency_key=_key(),
    )
    code = redemption.redeem_code(
        signer=redemption.signer_for(Keyring(SECRET_KEY)), coupon=claimed.held.coupon, now=datetime.now(UTC)
    )
    assert code is not None
    return code.code


@dataclass(frozen=True)
class Tenant:
    merchant_id: ObjectId
    owner_token: str
    ids: Ids

    def renew_redeem_code(self) -> None:
        """The member's code for the same coupon signed for this minute's window, as their screen refreshes it: the
        one made while furnishing lapses within 70 s, sooner than a loaded machine reaches the redeem cases."""
        signer = redemption.signer_for(Keyring(SECRET_KEY))
        coupon_id, _ = signer.open(self.merchant_id, self.ids["redeem_code"])
        window = int(datetime.now(UTC).timestamp()) // redemption.WINDOW_S
        self.ids["redeem_code"] = signer.sign(self.merchant_id, coupon_id, window)


async def _data(gql: Gql, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None) -> Any:
    body = await gql("admin" if token else "member", query, variables, token=token)
    assert "errors" not in body, body
    return body["data"]


async def furnish(gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, staff_phone: str) -> Tenant:
    """A merchant with one of everything an admin id can name: store, staff, member with card, card level,
    top-up plan, count card, coupon template, coupon pack and a member's redeem code, made the way the merchant
    would make them."""
    token = await staff_token(gql, shop.owner_phone)
    owner = shop.merchant.owner
    staff = await hire(mongo, pii, owner, staff_phone, Role.CASHIER, stores=[shop.merchant.store.id])
    login = {"code": f"guest.{uuid.uuid4().hex}", "channel": "WECHAT", "merchantId": gid(shop.merchant.merchant)}
    member = (await _data(gql, MEMBER_LOGIN, {"input": login}))["login"]["member"]["id"]
    leaving = {**login, "code": f"leaver.{uuid.uuid4().hex}"}
    closable = (await _data(gql, MEMBER_LOGIN, {"input": leaving}))["login"]["member"]["id"]
    [level, *_] = (await _data(gql, ME_LEVELS, token=token))["loyaltyProgram"]["levels"]
    plan = (await _data(gql, CREATE_TOP_UP_PLAN, token=token))["createTopUpPlan"]["topUpPlan"]["id"]
    grant = {"memberId": member, "name": "护理 10 次", "uses": 10, "expiresAt": "2099-01-01T00:00:00+00:00"}
    granted = await _data(gql, GRANT_COUNT_CARD, {"input": grant | {"idempotencyKey": _key()}}, token=token)
    template = (await _data(gql, CREATE_COUPON_TEMPLATE, token=token))["createCouponTemplate"]["template"]["id"]
    await _data(gql, ACTIVATE_COUPON_TEMPLATE, {"id": template}, token=token)
    pack_grant = {"templateId": template, "staffMemberId": gid(owner), "size": 5, "idempotencyKey": _key()}
    pack = (await _data(gql, GRANT_PACK, {"input": pack_grant}, token=token))["grantPack"]["pack"]["id"]
    ids = {
        "store": gid(shop.merchant.store),
        "staff": gid(staff),
        "member": member,
        "closable": closable,
        "level": level["id"],
        "top_up_plan": plan,
        "count_card": granted["grantCountCard"]["countCard"]["id"],
        "coupon_template": template,
        "coupon_pack": pack,
        "redeem_code": await _redeem_code(mongo, shop, member, template),
    }
    ids |= await furnish_booking(mongo, shop, staff, member)
    ids |= await furnish_jobs(mongo, shop)
    ids |= await furnish_orders(mongo, shop, member)
    ids |= await furnish_shareholders(mongo, pii, shop)
    ids |= await furnish_alerts(mongo, shop)
    ids |= await furnish_segments(mongo, shop)
    ids |= await furnish_campaigns(mongo, shop)
    return Tenant(shop.merchant.merchant.id, token, ids)


async def belongings(mongo: Mongo, merchant_id: ObjectId) -> dict[str, list[Doc]]:
    """Every document in the database that belongs to one merchant, whatever collection it lives in (collections
    holding none of its documents are left out, so another merchant's first write to a new collection is no change)."""
    mine = {"$or": [{"merchant_id": merchant_id}, {"_id": merchant_id}]}
    names = sorted(await mongo.db.list_collection_names())
    found = {name: await mongo.db[name].find(mine).sort("_id", 1).to_list() for name in names}
    return {name: docs for name, docs in found.items() if docs}


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


@pytest.mark.slow
@pytest.mark.dead_letters  # each merchant is given one, to probe the dead-letter screens
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
        a.renew_redeem_code()
        b.renew_redeem_code()
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
