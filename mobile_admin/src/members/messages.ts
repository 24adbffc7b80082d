import type { Messages } from '../shell/i18n'

type Key =
  | 'title'
  | 'cardTitle'
  | 'searchPlaceholder'
  | 'searchBy_all'
  | 'searchBy_phone'
  | 'searchBy_card'
  | 'searchBy_nickname'
  | 'noOne'
  | 'noMore'
  | 'loadFailed'
  | 'wechatUser'
  | 'noCard'
  | 'points'
  | 'storedValue'
  | 'storedValueParts'
  | 'lifetimePaid'
  | 'status_ACTIVE'
  | 'status_LOST'
  | 'cardNumber'
  | 'phone'
  | 'joined'
  | 'bill'
  | 'adjust'
  | 'reportLost'
  | 'reissue'
  | 'grantCountCard'
  | 'countCards'
  | 'noCountCards'
  | 'countLeft'
  | 'expiresOn'
  | 'useOnce'
  | 'useOnceConfirm'
  | 'usedOnce'
  | 'tabLedger'
  | 'tabCoupons'
  | 'tabBookings'
  | 'tabUpline'
  | 'tags'
  | 'addTag'
  | 'tagPlaceholder'
  | 'tagHint'
  | 'tagAdd'
  | 'tagCancel'
  | 'tagRemoved'
  | 'account_POINTS'
  | 'account_STORED_VALUE'
  | 'account_COUNT'
  | 'kind_EARN'
  | 'kind_REDEEM'
  | 'kind_TOP_UP'
  | 'kind_TOP_UP_REFUND'
  | 'kind_SPEND'
  | 'kind_ADJUSTMENT'
  | 'kind_COUNT_GRANT'
  | 'kind_COUNT_USE'
  | 'balanceAfter'
  | 'noLedger'
  | 'coupon_ACTIVE'
  | 'coupon_FORWARDING'
  | 'coupon_REDEEMED'
  | 'coupon_EXPIRED'
  | 'validUntil'
  | 'noCoupons'
  | 'booking_HELD'
  | 'booking_BOOKED'
  | 'booking_CHECKED_IN'
  | 'booking_COMPLETED'
  | 'booking_CANCELLED'
  | 'booking_NO_SHOW'
  | 'booking_EXPIRED'
  | 'noBookings'
  | 'noUpline'
  | 'uplineLevel'
  | 'shareholder'
  | 'boundAt'
  | 'source_LOGIN_SHARE'
  | 'source_FORWARD_ACCEPT'
  | 'source_PACK_CLAIM'
  | 'source_MEMBER_QR'
  | 'source_STAFF_QR'
  | 'source_CORRECTION'
  | 'downline'
  | 'adjustTitle'
  | 'account'
  | 'direction'
  | 'add'
  | 'deduct'
  | 'amount'
  | 'amountPoints'
  | 'amountYuan'
  | 'amountInvalid'
  | 'unitYuan'
  | 'unitPoints'
  | 'part'
  | 'part_BONUS'
  | 'part_PAID'
  | 'reason'
  | 'reasonPlaceholder'
  | 'reasonRequired'
  | 'adjustConfirm'
  | 'adjusted'
  | 'confirm'
  | 'cancel'
  | 'submit'
  | 'lostTitle'
  | 'lostConfirm'
  | 'lostDone'
  | 'reissueTitle'
  | 'reissueConfirm'
  | 'reissueDone'
  | 'grantTitle'
  | 'grantName'
  | 'grantNamePlaceholder'
  | 'grantUses'
  | 'grantExpires'
  | 'grantInvalid'
  | 'grantConfirm'
  | 'granted'
  | 'networkError'
  | 'notFound'

