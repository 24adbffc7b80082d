"""User-facing messages for every error code, in Chinese (default) and English.

A test checks that every code of every capability's enum has both messages here.
"""

from domain.access_log import AccessLogCode
from domain.account_closing.erasure import ErasureCode
from domain.account_closing.retention import RetentionCode
from domain.alerts.errors import AlertCode
from domain.booking.errors import BookingCode
from domain.campaigns.errors import CampaignCode
from domain.cards.errors import CardCode
from domain.catalog import CatalogCode
from domain.checkout.errors import CheckoutCode
from domain.commissions.errors import CommissionCode
from domain.coupons.errors import CouponCode
from domain.jobs.errors import JobsCode
from domain.jobs.scheduled import JOBS
from domain.journeys.errors import JourneyCode
from domain.marketing.errors import MarketingCode
from domain.member_auth import MemberCode
from domain.merchant_export.errors import MoveCode
from domain.notifications.errors import NotificationCode
from domain.orders.errors import OrderCode
from domain.payouts.errors import PayoutCode
from domain.pricing import PricingCode
from domain.privacy.errors import PrivacyCode
from domain.reconciliation import ReconciliationCode
from domain.referrals.errors import ReferralCode
from domain.reports.errors import ReportCode
from domain.segments.errors import SegmentCode
from domain.sessions import SessionCode
from domain.staff_auth import StaffAuthCode
from domain.tenancy import TenancyCode

ZH = "zh"
EN = "en"

