"""The member schema, served at /graphql/member to the mini-program."""

from functools import cache

import strawberry

from schema.extensions import DEFAULT_LIMITS, QueryLimits, schema_extensions
from schema.member.account_closing import AccountClosingMutation, AccountClosingQuery
from schema.member.auth import AuthMutation
from schema.member.booking import BookingMutation, BookingQuery
from schema.member.cards import CardsQuery
from schema.member.coupon_sharing import CouponSharingMutation, CouponSharingQuery
from schema.member.coupons import CouponsMutation, CouponsQuery
from schema.member.inbox import InboxMutation, InboxQuery
from schema.member.marketing import MarketingMutation
from schema.member.orders import OrdersMutation, OrdersQuery
from schema.member.payouts import PayoutsMutation, PayoutsQuery
from schema.member.privacy import PrivacyMutation, PrivacyQuery
from schema.member.profile import ProfileQuery
from schema.member.profile_update import ProfileMutation
from schema.member.referrals import ReferralMutation, ReferralQuery
from schema.member.shareholder import ShareholderQuery
from schema.member.stores import StoresQuery


@strawberry.type
class Query(
    ProfileQuery,
    StoresQuery,
    CardsQuery,
    CouponsQuery,
    CouponSharingQuery,
    BookingQuery,
    InboxQuery,
    ReferralQuery,
    ShareholderQuery,
    OrdersQuery,
    PayoutsQuery,
    PrivacyQuery,
    AccountClosingQuery,
):
    pass


@strawberry.type
class Mutation(
    AuthMutation,
    ProfileMutation,
    MarketingMutation,
    CouponsMutation,
    CouponSharingMutation,
    BookingMutation,
    InboxMutation,
    ReferralMutation,
    OrdersMutation,
    PayoutsMutation,
    PrivacyMutation,
    AccountClosingMutation,
):
    pass


# The schema is immutable and takes ~0.2 s to build; every app made in one process (each test's) shares it.
@cache
def build_member_schema(limits: QueryLimits = DEFAULT_LIMITS) -> strawberry.Schema:
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=schema_extensions(limits))