export const memberMessages: Messages<Key> = {
  zh: {
    title: '会员',
    cardTitle: '会员卡',
    searchPlaceholder: '手机号 / 卡号 / 昵称',
    searchBy_all: '全部会员，最早加入的在前',
    searchBy_phone: '按手机号查找',
    searchBy_card: '按卡号查找',
    searchBy_nickname: '按昵称开头查找',
    noOne: '没有找到会员',
    noMore: '没有更多了',
    loadFailed: '加载失败，点此重试',
    wechatUser: '微信用户',
    noCard: '还没有会员卡',
    points: '积分',
    storedValue: '储值',
    storedValueParts: '本金 {paid} · 赠送 {bonus}',
    lifetimePaid: '累计消费',
    status_ACTIVE: '正常',
    status_LOST: '已挂失',
    cardNumber: '卡号',
    phone: '手机',
    joined: '{day} 加入',
    bill: '收银',
    adjust: '调余额',
    reportLost: '挂失',
    reissue: '补卡',
    grantCountCard: '发次卡',
    countCards: '次卡',
    noCountCards: '没有可用的次卡',
    countLeft: '剩 {remaining}/{total} 次',
    expiresOn: '{day} 到期',
    useOnce: '核销一次',
    useOnceConfirm: '核销「{name}」一次？核销后剩 {left} 次。',
    usedOnce: '已核销，剩 {left} 次',
    tabLedger: '流水',
    tabCoupons: '优惠券',
    tabBookings: '预约',
    tabUpline: '推荐人',
    tags: '标签',
    addTag: '加标签',
    tagPlaceholder: '例如：敏感肌',
    tagHint: '常用标签',
    tagAdd: '添加',
    tagCancel: '取消',
    tagRemoved: '已去掉“{tag}”',
    account_POINTS: '积分',
    account_STORED_VALUE: '储值',
    account_COUNT: '次卡',
    kind_EARN: '消费得积分',
    kind_REDEEM: '积分抵扣',
    kind_TOP_UP: '充值',
    kind_TOP_UP_REFUND: '充值退款',
    kind_SPEND: '消费',
    kind_ADJUSTMENT: '人工调整',
    kind_COUNT_GRANT: '开次卡',
    kind_COUNT_USE: '次卡核销',
    balanceAfter: '余 {balance}',
    noLedger: '还没有流水',
    coupon_ACTIVE: '可用',
    coupon_FORWARDING: '转赠中',
    coupon_REDEEMED: '已核销',
    coupon_EXPIRED: '已过期',
    validUntil: '{day} 前有效',
    noCoupons: '没有这类优惠券',
    booking_HELD: '待付定金',
    booking_BOOKED: '已预约',
    booking_CHECKED_IN: '已到店',
    booking_COMPLETED: '已完成',
    booking_CANCELLED: '已取消',
    booking_NO_SHOW: '未到店',
    booking_EXPIRED: '已失效',
    noBookings: '还没有预约',
    noUpline: '没有推荐人（自己来的）',
    uplineLevel: '第 {level} 级上级',
    shareholder: '股东',
    boundAt: '{day} 绑定 · {source}',
    source_LOGIN_SHARE: '分享链接',
    source_FORWARD_ACCEPT: '转赠领券',
    source_PACK_CLAIM: '积客包领券',
    source_MEMBER_QR: '会员二维码',
    source_STAFF_QR: '员工二维码',
    source_CORRECTION: '人工更正',
    downline: '下级：一级 {l1} 人 · 二级 {l2} 人',
    adjustTitle: '调整余额',
    account: '账户',
    direction: '方向',
    add: '增加',
    deduct: '扣减',
    amount: '数量',
    amountPoints: '积分数，如 100',
    amountYuan: '金额（元），如 50',
    amountInvalid: '请输入大于 0 的数量（储值最多两位小数）',
    unitYuan: '元',
    unitPoints: '积分',
    part: '计入',
    part_BONUS: '赠送金',
    part_PAID: '本金',
    reason: '原因',
    reasonPlaceholder: '必填，会员流水里能看到',
    reasonRequired: '请填写原因',
    adjustConfirm: '给 {name} {direction}{account} {amount}？\n原因：{reason}',
    adjusted: '已调整',
    confirm: '确定',
    cancel: '取消',
    submit: '提交',
    lostTitle: '挂失会员卡',
    lostConfirm: '挂失卡号 {number}？挂失后这张卡不能消费，补卡后恢复。',
    lostDone: '已挂失',
    reissueTitle: '补卡',
    reissueConfirm: '给 {name} 补一张新卡？旧卡号 {number} 将作废，余额不变。',
    reissueDone: '已补卡，新卡号 {number}',
    grantTitle: '发次卡',
    grantName: '名称',
    grantNamePlaceholder: '如：洗剪吹 10 次',
    grantUses: '次数',
    grantExpires: '到期日',
    grantInvalid: '请填写名称、次数和到期日',
    grantConfirm: '给 {name} 发「{card}」{uses} 次，{day} 到期？',
    granted: '已发放',
    networkError: '网络不通，请重试（再点一次不会重复）',
    notFound: '找不到这位会员',
  },
  en: {
    title: 'Members',
    cardTitle: 'Member card',
    searchPlaceholder: 'Phone / card number / nickname',
    searchBy_all: 'All members, earliest first',
    searchBy_phone: 'By phone',
    searchBy_card: 'By card number',
    searchBy_nickname: 'Nicknames starting with this',
    noOne: 'No member found',
    noMore: 'No more',
    loadFailed: 'Could not load, tap to retry',
    wechatUser: 'WeChat user',
    noCard: 'No member card yet',
    points: 'Points',
    storedValue: 'Stored value',
    storedValueParts: 'Paid {paid} · bonus {bonus}',
    lifetimePaid: 'Spent',
    status_ACTIVE: 'Active',
    status_LOST: 'Lost',
    cardNumber: 'Card',
    phone: 'Phone',
    joined: 'Joined {day}',
    bill: 'Bill',
    adjust: 'Adjust',
    reportLost: 'Lost',
    reissue: 'Reissue',
    grantCountCard: 'Count card',
    countCards: 'Count cards',
    noCountCards: 'No count cards',
    countLeft: '{remaining}/{total} left',
    expiresOn: 'Expires {day}',
    useOnce: 'Use once',
    useOnceConfirm: 'Use "{name}" once? {left} left after this.',
    usedOnce: 'Used, {left} left',
    tabLedger: 'Ledger',
    tabCoupons: 'Coupons',
    tabBookings: 'Bookings',
    tabUpline: 'Referrer',
    tags: 'Tags',
    addTag: 'Add tag',
    tagPlaceholder: 'e.g. Sensitive skin',
    tagHint: 'Tags in use',
    tagAdd: 'Add',
    tagCancel: 'Cancel',
    tagRemoved: 'Removed "{tag}"',
    account_POINTS: 'Points',
    account_STORED_VALUE: 'Stored value',
    account_COUNT: 'Count cards',
    kind_EARN: 'Earned',
    kind_REDEEM: 'Redeemed',
    kind_TOP_UP: 'Top-up',
    kind_TOP_UP_REFUND: 'Top-up refund',
    kind_SPEND: 'Spent',
    kind_ADJUSTMENT: 'Adjustment',
    kind_COUNT_GRANT: 'Count card granted',
    kind_COUNT_USE: 'Count card used',
    balanceAfter: 'Balance {balance}',
    noLedger: 'No entries yet',
    coupon_ACTIVE: 'Usable',
    coupon_FORWARDING: 'Forwarding',
    coupon_REDEEMED: 'Redeemed',
    coupon_EXPIRED: 'Expired',
    validUntil: 'Valid until {day}',
    noCoupons: 'No coupons of this kind',
    booking_HELD: 'Awaiting deposit',
    booking_BOOKED: 'Booked',
    booking_CHECKED_IN: 'Checked in',
    booking_COMPLETED: 'Completed',
    booking_CANCELLED: 'Cancelled',
    booking_NO_SHOW: 'No-show',
    booking_EXPIRED: 'Expired',
    noBookings: 'No bookings yet',
    noUpline: 'No referrer (came on their own)',
    uplineLevel: 'Level {level} up',
    shareholder: 'Shareholder',
    boundAt: 'Bound {day} · {source}',
    source_LOGIN_SHARE: 'share link',
    source_FORWARD_ACCEPT: 'forwarded coupon',
    source_PACK_CLAIM: 'coupon pack',
    source_MEMBER_QR: 'member QR code',
    source_STAFF_QR: 'staff QR code',
    source_CORRECTION: 'correction',
    downline: 'Brought in: {l1} direct · {l2} second level',
    adjustTitle: 'Adjust balance',
    account: 'Account',
    direction: 'Direction',
    add: 'Add',
    deduct: 'Deduct',
    amount: 'Amount',
    amountPoints: 'Points, e.g. 100',
    amountYuan: 'Yuan, e.g. 50',
    amountInvalid: 'Enter an amount above 0 (at most two decimals for yuan)',
    unitYuan: 'yuan',
    unitPoints: 'points',
    part: 'Part',
    part_BONUS: 'Bonus',
    part_PAID: 'Paid',
    reason: 'Reason',
    reasonPlaceholder: 'Required; the member sees it in their ledger',
    reasonRequired: 'Give a reason',
    adjustConfirm: '{direction} {amount} {account} for {name}?\nReason: {reason}',
    adjusted: 'Adjusted',
    confirm: 'OK',
    cancel: 'Cancel',
    submit: 'Submit',
    lostTitle: 'Report card lost',
    lostConfirm: 'Report card {number} lost? It cannot be spent until reissued.',
    lostDone: 'Reported lost',
    reissueTitle: 'Reissue card',
    reissueConfirm: 'Reissue a card for {name}? Number {number} stops working; balances stay.',
    reissueDone: 'Reissued, new number {number}',
    grantTitle: 'Grant a count card',
    grantName: 'Name',
    grantNamePlaceholder: 'e.g. Wash & cut ×10',
    grantUses: 'Uses',
    grantExpires: 'Expires',
    grantInvalid: 'Fill in the name, uses and expiry',
    grantConfirm: 'Give {name} "{card}", {uses} uses, expiring {day}?',
    granted: 'Granted',
    networkError: 'Network problem, try again (a retry is not counted twice)',
    notFound: 'No such member',
  },
}