MESSAGES: dict[str, tuple[str, str]] = {
    ErasureCode.ACCOUNT_CLOSED: ("该账户已注销", "This account is already closed."),
    ErasureCode.STORED_VALUE_NOT_REFUNDED: (
        "储值卡中还有您充值的余额，请先到店办理退款后再注销",
        "Your card still holds stored value you paid; have it refunded in store before closing.",
    ),
    ErasureCode.PAYOUT_IN_FLIGHT: (
        "您有一笔分红正在打款中，请到账后再注销",
        "A commission payout to you is in progress; close the account once it has arrived.",
    ),
    ErasureCode.OPEN_ORDER: (
        "您有未支付或退款中的订单，请先完成或取消后再注销",
        "You have an unpaid order or a refund in progress; finish or cancel it first.",
    ),
    ErasureCode.UPCOMING_BOOKING: (
        "您有尚未到来的预约，请先取消预约后再注销",
        "You have an upcoming booking; cancel it before closing the account.",
    ),
    ErasureCode.CLOSING_REASON_REQUIRED: (
        "请填写注销原因（200 字以内）",
        "A reason of up to 200 characters is required.",
    ),
    ErasureCode.CLOSING_REQUEST_REF_REQUIRED: (
        "请填写会员书面申请的编号（64 字以内）",
        "The reference of the member's written request (up to 64 characters) is required.",
    ),
    RetentionCode.RETENTION_YEARS_INVALID: ("保存年限须在 1 到 10 年之间", "Retention must be 1 to 10 years."),
    AccessLogCode.ACCESS_LOG_RANGE_INVALID: ("开始时间须早于结束时间", "The start must come before the end."),
    AccessLogCode.ACCESS_LOG_FILTER_NOT_FOUND: (
        "筛选的会员、员工或门店不存在",
        "No such member, staff member or store.",
    ),
    MemberCode.INVALID_LOGIN_CODE: ("登录凭证无效或已使用，请重新登录", "The login code is invalid or already used."),
    MemberCode.MERCHANT_NOT_FOUND: ("商家不存在", "No such merchant."),
    MemberCode.CHANNEL_UNAVAILABLE: ("登录服务暂不可用，请稍后再试", "The sign-in service is unavailable; try again."),
    SessionCode.INVALID_REFRESH_TOKEN: ("登录已过期，请重新登录", "The refresh token is invalid or expired."),
    SessionCode.REFRESH_TOKEN_REUSED: (
        "登录凭证已被使用，为安全起见请重新登录",
        "The refresh token was already used; sign in again.",
    ),
    StaffAuthCode.INVALID_CREDENTIALS: ("手机号或密码错误", "Wrong phone number or password."),
    StaffAuthCode.STAFF_LOGIN_LOCKED: ("登录失败次数过多，请稍后再试", "Too many failed sign-ins; try again later."),
    TenancyCode.NAME_REQUIRED: ("请填写名称（64 字以内）", "A name of up to 64 characters is required."),
    TenancyCode.INVALID_TIMEZONE: ("时区无效", "Unknown time zone."),
    TenancyCode.INVALID_PHONE: ("手机号格式不正确", "Invalid phone number."),
    TenancyCode.PHONE_TAKEN: ("该手机号已被使用", "This phone number is already in use."),
    TenancyCode.PASSWORD_TOO_SHORT: ("密码至少 8 位", "The password needs at least 8 characters."),
    TenancyCode.STORE_NOT_FOUND: ("门店不存在", "No such store."),
    TenancyCode.STORES_REQUIRED: ("请至少选择一个门店", "Choose at least one store."),
    "INVALID_ID": ("ID 无效", "Invalid ID."),
    CardCode.CARD_NOT_FOUND: ("会员卡不存在", "No such member card."),
    CardCode.CARD_LOST: (
        "会员卡已挂失，暂不能使用余额、积分或次卡",
        "This card is reported lost; it cannot be used to pay.",
    ),
    CardCode.CARD_REPLACED: ("该卡号已补卡作废，请使用新卡", "This card number was replaced by a reissued card."),
    CardCode.INSUFFICIENT_BALANCE: ("余额不足", "Insufficient balance."),
    CardCode.INVALID_AMOUNT: ("金额或数量无效", "Invalid amount."),
    CardCode.IDEMPOTENCY_KEY_REUSED: (
        "该请求编号已用于另一笔操作",
        "This idempotency key was already used for a different request.",
    ),
    CardCode.IDEMPOTENCY_KEY_REQUIRED: (
        "缺少请求编号（128 字以内）",
        "An idempotency key of up to 128 characters is required.",
    ),
    CardCode.REASON_REQUIRED: ("请填写原因（200 字以内）", "A reason of up to 200 characters is required."),
    CardCode.LEVELS_INVALID: (
        "会员等级设置无效：首个等级门槛须为 0，门槛逐级递增，名称不重复",
        "Invalid levels: the first threshold must be 0, thresholds must rise, names must differ.",
    ),
    CardCode.LEVEL_IN_USE: ("仍有会员处于该等级，不能删除", "Members still hold this level; it cannot be removed."),
    CardCode.POINTS_RULE_INVALID: ("积分规则无效", "Invalid points rule."),
    CardCode.POINTS_TOO_FEW: ("积分不足以抵扣 1 分钱", "Too few points to be worth one fen."),
    CardCode.PLAN_INVALID: (
        "充值方案无效：赠送金额不能超过充值金额",
        "Invalid top-up plan: the bonus may not exceed the amount.",
    ),
    CardCode.PLAN_NOT_FOUND: ("充值方案不存在或已下架", "No such top-up plan, or it was archived."),
    CardCode.TOP_UP_NOT_FOUND: ("充值记录不存在", "No such top-up."),
    CardCode.COUNT_CARD_INVALID: ("次卡设置无效", "Invalid count card."),
    CardCode.COUNT_CARD_NOT_FOUND: ("次卡不存在", "No such count card."),
    CardCode.COUNT_CARD_EXPIRED: ("次卡已过期", "This count card has expired."),
    CardCode.MEMBER_CODE_INVALID: ("会员码无效", "Invalid member code."),
    CardCode.MEMBER_CODE_EXPIRED: (
        "会员码已过期，请让顾客刷新后再扫",
        "The member code has expired; ask for a fresh one.",
    ),
    CardCode.MEMBER_CODE_USED: (
        "会员码已使用，请让顾客刷新后再扫",
        "The member code was already used; ask for a fresh one.",
    ),
    CardCode.MEMBER_NOT_FOUND: ("会员不存在", "No such member."),
    CardCode.MEMBER_AMBIGUOUS: (
        "该手机号对应多个会员，请在会员列表中选择",
        "Several members share this phone; pick one in the search.",
    ),
    CardCode.LOOKUP_INVALID: (
        "请只提供会员码、卡号或手机号中的一项",
        "Give exactly one of member code, card number or phone.",
    ),
    CardCode.SEARCH_TOO_LONG: ("搜索内容过长（32 字以内）", "Search for at most 32 characters."),
    CardCode.NICKNAME_INVALID: ("请填写昵称（32 字以内）", "A nickname of up to 32 characters is required."),
    CardCode.BIRTHDAY_INVALID: ("生日无效", "Invalid birthday."),
    CardCode.BIRTHDAY_ALREADY_SET: ("生日设置后不能修改", "The birthday is already set and cannot be changed."),
    CardCode.PHONE_CODE_INVALID: (
        "手机号授权已失效，请重新授权",
        "The phone number authorisation is invalid; try again.",
    ),
    CardCode.PHONE_UNAVAILABLE: ("暂时无法获取手机号，请稍后再试", "The phone number cannot be obtained right now."),
    PricingCode.COUPON_MINIMUM_NOT_MET: ("未达到优惠券的使用门槛", "The order is below this coupon's minimum spend."),
    PricingCode.COUPON_NOT_APPLICABLE: (
        "该优惠券适用的项目不在本单中",
        "The item this coupon is for is not in this order.",
    ),
    CouponCode.COUPON_TITLE_REQUIRED: (
        "请填写券名称（64 字以内）",
        "A coupon title of up to 64 characters is required.",
    ),
    CouponCode.COUPON_TEXT_TOO_LONG: ("说明或使用须知过长", "The description or terms are too long."),
    CouponCode.INVALID_COUPON_BENEFIT: ("优惠内容设置无效", "Invalid coupon benefit for this kind of coupon."),
    CouponCode.INVALID_COUPON_VALIDITY: (
        "有效期无效：请设置未过期的固定时段，或领取后 1-3650 天有效",
        "Invalid validity: a fixed window that has not ended, or 1-3650 days from receipt.",
    ),
    CouponCode.INVALID_COUPON_STOCK: ("发放总量无效", "Invalid total stock."),
    CouponCode.INVALID_CLAIM_LIMIT: ("每人限领数量须为 1-100", "The per-member limit must be 1-100."),
    CouponCode.COUPON_STATUS_CHANGE_INVALID: (
        "券模板当前状态不能这样变更",
        "The template cannot move to that status now.",
    ),
    CouponCode.IDEMPOTENCY_KEY_INVALID: (
        "缺少请求编号（128 字以内）",
        "An idempotency key of 1-128 characters is required.",
    ),
    CouponCode.COUPON_TEMPLATE_NOT_FOUND: ("优惠券不存在", "No such coupon."),
    CouponCode.COUPON_TEMPLATE_DRAFT: ("券模板尚未上线", "The coupon template is still a draft."),
    CouponCode.COUPON_TEMPLATE_PAUSED: ("活动已暂停，请稍后再来", "This coupon is paused for now."),
    CouponCode.COUPON_TEMPLATE_ENDED: ("活动已结束", "This coupon campaign has ended."),
    CouponCode.COUPON_OUT_OF_STOCK: ("券已领完", "All coupons have been claimed."),
    CouponCode.CLAIM_LIMIT_REACHED: ("已达到每人限领数量", "You have claimed as many as allowed."),
    CouponCode.COUPON_NOT_FOUND: ("优惠券不存在", "No such coupon in your wallet."),
    CouponCode.COUPON_NOT_TRANSFERABLE: ("该券不可转赠", "This coupon cannot be given to someone else."),
    CouponCode.COUPON_EXPIRED: ("优惠券已过期", "This coupon has expired."),
    CouponCode.COUPON_NOT_YET_VALID: ("优惠券尚未到可用时间", "This coupon is not valid yet."),
    CouponCode.COUPON_LOCKED: ("该券正在订单支付中，暂不可用", "This coupon is held by an unpaid order."),
    CouponCode.COUPON_FORWARDING: ("该券正在转赠中，请先撤回", "This coupon is being given away; recall it first."),
    CouponCode.COUPON_NOT_FORWARDING: ("该券没有待领取的转赠", "This coupon has no pending gift to recall."),
    CouponCode.COUPON_NOT_LOCKED: ("该券未被此订单锁定或锁定已过期", "This coupon is not held for this order."),
    CouponCode.FORWARD_NOT_FOUND: ("转赠链接无效", "This gift link is not valid."),
    CouponCode.FORWARD_ALREADY_ACCEPTED: ("该券已被领取", "This gift has already been accepted."),
    CouponCode.FORWARD_RECALLED: ("赠送人已撤回该券", "The sender took this gift back."),
    CouponCode.FORWARD_EXPIRED: ("转赠已超过 24 小时，已退回赠送人", "This gift was not accepted in 24 hours."),
    CouponCode.CANNOT_ACCEPT_OWN_FORWARD: ("不能领取自己转赠的券", "You cannot accept your own gift."),
    CouponCode.PACK_NOT_FOUND: ("券包不存在", "No such coupon pack."),
    CouponCode.PACK_EMPTY: ("券包已被领完", "This coupon pack is empty."),
    CouponCode.CANNOT_CLAIM_OWN_PACK: ("不能领取自己分享的券包", "You cannot take from your own pack."),
    CouponCode.INVALID_PACK_SIZE: ("券包数量须为 1-1000", "A pack holds 1-1000 coupons."),
    CouponCode.PACK_HOLDER_INVALID: ("请选择一位本店会员或员工", "Choose one member or one staff member."),
    CouponCode.REDEEM_CODE_INVALID: ("核销码无效", "Invalid redeem code."),
    CouponCode.REDEEM_CODE_EXPIRED: (
        "核销码已过期，请让顾客刷新后再扫",
        "The redeem code expired; ask for a fresh one.",
    ),
    CouponCode.ALREADY_REDEEMED: ("该券已核销", "This coupon was already redeemed."),
    CouponCode.COUPON_NOT_VALID_AT_STORE: ("该券不适用于本门店", "This coupon is not valid at this store."),
    CouponCode.FUNNEL_RANGE_INVALID: ("开始时间须早于结束时间", "The start must be before the end."),
    # STORE_NOT_FOUND, MEMBER_NOT_FOUND, REASON_REQUIRED and IDEMPOTENCY_KEY_INVALID share the messages above.
    BookingCode.BOOKING_POLICY_INVALID: ("预约规则设置无效", "Invalid booking policy."),
    BookingCode.HOURS_INVALID: (
        "时间段无效：须为 00:00-24:00 之间、以 5 分钟为单位且同一天互不重叠",
        "Invalid hours: 00:00-24:00 in 5-minute steps, not overlapping on one day.",
    ),
    BookingCode.SERVICE_INVALID: ("服务项目设置无效", "Invalid service."),
    BookingCode.ITEM_NOT_BOOKABLE: (
        "请选择在本店销售、已启用的服务类商品",
        "Choose an active service item sold at this store.",
    ),
    BookingCode.SERVICE_NOT_FOUND: ("服务项目不存在或已下架", "No such service, or it was archived."),
    BookingCode.RESOURCE_INVALID: ("资源设置无效（数量 1-50）", "Invalid resource (capacity 1-50)."),
    BookingCode.RESOURCE_NOT_FOUND: ("资源不存在", "No such resource."),
    BookingCode.STAFF_NOT_FOUND: ("员工不存在或不在该门店", "No such staff member at this store."),
    BookingCode.SCHEDULE_EXCEPTION_INVALID: (
        "排班调整无效：加班须填写时间段",
        "Invalid schedule exception: an extra shift needs its times.",
    ),
    BookingCode.SCHEDULE_EXCEPTION_NOT_FOUND: ("排班调整不存在", "No such schedule exception."),
    BookingCode.START_TIMEZONE_REQUIRED: ("预约时间须带时区", "The start time needs a time zone."),
    BookingCode.START_NOT_ON_SLOT: ("请选择可预约的时间点", "Choose one of the offered start times."),
    BookingCode.DATE_OUT_OF_RANGE: ("日期超出预约日历的范围", "That date is outside the booking calendar."),
    BookingCode.BOOKING_IN_PAST: ("不能预约已过去的时间", "That time has already passed."),
    BookingCode.BEYOND_BOOKING_HORIZON: ("超出可预约的日期范围", "That is too far ahead to book."),
    BookingCode.OUTSIDE_OPENING_HOURS: ("不在门店营业时间内", "The store is not open then."),
    BookingCode.STAFF_NOT_WORKING: ("该技师此时不上班", "The staff member is not working then."),
    BookingCode.STAFF_NOT_QUALIFIED: ("该技师不提供此项服务", "This staff member does not offer this service."),
    BookingCode.SLOT_TAKEN: ("该时段已被预约，请选择其他时间", "That time was just taken; choose another."),
    BookingCode.NOTE_TOO_LONG: ("备注不能超过 200 字", "The note may have at most 200 characters."),
    BookingCode.BOOKING_NOT_FOUND: ("预约不存在", "No such booking."),
    BookingCode.BOOKING_STATUS_INVALID: (
        "预约当前状态不能这样操作",
        "The booking cannot do that in its current status.",
    ),
    BookingCode.CANCEL_CUTOFF_PASSED: (
        "距开始时间太近，不能再取消或改期，请联系门店",
        "Too close to the start to cancel or reschedule; please call the store.",
    ),
    BookingCode.NO_SHOW_TOO_EARLY: ("预约尚未开始，不能标记爽约", "The booking has not started yet."),
    BookingCode.COUNT_CARD_NOT_APPLICABLE: (
        "该次卡不属于此会员或已用完、已过期",
        "This count card is not the member's, or has no uses or time left.",
    ),
    BookingCode.QUEUE_EMPTY: ("当前没有排队的顾客", "Nobody is waiting."),
    JobsCode.DEAD_LETTER_NOT_FOUND: ("失败任务不存在", "No such dead letter."),
    JobsCode.DEAD_LETTER_ALREADY_RETRIED: ("该任务已重新执行", "This dead letter was already retried."),
    JobsCode.CRON_JOB_NOT_FOUND: (
        f"没有可立即运行的此定时任务，可运行的有：{', '.join(JOBS)}",
        f"No scheduled job of that name can be run now; these can: {', '.join(JOBS)}.",
    ),
    JobsCode.CRON_JOB_RUNNING: (
        "该定时任务正在运行，请等它结束",
        "This job is being run now; wait until it is done.",
    ),
    NotificationCode.NOTIFICATION_NOT_FOUND: ("消息不存在", "No such notification."),
    MarketingCode.MARKETING_CONSENT_EMPTY: (
        "请选择是否接收营销消息或短信",
        "Say whether to receive marketing messages or SMS.",
    ),
    NotificationCode.NOTIFICATION_IDS_INVALID: ("请选择 1 到 100 条消息", "Choose 1 to 100 notifications."),
    NotificationCode.SUBSCRIBE_TEMPLATE_UNKNOWN: ("订阅消息模板无效", "Unknown subscribe-message template."),
    NotificationCode.SUBSCRIPTION_NOT_ASKED: (
        "只能同意本次申请的订阅消息模板",
        "Only templates that were asked about can be accepted.",
    ),
    # MEMBER_NOT_FOUND, STORE_NOT_FOUND, STORES_REQUIRED and REASON_REQUIRED share the messages above.
    ReferralCode.REFERRER_NOT_FOUND: ("推荐人不存在", "No such referrer."),
    ReferralCode.SELF_REFERRAL: ("不能绑定自己为推荐人", "A member cannot be their own referrer."),
    ReferralCode.REFERRAL_CYCLE: (
        "该推荐人是此会员的下级，不能形成循环",
        "That referrer is in this member's downline; the chain would loop.",
    ),
    ReferralCode.REFERRER_UNCHANGED: ("推荐人未变化", "The member already has this referrer."),
    ReferralCode.SHARE_CODE_UNAVAILABLE: (
        "小程序码暂时无法生成，请稍后再试",
        "The QR code cannot be made now; try again.",
    ),
    CommissionCode.PROGRAM_NAME_REQUIRED: (
        "请填写方案名称（32 字以内）",
        "A program name of up to 32 characters is required.",
    ),
    CommissionCode.PROGRAM_RATES_INVALID: (
        "分红比例无效：每级不能为负，各级合计不能超过 100%",
        "Invalid rates: none negative, all levels together at most 100%.",
    ),
    CommissionCode.PROGRAM_WINDOW_INVALID: ("结束时间须晚于开始时间", "The end must be after the start."),
    CommissionCode.PROGRAM_FREEZE_INVALID: ("冻结天数须在 0 到 90 天之间", "Freeze days must be 0 to 90."),
    CommissionCode.PROGRAM_MINIMUM_INVALID: ("提现门槛无效", "Invalid payout minimum."),
    CommissionCode.PROGRAM_NOT_FOUND: ("分红方案不存在", "No such shareholder program."),
    CommissionCode.PROGRAM_ENDED: ("该分红方案已结束", "This shareholder program has ended."),
    CommissionCode.NOT_A_SHAREHOLDER: ("该会员不是分红股东", "This member is not a shareholder."),
    CommissionCode.COMMISSION_NOT_FOUND: ("分红记录不存在", "No such commission."),
    CommissionCode.COMMISSION_NOT_IN_REVIEW: ("该分红不在待审核状态", "This commission is not awaiting review."),
    CommissionCode.REPORT_RANGE_INVALID: ("开始时间须早于结束时间", "The start must be before the end of the range."),
    CatalogCode.CATALOG_ITEM_INVALID: (
        "商品或服务设置无效：名称 64 字以内，价格不能为负",
        "Invalid catalog item: a name of up to 64 characters and a price that is not negative.",
    ),
    CatalogCode.CATALOG_ITEM_NOT_FOUND: ("商品或服务不存在", "No such catalog item."),
    OrderCode.ORDER_NOT_FOUND: ("订单不存在", "No such order."),
    OrderCode.ORDER_CONTENT_INVALID: (
        "请选择商品或服务，或输入一个金额（二选一）",
        "Give either items or one amount, not both.",
    ),
    OrderCode.ORDER_AMOUNT_INVALID: ("金额无效", "Invalid amount."),
    OrderCode.ITEM_NOT_SOLD_HERE: ("该商品或服务在本门店不可售", "This item is not sold at this store."),
    OrderCode.MEMBER_REQUIRED: ("使用优惠券或积分需要先识别会员", "Coupons and points need a member."),
    OrderCode.BOOKING_NOT_PAYABLE: ("该预约当前不能付款", "This booking cannot be paid for now."),
    OrderCode.BOOKING_ALREADY_ORDERED: ("该预约已有订单，请在订单中继续支付", "This booking already has an order."),
    OrderCode.DEPOSIT_NOT_DISCOUNTED: (
        "定金不能使用优惠券或积分，到店结算时可用",
        "A deposit takes no coupon or points; use them when paying for the visit.",
    ),
    OrderCode.NOTE_TOO_LONG: ("备注不能超过 200 字", "The note may have at most 200 characters."),
    CheckoutCode.METHOD_NOT_ALLOWED: ("不支持该支付方式", "This payment method is not allowed here."),
    CheckoutCode.METHOD_UNAVAILABLE: ("该支付方式暂不可用", "This payment method is not available."),
    CheckoutCode.ORDER_ALREADY_PAID: ("订单已支付", "The order is already paid."),
    CheckoutCode.ORDER_CLOSED: ("订单已关闭，请重新下单", "The order is closed; make a new one."),
    CheckoutCode.PAYMENT_IN_PROGRESS: (
        "该订单有一笔支付正在进行，请完成支付或稍后再试",
        "A payment for this order is in progress; finish it or try again later.",
    ),
    CheckoutCode.PROVIDER_UNAVAILABLE: (
        "支付服务暂时不可用，请稍后再试",
        "The payment provider is unavailable; try again.",
    ),
    CheckoutCode.PROVIDER_REFUSED: ("支付机构拒绝了该请求", "The payment provider refused the request."),
    CheckoutCode.ORDER_NOT_REFUNDABLE: ("该订单不能退款", "This order cannot be refunded."),
    CheckoutCode.REFUND_AMOUNT_INVALID: (
        "退款金额须大于 0 且不超过可退金额",
        "The refund must be more than 0 and at most what is left to refund.",
    ),
    CheckoutCode.TOP_UP_REFUND_NOT_FULL: ("充值订单只能全额退款", "A top-up can only be refunded in full."),
    CheckoutCode.REFUND_REASON_REQUIRED: ("请填写退款原因（80 字以内）", "A refund reason of up to 80 characters."),
    CheckoutCode.HOLD_EXPIRED: (
        "该时段为您保留的时间已过，请重新预约",
        "The time held for this booking has run out; please book again.",
    ),
    PayoutCode.PAYOUTS_UNAVAILABLE: (
        "分红发放未开通（未配置微信支付商家转账）",
        "Payouts are not set up (WeChat Pay merchant transfer).",
    ),
    PayoutCode.IDEMPOTENCY_KEY_REQUIRED: ("请求缺少幂等键（64 字以内）", "An idempotency key of up to 64 characters."),
    PayoutCode.PAYOUT_NOT_FOUND: ("分红发放记录不存在", "No such payout."),
    PayoutCode.PAYOUT_NOT_READY: (
        "转账单正在生成或需次日发放，请稍后再来收款",
        "The transfer is not ready yet (being made, or due another day); try again later.",
    ),
    PayoutCode.PAYOUT_SETTLED: ("该笔分红已发放完成或已失败", "This payout is already paid or failed."),
    PayoutCode.STAFF_NOT_FOUND: ("员工不存在", "No such staff member."),
    PayoutCode.REFERENCE_TOO_LONG: ("备注不能超过 64 字", "The reference may have at most 64 characters."),
    PayoutCode.SCHEDULE_INVALID: (
        "发放时间无效：请选择星期一至星期日中的至少一天，时间 0–23 点",
        "Pick at least one weekday (1–7) and an hour from 0 to 23.",
    ),
    ReconciliationCode.RANGE_INVALID: (
        "日期范围无效：开始日期不能晚于结束日期，且最长 366 天",
        "Invalid date range: the start must not be after the end, and at most 366 days.",
    ),
    ReconciliationCode.LINK_INVALID: (
        "下载链接无效，请在应用中重新导出",
        "This download link is not valid; export again from the app.",
    ),
    ReconciliationCode.LINK_EXPIRED: (
        "下载链接已过期（10 分钟内有效），请重新导出",
        "This download link has expired (links last 10 minutes); export again.",
    ),
    AlertCode.ALERT_RULE_DUPLICATE: ("每种预警只能设置一次", "Each kind of alert may be set only once."),
    AlertCode.ALERT_PERCENT_INVALID: ("百分比须为 1-1000", "The percent must be 1-1000."),
    AlertCode.ALERT_HOUR_INVALID: ("时间须为 0-23 点", "The hour must be 0-23."),
    AlertCode.ALERT_COUNT_INVALID: ("数量须至少为 1", "The count must be at least 1."),
    AlertCode.ALERT_AMOUNT_INVALID: ("金额不能为负", "The amount may not be negative."),
    AlertCode.ALERT_IDS_INVALID: ("请选择 1 到 100 条预警", "Choose 1 to 100 alerts."),
    AlertCode.ALERT_NOT_FOUND: ("预警不存在", "No such alert."),
    JourneyCode.JOURNEY_RULE_DUPLICATE: ("每种关怀只能设置一次", "Each kind of journey may be set only once."),
    JourneyCode.JOURNEY_DAYS_INVALID: (
        "天数超出范围：久未到店 7-365 天，首次到店后 1-90 天，到期前 1-30 天",
        "The days are out of range: 7-365 for win-back, 1-90 for thank-you, 1-30 for the expiry reminder.",
    ),
    JourneyCode.JOURNEY_CONTROL_INVALID: ("对照组比例须为 0-50%", "The control share must be 0-50%."),
    JourneyCode.JOURNEY_TEMPLATE_REQUIRED: (
        "开启前请选择要发的券",
        "Choose the coupon to give before switching it on.",
    ),
    ReportCode.RANGE_INVALID: (
        "日期范围无效：开始日期不能晚于结束日期，且最多 366 天",
        "Invalid range: the start may not be after the end, and it may span at most 366 days.",
    ),
    ReportCode.REBUILD_RUNNING: ("报表正在重算，请稍后再试", "The reports are being rebuilt; try again later."),
    SegmentCode.SEGMENT_NOT_FOUND: ("分群不存在", "No such segment."),
    SegmentCode.SEGMENT_NAME_INVALID: ("分群名称须为 1-30 个字", "The segment's name must be 1-30 characters."),
    SegmentCode.FILTER_RANGE_INVALID: (
        "筛选范围无效：不能为负，最小值不能大于最大值，生日月份为 1-12，到店次数须与天数一起填写",
        "Invalid range: no negatives, the minimum may not exceed the maximum, the birthday month is 1-12, and visits "
        "need their number of days.",
    ),
    SegmentCode.FILTER_VALUE_INVALID: ("筛选条件的取值无效", "A filter value is not one of those allowed."),
    SegmentCode.TAG_INVALID: (
        "标签须为 1-12 个文字、字母或数字，一次最多 10 个",
        "A tag is 1-12 letters or digits, at most 10 at once.",
    ),
    SegmentCode.TOO_MANY_TAGS: ("每位会员最多 20 个标签", "A member may carry at most 20 tags."),
    SegmentCode.MEMBERS_INVALID: ("请选择本店的 1-100 位会员", "Choose 1 to 100 of the merchant's members."),
    # STORE_NOT_FOUND shares the message above.
    # The operator's `jike export-merchant` / `jike import-merchant` (the shell prints the code; the pairs keep the
    # rule that every code has both messages).
    MoveCode.EXPORT_MERCHANT_NOT_FOUND: ("要导出的商家不存在", "No such merchant to export."),
    MoveCode.EXPORT_DIR_NOT_EMPTY: ("导出目录不为空", "The export directory is not empty."),
    MoveCode.MANIFEST_INVALID: ("导出清单缺失或无法识别", "The export's manifest is missing or not understood."),
    MoveCode.EXPORT_FILE_TAMPERED: ("导出文件与清单不符", "An export file does not match its manifest."),
    MoveCode.MERCHANT_ALREADY_THERE: ("目标数据库已有该商家", "The target database already holds this merchant."),
    MoveCode.IMPORT_CONFLICT: ("导入的数据与目标数据库中的数据冲突", "Imported data collides with the target's data."),
    MoveCode.IMPORT_VERIFY_FAILED: ("导入后的数据与清单不符", "The imported data does not match the manifest."),
    PrivacyCode.POLICY_VERSION_INVALID: (
        "版本号须为 1-32 位字母、数字、点、下划线或横线，且不能是 v0",
        "The version must be 1-32 letters, digits, dots, underscores or dashes, and not v0.",
    ),
    PrivacyCode.POLICY_VERSION_TAKEN: ("该版本号已发布过，已发布的版本不能修改", "This version was already published."),
    PrivacyCode.POLICY_TITLE_INVALID: ("请填写标题（64 字以内）", "A title of up to 64 characters is required."),
    PrivacyCode.POLICY_CONTENT_INVALID: (
        "请填写政策全文（2 万字以内）或 https 链接",
        "Give the policy's text (up to 20,000 characters) or an https link.",
    ),
    PrivacyCode.POLICY_EFFECTIVE_IN_PAST: ("生效时间不能早于现在", "The effective time may not be in the past."),
    PrivacyCode.POLICY_VERSION_NOT_CURRENT: (
        "隐私政策已更新，请阅读并同意最新版本",
        "The privacy policy has changed; read and agree to the current version.",
    ),
    PrivacyCode.PRIVACY_CONSENT_REQUIRED: (
        "请先阅读并同意隐私政策",
        "Read and agree to the privacy policy first.",
    ),
    PrivacyCode.DATA_REQUEST_TOO_SOON: (
        "今天已申请过个人信息副本，请明天再试",
        "You already asked for your data today; try again tomorrow.",
    ),
    PrivacyCode.DATA_LINK_INVALID: ("下载链接无效", "The download link is not valid."),
    PrivacyCode.DATA_LINK_EXPIRED: ("下载链接已过期，请重新获取", "The download link expired; get a new one."),
    PrivacyCode.DATA_LINK_NOT_YOURS: (
        "只能下载本人的个人信息副本",
        "Only the member it is for may download this copy.",
    ),
    PrivacyCode.DATA_COPY_EXPIRED: ("该副本已删除，请重新申请", "This copy was deleted; ask for a new one."),
    CampaignCode.CAMPAIGN_NOT_FOUND: ("营销活动不存在", "No such campaign."),
    CampaignCode.CAMPAIGN_NAME_REQUIRED: ("请填写活动名称（40 字以内）", "A name of up to 40 characters is required."),
    CampaignCode.CAMPAIGN_SEGMENT_NOT_FOUND: ("会员分群不存在", "No such segment."),
    CampaignCode.CAMPAIGN_ACTION_REQUIRED: (
        "请至少选择发券或发消息",
        "Choose a coupon to grant or a message to send, or both.",
    ),
    CampaignCode.CAMPAIGN_TEMPLATE_NOT_ACTIVE: (
        "优惠券不存在或未在发放中",
        "The coupon does not exist or is not being handed out.",
    ),
    CampaignCode.CAMPAIGN_MESSAGE_INVALID: (
        "消息标题须为 1-20 字，内容 1-200 字",
        "The message needs a title of 1-20 characters and a text of 1-200.",
    ),
    CampaignCode.CAMPAIGN_SEND_TIME_PAST: ("发送时间已过，请重新选择", "The send time has passed; choose another."),
    CampaignCode.CAMPAIGN_CONTROL_SHARE_INVALID: ("对照组比例须为 0-50%", "The control share must be 0-50%."),
    CampaignCode.CAMPAIGN_WEEK_CAP_INVALID: ("每周上限须为 1-14 条", "The weekly cap must be 1-14 messages."),
    CampaignCode.CAMPAIGN_WINDOW_INVALID: ("效果观察期须为 1-90 天", "The effect window must be 1-90 days."),
    CampaignCode.CAMPAIGN_STATE_INVALID: (
        "活动当前状态不允许此操作",
        "The campaign's state does not allow this.",
    ),
}


def message(code: str, lang: str) -> str:
    zh, en = MESSAGES.get(code, (code, code))
    return en if lang == EN else zh
