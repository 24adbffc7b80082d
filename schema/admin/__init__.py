"""The admin schema, served at /graphql/admin to the staff's mobile admin."""

from functools import cache

import strawberry

from schema.admin.alerts import AlertsMutation, AlertsQuery
from schema.admin.auth import StaffAuthMutation
from schema.admin.birthday_gifts import BirthdayGiftMutation, BirthdayGiftQuery
from schema.admin.booking import BookingMutation, BookingQuery
from schema.admin.booking_catalog import BookingCatalogMutation
from schema.admin.booking_report import BookingReportQuery
from schema.admin.booking_setup import BookingSetupMutation, BookingSetupQuery
from schema.admin.campaigns import CampaignsMutation, CampaignsQuery
from schema.admin.catalog import CatalogMutation, CatalogQuery
from schema.admin.coupon_funnel import CouponFunnelQuery
from schema.admin.coupon_redemption import CouponRedemptionMutation, CouponRedemptionQuery
from schema.admin.coupons import CouponTemplatesMutation, CouponTemplatesQuery
from schema.admin.jobs import JobsMutation, JobsQuery
from schema.admin.journeys import JourneysMutation, JourneysQuery
from schema.admin.loyalty import LoyaltyMutation, LoyaltyQuery
from schema.admin.marketing_report import MarketingReportQuery
from schema.admin.member_coupons import MemberCouponsQuery
from schema.admin.members import MembersMutation, MembersQuery
from schema.admin.orders import OrdersMutation, OrdersQuery
from schema.admin.payouts import PayoutsMutation, PayoutsQuery
from schema.admin.personal_data import PersonalDataMutation, PersonalDataQuery
from schema.admin.privacy import PrivacyMutation, PrivacyQuery
from schema.admin.reconciliation import ReconciliationMutation
from schema.admin.referrals import ReferralsMutation, ReferralsQuery
from schema.admin.reports import ReportsQuery
from schema.admin.segments import SegmentsMutation, SegmentsQuery
from schema.admin.shareholders import ShareholdersMutation, ShareholdersQuery
from schema.admin.store_today import StoreTodayQuery
from schema.admin.tenancy import TenancyMutation, TenancyQuery
from schema.extensions import DEFAULT_LIMITS, QueryLimits, schema_extensions


@strawberry.type
class Query(
    TenancyQuery,
    StoreTodayQuery,
    ReportsQuery,
    MarketingReportQuery,
    BookingReportQuery,
    LoyaltyQuery,
    MembersQuery,
    MemberCouponsQuery,
    CouponTemplatesQuery,
    CouponFunnelQuery,
    CouponRedemptionQuery,
    BookingSetupQuery,
    BookingQuery,
    JobsQuery,
    BirthdayGiftQuery,
    ShareholdersQuery,
    ReferralsQuery,
    CatalogQuery,
    OrdersQuery,
    PayoutsQuery,
    AlertsQuery,
    JourneysQuery,
    SegmentsQuery,
    PrivacyQuery,
    PersonalDataQuery,
    CampaignsQuery,
):
    pass


@strawberry.type
class Mutation(
    StaffAuthMutation,
    TenancyMutation,
    LoyaltyMutation,
    MembersMutation,
    CouponTemplatesMutation,
    CouponRedemptionMutation,
    BookingSetupMutation,
    BookingCatalogMutation,
    BookingMutation,
    JobsMutation,
    BirthdayGiftMutation,
    ShareholdersMutation,
    ReferralsMutation,
    CatalogMutation,
    OrdersMutation,
    PayoutsMutation,
    ReconciliationMutation,
    AlertsMutation,
    JourneysMutation,
    SegmentsMutation,
    PrivacyMutation,
    PersonalDataMutation,
    CampaignsMutation,
):
    pass


# The schema is immutable and takes ~0.2 s to build; every app made in one process (each test's) shares it.
@cache
def build_admin_schema(limits: QueryLimits = DEFAULT_LIMITS) -> strawberry.Schema:
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=schema_extensions(limits))
