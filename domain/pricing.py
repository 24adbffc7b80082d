"""Checkout pricing as one pure function: list price → level discount → one coupon → what was prepaid (a booking's
deposit) → points → stored value → the remainder to an external provider (WeChat Pay, Alipay, or cash at the
counter).

The rounding rule, the only one: a percentage (the level discount, a PERCENT_OFF coupon) is taken of a whole-fen
amount and the customer keeps the fraction, i.e. the discount is rounded up and the price down to the fen. Caps
on what points may pay are limits, not prices, and round down; points pay in whole redemption units only.
An order-wide amount (an AMOUNT_OFF or PERCENT_OFF coupon) is spread over the lines by largest remainder, which
never changes a total. Every part is whole fen, never negative, and the parts always add up to the list price.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import DomainError

BP = 10_000


class PricingCode(StrEnum):
    COUPON_MINIMUM_NOT_MET = "COUPON_MINIMUM_NOT_MET"
    COUPON_NOT_APPLICABLE = "COUPON_NOT_APPLICABLE"


class PricingError(DomainError):
    pass


class LineKind(StrEnum):
    SERVICE = "SERVICE"
    PRODUCT = "PRODUCT"
    # A free amount typed at the counter or by the member paying by scan (扫码买单).
    AMOUNT = "AMOUNT"


class CouponKind(StrEnum):
    AMOUNT_OFF = "AMOUNT_OFF"
    PERCENT_OFF = "PERCENT_OFF"
    GIFT = "GIFT"
    EXPERIENCE = "EXPERIENCE"


@dataclass(frozen=True)
class CartLine:
    item_id: str
    kind: LineKind
    unit_price_fen: int
    quantity: int = 1


@dataclass(frozen=True)
class CouponTerms:
    """What one coupon does to a cart; the coupons capability decides whether the member may use it at all."""

    kind: CouponKind
    # AMOUNT_OFF: fen off the order. EXPERIENCE: the fixed price of one unit of the service.
    value_fen: int = 0
    # PERCENT_OFF: basis points off the order (1500 = 15% off, 八五折).
    percent_off_bp: int = 0
    # PERCENT_OFF: the most it takes off; None for no cap.
    cap_fen: int | None = None
    # Any kind: the order after the level discount must come to at least this (满减门槛).
    minimum_spend_fen: int = 0
    # GIFT and EXPERIENCE: the catalog item one unit of which the coupon prices.
    item_id: str | None = None


@dataclass(frozen=True)
class PointsRule:
    # `points_per_unit` points pay `fen_per_unit` fen, in whole units (100 points = 100 fen).
    points_per_unit: int
    fen_per_unit: int
    # The most points may pay, in basis points of the order after the coupon (5000 = half).
    max_share_bp: int


@dataclass(frozen=True)
class LinePrice:
    """One cart line's share of the discounts; `payable_fen` is what the line costs the member."""

    item_id: str
    list_fen: int
    level_discount_fen: int
    coupon_discount_fen: int
    payable_fen: int


@dataclass(frozen=True)
class Checkout:
    """list = level discount + coupon discount + payable, and payable = prepaid + points + stored value + external."""

    list_fen: int
    level_discount_fen: int
    coupon_discount_fen: int
    # What the order costs the member after discounts, however it is paid.
    payable_fen: int
    # Paid before, towards this order (a booking's deposit).
    prepaid_fen: int
    points_used: int
    points_fen: int
    stored_value_fen: int
    # Left for WeChat Pay, Alipay or cash.
    external_fen: int
    lines: tuple[LinePrice, ...]


def price_checkout(
    lines: Sequence[CartLine],
    *,
    level_discount_bp: int = 0,
    coupon: CouponTerms | None = None,
    points_rule: PointsRule | None = None,
    points_available: int = 0,
    stored_value_available: int = 0,
    prepaid_fen: int = 0,
) -> Checkout:
    """Prices a cart for one member.

    `level_discount_bp` is basis points off (1000 = 10% off). `points_available` and `stored_value_available`
    are what the member puts towards this order (their balance, or 0 when they do not use it); as much of each
    is used as the rules allow, points first. `prepaid_fen` (a deposit) counts before either, up to what the order
    costs after discounts. Raises PricingError when the coupon cannot apply to this cart.
    """
    _check_inputs(lines, level_discount_bp, coupon, points_rule, points_available, stored_value_available)
    if prepaid_fen < 0:
        raise ValueError("a prepaid amount is never negative")
    lists = [line.unit_price_fen * line.quantity for line in lines]
    level = [_percent_of(amount, level_discount_bp) for amount in lists]
    after_level = [a - d for a, d in zip(lists, level, strict=True)]
    off = [0] * len(lines) if coupon is None else _coupon_discounts(lines, after_level, coupon)
    payable_lines = [a - d for a, d in zip(after_level, off, strict=True)]
    payable = sum(payable_lines)
    prepaid = min(prepaid_fen, payable)
    points_used, points_fen = _points(payable - prepaid, points_rule, points_available)
    stored_value_fen = min(stored_value_available, payable - prepaid - points_fen)
    return Checkout(
        list_fen=sum(lists),
        level_discount_fen=sum(level),
        coupon_discount_fen=sum(off),
        payable_fen=payable,
        prepaid_fen=prepaid,
        points_used=points_used,
        points_fen=points_fen,
        stored_value_fen=stored_value_fen,
        external_fen=payable - prepaid - points_fen - stored_value_fen,
        lines=tuple(
            LinePrice(line.item_id, *amounts)
            for line, amounts in zip(lines, zip(lists, level, off, payable_lines, strict=True), strict=True)
        ),
    )


