"""Checkout pricing: worked examples that pin the rounding rule, and properties over random carts, levels, coupons,
points and balances (the parts never go negative and always add up).
"""

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.pricing import (
    BP,
    CartLine,
    Checkout,
    CouponKind,
    CouponTerms,
    LineKind,
    PointsRule,
    PricingCode,
    PricingError,
    price_checkout,
)

HAIRCUT = CartLine("haircut", LineKind.SERVICE, 999)
SHAMPOO = CartLine("shampoo", LineKind.PRODUCT, 4_550, quantity=2)
ONE_YUAN_PER_100_POINTS = PointsRule(points_per_unit=100, fen_per_unit=100, max_share_bp=5_000)


def test_level_discount_rounds_in_the_customers_favour() -> None:
    # given a 9.99 yuan haircut and a level with 15% off (0.15 × 999 = 149.85 fen)
    # when it is priced
    checkout = price_checkout([HAIRCUT], level_discount_bp=1_500)

    # then the discount rounds up to 150 fen and the member pays 8.49 yuan, all of it to the provider
    assert (checkout.level_discount_fen, checkout.payable_fen, checkout.external_fen) == (150, 849, 849)


def test_every_step_applies_in_order_and_the_parts_add_up() -> None:
    # given a haircut and two bottles of shampoo (list 100.99 yuan), 10% level discount, 20 yuan off above 50,
    # 12,340 points at 100 points per yuan capped at half the order, and 5 yuan of stored value
    checkout = price_checkout(
        [HAIRCUT, SHAMPOO],
        level_discount_bp=1_000,
        coupon=CouponTerms(CouponKind.AMOUNT_OFF, value_fen=2_000, minimum_spend_fen=5_000),
        points_rule=ONE_YUAN_PER_100_POINTS,
        points_available=12_340,
        stored_value_available=500,
    )

    # then: level 100 + 910 off; 20 yuan coupon spread 899 : 8190; points pay 35 whole yuan of the 70.89 left
    # (capped at 35.44), stored value 5 yuan, and 30.89 yuan goes to the provider
    assert checkout == Checkout(
        list_fen=10_099,
        level_discount_fen=1_010,
        coupon_discount_fen=2_000,
        payable_fen=7_089,
        prepaid_fen=0,
        points_used=3_500,
        points_fen=3_500,
        stored_value_fen=500,
        external_fen=3_089,
        lines=checkout.lines,
    )
    assert [(line.coupon_discount_fen, line.payable_fen) for line in checkout.lines] == [(198, 701), (1_802, 6_388)]


def test_percent_off_is_capped() -> None:
    # given 20% off capped at 10 yuan, on a 91 yuan cart
    coupon = CouponTerms(CouponKind.PERCENT_OFF, percent_off_bp=2_000, cap_fen=1_000)

    # when it is priced
    checkout = price_checkout([SHAMPOO], coupon=coupon)

    # then the coupon takes 10 yuan, not 18.20
    assert (checkout.coupon_discount_fen, checkout.payable_fen) == (1_000, 8_100)


def test_gift_makes_one_unit_free_after_the_level_discount() -> None:
    # given two bottles of shampoo, 15% level discount (9100 → 7735) and a gift coupon for a bottle
    coupon = CouponTerms(CouponKind.GIFT, item_id="shampoo")

    # when it is priced
    checkout = price_checkout([HAIRCUT, SHAMPOO], level_discount_bp=1_500, coupon=coupon)

    # then one bottle's share, 7735 / 2 rounded up, is free and the haircut is untouched
    assert [line.coupon_discount_fen for line in checkout.lines] == [0, 3_868]


def test_experience_card_prices_one_service_at_its_fixed_price() -> None:
    # given an experience card that makes the haircut 1 yuan
    coupon = CouponTerms(CouponKind.EXPERIENCE, value_fen=100, item_id="haircut")

    # when a cart with the haircut is priced
    checkout = price_checkout([HAIRCUT, SHAMPOO], coupon=coupon)

    # then the haircut costs 1 yuan and the shampoo its list price
    assert [line.payable_fen for line in checkout.lines] == [100, 9_100]


def test_coupon_below_its_minimum_spend_is_refused() -> None:
    # given 20 yuan off above 100 yuan, and a 9.99 yuan cart
    coupon = CouponTerms(CouponKind.AMOUNT_OFF, value_fen=2_000, minimum_spend_fen=10_000)

    # when it is priced, then the coupon is refused with its own code
    with pytest.raises(PricingError) as refused:
        price_checkout([HAIRCUT], coupon=coupon)
    assert (refused.value.code, refused.value.field) == (PricingCode.COUPON_MINIMUM_NOT_MET, "coupon")


