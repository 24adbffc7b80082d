"""What each notification says: one template per topic, its inbox title and text, the keywords of its WeChat
subscribe message, and the mini-program page it opens.

The WeChat template for a topic is chosen in the mini-program's console and configured by id
(`JIKE_WECHAT_SUBSCRIBE_TEMPLATES`); it must have the keywords listed here (e.g. `thing1`, `time2`). Topics
may share one WeChat template, and then share its quota.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo


class Topic(StrEnum):
    BOOKING_CONFIRMED = "BOOKING_CONFIRMED"
    BOOKING_RESCHEDULED = "BOOKING_RESCHEDULED"
    BOOKING_REMINDER = "BOOKING_REMINDER"
    BOOKING_CANCELLED = "BOOKING_CANCELLED"
    COUPON_RECEIVED = "COUPON_RECEIVED"
    COUPON_EXPIRING = "COUPON_EXPIRING"
    COMMISSION_ACCRUED = "COMMISSION_ACCRUED"
    PAYOUT_WAITING = "PAYOUT_WAITING"
    PAYOUT_SENT = "PAYOUT_SENT"
    POINTS_CHANGED = "POINTS_CHANGED"
    LEVEL_UP = "LEVEL_UP"
    BIRTHDAY_GIFT = "BIRTHDAY_GIFT"
    QUEUE_NEAR = "QUEUE_NEAR"
    QUEUE_CALLED = "QUEUE_CALLED"
    MARKETING = "MARKETING"


@dataclass(frozen=True)
class Template:
    # str.format over the fields too, for the topics whose title the sender writes (a campaign's).
    title: str
    # str.format over the notification's fields; a missing field is a bug and fails loudly.
    body: str
    # (subscribe-message keyword, field) pairs.
    keywords: tuple[tuple[str, str], ...]
    page: str
    sms: bool = False

    def render(self, fields: dict[str, str]) -> tuple[str, str]:
        return self.body.format(**fields), self.page.format(**fields)

    def render_title(self, fields: dict[str, str]) -> str:
        return self.title.format(**fields)

    def wechat_data(self, fields: dict[str, str]) -> dict[str, str]:
        return {key: fit(key, fields[name]) for key, name in self.keywords}


_BOOKING = (("thing1", "service"), ("time2", "start"), ("thing3", "store"))
_BOOKING_PAGE = "pages/booking/detail?id={booking_id}"
_COUPON_PAGE = "pages/coupons/detail?id={coupon_id}"

TEMPLATES: dict[Topic, Template] = {
    Topic.BOOKING_CONFIRMED: Template("预约成功", "{service}，{start}，{store}", _BOOKING, _BOOKING_PAGE),
    Topic.BOOKING_RESCHEDULED: Template("预约已改期", "{service}，改至 {start}，{store}", _BOOKING, _BOOKING_PAGE),
    Topic.BOOKING_REMINDER: Template(
        "预约提醒", "您预约的{service}将于 {start} 开始，地点：{store}", _BOOKING, _BOOKING_PAGE, sms=True
    ),
    Topic.BOOKING_CANCELLED: Template("预约已取消", "{service}，{start}，{store}", _BOOKING, _BOOKING_PAGE, sms=True),
    Topic.COUPON_RECEIVED: Template(
        "收到一张优惠券", "{title}，有效期至 {valid_to}", (("thing1", "title"), ("time2", "valid_to")), _COUPON_PAGE
    ),
    Topic.COUPON_EXPIRING: Template(
        "优惠券即将过期", "{title} 将于 {valid_to} 过期", (("thing1", "title"), ("time2", "valid_to")), _COUPON_PAGE
    ),
    Topic.COMMISSION_ACCRUED: Template(
        "分红到账",
        "{source}消费，您获得分红 {amount}",
        (("amount1", "amount"), ("thing2", "source"), ("time3", "time")),
        "pages/shareholder/earnings",
    ),
    # WeChat Pay holds a merchant transfer until the member confirms it in the mini-program, and closes it
    # unconfirmed after about 24 hours: this is the message that gets the money collected.
    Topic.PAYOUT_WAITING: Template(
        "分红待收款",
        "{amount} 已转出，请在 24 小时内到小程序确认收款，逾期将退回",
        (("amount1", "amount"), ("time2", "time")),
        "pages/shareholder/payouts",
    ),
    Topic.PAYOUT_SENT: Template(
        "分红已发放",
        "{amount} 已到账微信零钱",
        (("amount1", "amount"), ("time2", "time")),
        "pages/shareholder/payouts",
    ),
    Topic.POINTS_CHANGED: Template(
        "积分变动",
        "{reason}：{change}，当前积分 {balance}",
        (("character_string1", "change"), ("number2", "balance"), ("thing3", "reason")),
        "pages/card/points",
    ),
    Topic.LEVEL_UP: Template("会员升级", "恭喜您升级为{level}", (("thing1", "level"),), "pages/card/index"),
    Topic.BIRTHDAY_GIFT: Template("生日礼物", "生日快乐！送您一张{title}", (("thing1", "title"),), _COUPON_PAGE),
    Topic.QUEUE_NEAR: Template(
        "即将到号", "{store} {number} 号快到了，请留在店内", (("character_string1", "number"), ("thing2", "store")), ""
    ),
    Topic.QUEUE_CALLED: Template(
        "到号了", "{store} 请 {number} 号到前台", (("character_string1", "number"), ("thing2", "store")), ""
    ),
    # A campaign's message (domain.campaigns): its own title and text; SMS only where the sender allows it.
    Topic.MARKETING: Template("{title}", "{body}", (("thing1", "title"), ("thing2", "body")), "{page}", sms=True),
}

# WeChat refuses (47003) a value longer than its keyword type allows.
_LIMITS = {"thing": 20, "name": 10, "phrase": 5, "symbol": 5, "character_string": 32, "number": 32, "letter": 32}


def fit(key: str, value: str) -> str:
    kind = key.rstrip("0123456789")
    limit = _LIMITS.get(kind)
    if limit is None or len(value) <= limit:
        return value
    return value[: limit - 1] + "…"


def queue_called_text(store: str, number: int) -> str:
    """What a member called from the queue reads (their inbox text; the WeChat message carries the same fields),
    so the desk can say it too."""
    return TEMPLATES[Topic.QUEUE_CALLED].render({"store": store, "number": str(number)})[0]


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}元"


def local_time(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