def _percent_of(amount_fen: int, bp: int) -> int:
    """bp of an amount, rounded up: the discount side of the rounding rule."""
    return -(-amount_fen * bp // BP)


def _allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Spreads `total` (at most sum(weights)) over weights by largest remainder, earlier first on ties.

    No share exceeds its weight: only shares with a fractional part get the extra fen.
    """
    whole = sum(weights)
    if total == 0:
        return [0] * len(weights)
    shares = [total * w // whole for w in weights]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _coupon_discounts(lines: Sequence[CartLine], after_level: list[int], coupon: CouponTerms) -> list[int]:
    subtotal = sum(after_level)
    if subtotal < coupon.minimum_spend_fen:
        raise PricingError(PricingCode.COUPON_MINIMUM_NOT_MET, "coupon", minimum_spend_fen=coupon.minimum_spend_fen)
    if coupon.kind is CouponKind.AMOUNT_OFF:
        return _allocate(min(coupon.value_fen, subtotal), after_level)
    if coupon.kind is CouponKind.PERCENT_OFF:
        off = _percent_of(subtotal, coupon.percent_off_bp)
        return _allocate(off if coupon.cap_fen is None else min(off, coupon.cap_fen), after_level)
    target = _target_line(lines, coupon)
    # One unit's price after the level discount, the fraction going to the customer as everywhere.
    unit_fen = -(-after_level[target] // lines[target].quantity)
    discounts = [0] * len(lines)
    discounts[target] = unit_fen if coupon.kind is CouponKind.GIFT else max(0, unit_fen - coupon.value_fen)
    return discounts


def _target_line(lines: Sequence[CartLine], coupon: CouponTerms) -> int:
    for i, line in enumerate(lines):
        if line.item_id == coupon.item_id and (coupon.kind is CouponKind.GIFT or line.kind is LineKind.SERVICE):
            return i
    raise PricingError(PricingCode.COUPON_NOT_APPLICABLE, "coupon", item_id=coupon.item_id)


def _points(payable_fen: int, rule: PointsRule | None, available: int) -> tuple[int, int]:
    if rule is None:
        return 0, 0
    cap_fen = payable_fen * rule.max_share_bp // BP
    units = min(available // rule.points_per_unit, cap_fen // rule.fen_per_unit)
    return units * rule.points_per_unit, units * rule.fen_per_unit


def _check_inputs(
    lines: Sequence[CartLine],
    level_discount_bp: int,
    coupon: CouponTerms | None,
    points_rule: PointsRule | None,
    points_available: int,
    stored_value_available: int,
) -> None:
    """Bad inputs here are bugs upstream (catalog and settings validate what people type), so ValueError."""
    if not lines:
        raise ValueError("a checkout has at least one line")
    if any(line.quantity < 1 or line.unit_price_fen < 0 for line in lines):
        raise ValueError("quantities are at least 1 and prices never negative")
    if not 0 <= level_discount_bp <= BP or min(points_available, stored_value_available) < 0:
        raise ValueError("a level discount is 0..10000 bp and available balances are never negative")
    if coupon is not None and (
        min(coupon.value_fen, coupon.minimum_spend_fen, coupon.cap_fen or 0) < 0 or not 0 <= coupon.percent_off_bp <= BP
    ):
        raise ValueError("coupon amounts are never negative and a percentage is 0..10000 bp")
    if points_rule is not None and (
        min(points_rule.points_per_unit, points_rule.fen_per_unit) < 1 or not 0 <= points_rule.max_share_bp <= BP
    ):
        raise ValueError("a points rule has positive units and a share of 0..10000 bp")