def test_experience_card_for_a_product_or_a_missing_item_is_not_applicable() -> None:
    # given an experience card naming the shampoo (a product), and a gift for an item not in the cart
    for coupon in (
        CouponTerms(CouponKind.EXPERIENCE, value_fen=100, item_id="shampoo"),
        CouponTerms(CouponKind.GIFT, item_id="massage"),
    ):
        # when each is priced, then it is refused as not applicable
        with pytest.raises(PricingError) as refused:
            price_checkout([HAIRCUT, SHAMPOO], coupon=coupon)
        assert refused.value.code is PricingCode.COUPON_NOT_APPLICABLE


def test_points_pay_whole_units_only() -> None:
    # given a rule where 1,000 points pay 10 fen, and a member holding 1,999 points
    rule = PointsRule(points_per_unit=1_000, fen_per_unit=10, max_share_bp=BP)

    # when a 9.99 yuan cart is priced
    checkout = price_checkout([HAIRCUT], points_rule=rule, points_available=1_999)

    # then one unit is used: 1,000 points pay 10 fen, the other 999 points stay with the member
    assert (checkout.points_used, checkout.points_fen, checkout.external_fen) == (1_000, 10, 989)


def test_stored_value_never_pays_more_than_is_owed() -> None:
    # given a member with 500 yuan of stored value and a 9.99 yuan cart
    checkout = price_checkout([HAIRCUT], stored_value_available=50_000)

    # then stored value pays exactly 9.99 yuan and nothing goes to the provider
    assert (checkout.stored_value_fen, checkout.external_fen) == (999, 0)


def test_a_deposit_counts_after_the_discounts_and_before_points() -> None:
    # given a 9.99 yuan cut at 10% off, booked with a 3 yuan deposit, and points that may pay half of the rest
    rule = PointsRule(points_per_unit=1, fen_per_unit=1, max_share_bp=5_000)

    # when it is priced
    checkout = price_checkout(
        [HAIRCUT], level_discount_bp=1_000, points_rule=rule, points_available=10_000, prepaid_fen=300
    )

    # then 8.99 is payable: the deposit pays 3, points half of the 5.99 left (2.99), the provider 3.00
    assert (checkout.payable_fen, checkout.prepaid_fen, checkout.points_fen, checkout.external_fen) == (
        899,
        300,
        299,
        300,
    )


def test_malformed_inputs_are_bugs_not_user_errors() -> None:
    # given inputs no validated catalog or settings could produce, then each is a ValueError
    calls: list[Callable[[], Checkout]] = [
        lambda: price_checkout([]),
        lambda: price_checkout([CartLine("x", LineKind.AMOUNT, -1)]),
        lambda: price_checkout([HAIRCUT], level_discount_bp=BP + 1),
        lambda: price_checkout([HAIRCUT], coupon=CouponTerms(CouponKind.PERCENT_OFF, percent_off_bp=-5)),
        lambda: price_checkout([HAIRCUT], points_rule=PointsRule(0, 100, 5_000)),
    ]
    for call in calls:
        with pytest.raises(ValueError):
            call()


ITEMS = ("haircut", "massage", "shampoo", "mask")

lines_strategy = st.lists(
    st.builds(
        CartLine,
        item_id=st.sampled_from(ITEMS),
        kind=st.sampled_from(LineKind),
        unit_price_fen=st.one_of(st.integers(0, 500), st.integers(0, 2_000_000)),
        quantity=st.integers(1, 5),
    ),
    min_size=1,
    max_size=6,
)
bp_strategy = st.one_of(st.sampled_from([0, 1, 500, 1_500, 3_333, 9_999, BP]), st.integers(0, BP))
coupon_strategy = st.one_of(
    st.none(),
    st.builds(
        CouponTerms,
        kind=st.sampled_from(CouponKind),
        value_fen=st.integers(0, 300_000),
        percent_off_bp=bp_strategy,
        cap_fen=st.one_of(st.none(), st.integers(0, 100_000)),
        minimum_spend_fen=st.one_of(st.just(0), st.integers(0, 1_000_000)),
        item_id=st.sampled_from(ITEMS),
    ),
)
points_rule_strategy = st.one_of(
    st.none(),
    st.builds(
        PointsRule, points_per_unit=st.integers(1, 1_000), fen_per_unit=st.integers(1, 1_000), max_share_bp=bp_strategy
    ),
)
balance_strategy = st.one_of(st.just(0), st.integers(0, 500), st.integers(0, 10_000_000))


@settings(max_examples=600, deadline=None)
@given(
    lines=lines_strategy,
    level_bp=bp_strategy,
    coupon=coupon_strategy,
    rule=points_rule_strategy,
    points=balance_strategy,
    stored_value=balance_strategy,
    prepaid=balance_strategy,
)
def test_parts_are_never_negative_and_always_add_up(
    lines: list[CartLine],
    level_bp: int,
    coupon: CouponTerms | None,
    rule: PointsRule | None,
    points: int,
    stored_value: int,
    prepaid: int,
) -> None:
    # given any cart, level, coupon, points rule, balances and deposit paid before
    # when it is priced
    try:
        c = price_checkout(
            lines,
            level_discount_bp=level_bp,
            coupon=coupon,
            points_rule=rule,
            points_available=points,
            stored_value_available=stored_value,
            prepaid_fen=prepaid,
        )
    except PricingError as refused:
        # then a refused coupon is refused for a true reason
        assert coupon is not None
        _assert_refusal_is_true(lines, level_bp, coupon, refused)
        return

    # then no part is negative and the parts add up, order-wide and per line
    parts = (
        c.level_discount_fen,
        c.coupon_discount_fen,
        c.prepaid_fen,
        c.points_fen,
        c.stored_value_fen,
        c.external_fen,
    )
    assert min(parts) >= 0 and min(c.points_used, c.payable_fen) >= 0
    assert c.list_fen == sum(parts) == sum(line.unit_price_fen * line.quantity for line in lines)
    assert c.payable_fen == c.prepaid_fen + c.points_fen + c.stored_value_fen + c.external_fen
    # and a deposit counts in full unless the order costs less than it
    assert c.prepaid_fen == min(prepaid, c.payable_fen)
    for line, priced in zip(lines, c.lines, strict=True):
        assert priced.item_id == line.item_id
        assert priced.list_fen == priced.level_discount_fen + priced.coupon_discount_fen + priced.payable_fen
        assert min(priced.level_discount_fen, priced.coupon_discount_fen, priced.payable_fen) >= 0
        # and the level discount is the percentage rounded up, line by line
        assert priced.level_discount_fen == -(-priced.list_fen * level_bp // BP)
    assert sum(p.level_discount_fen for p in c.lines) == c.level_discount_fen
    assert sum(p.coupon_discount_fen for p in c.lines) == c.coupon_discount_fen
    assert sum(p.payable_fen for p in c.lines) == c.payable_fen
    _assert_coupon_within_its_terms(c, level_bp, coupon)
    _assert_points_and_stored_value_used_as_far_as_allowed(c, rule, points, stored_value)


def _assert_refusal_is_true(lines: list[CartLine], level_bp: int, coupon: CouponTerms, refused: PricingError) -> None:
    after_level = sum(q - (-(-q * level_bp // BP)) for q in (line.unit_price_fen * line.quantity for line in lines))
    if refused.code is PricingCode.COUPON_MINIMUM_NOT_MET:
        assert after_level < coupon.minimum_spend_fen
    else:
        assert refused.code is PricingCode.COUPON_NOT_APPLICABLE
        assert coupon.kind in (CouponKind.GIFT, CouponKind.EXPERIENCE)
        wanted = {LineKind.SERVICE} if coupon.kind is CouponKind.EXPERIENCE else set(LineKind)
        assert not any(line.item_id == coupon.item_id and line.kind in wanted for line in lines)


def _assert_coupon_within_its_terms(c: Checkout, level_bp: int, coupon: CouponTerms | None) -> None:
    after_level = c.list_fen - c.level_discount_fen
    if coupon is None:
        assert c.coupon_discount_fen == 0
    elif coupon.kind is CouponKind.AMOUNT_OFF:
        assert c.coupon_discount_fen == min(coupon.value_fen, after_level)
    elif coupon.kind is CouponKind.PERCENT_OFF:
        exact = -(-after_level * coupon.percent_off_bp // BP)
        assert c.coupon_discount_fen == (exact if coupon.cap_fen is None else min(exact, coupon.cap_fen))
    else:
        # a gift or experience card touches exactly the one line it is for, and at most one unit of it
        touched = [p for p in c.lines if p.coupon_discount_fen]
        assert len(touched) <= 1
        assert all(p.item_id == coupon.item_id for p in touched)


def _assert_points_and_stored_value_used_as_far_as_allowed(
    c: Checkout, rule: PointsRule | None, points: int, stored_value: int
) -> None:
    if rule is None:
        assert c.points_used == c.points_fen == 0
    else:
        units = c.points_used // rule.points_per_unit
        cap_fen = (c.payable_fen - c.prepaid_fen) * rule.max_share_bp // BP
        assert c.points_used == units * rule.points_per_unit <= points
        assert c.points_fen == units * rule.fen_per_unit <= cap_fen
        # one more unit would break the balance or the cap
        assert c.points_used + rule.points_per_unit > points or c.points_fen + rule.fen_per_unit > cap_fen
    assert c.stored_value_fen == min(stored_value, c.payable_fen - c.prepaid_fen - c.points_fen)
