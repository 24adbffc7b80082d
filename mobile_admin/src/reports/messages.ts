import type { MemberSource, ReportPaymentMethod, ReportPeriod } from '../gql/graphql'
import type { Messages } from '../shell/i18n'
import type { Preset } from './range'

type Key =
  | 'title'
  | 'allStores'
  | 'pickStore'
  | 'pickRange'
  | 'net'
  | 'gross'
  | 'refunds'
  | 'orders'
  | 'averageTicket'
  | 'trend'
  | 'trendOneBucket'
  | 'byMethod'
  | 'byStore'
  | 'topItems'
  | 'quantity'
  | 'noItems'
  | 'quiet'
  | 'quietHint'
  | 'members'
  | 'memberGrowth'
  | 'newMembers'
  | 'payingMembers'
  | 'repeatMembers'
  | 'bySource'
  | 'levels'
  | 'noNewMembers'
  | 'balances'
  | 'balancesHint'
  | 'storedValuePaid'
  | 'storedValueBonus'
  | 'points'
  | 'countCardUses'
  | 'commissionsPending'
  | 'commissionsAvailable'
  | 'commissionsOwedBack'
  | 'uses'
  | 'networkError'
  | 'forbidden'
  | 'retry'
  | 'rangeDays'
  | 'export'
  | 'exportHint'
  | 'exporting'
  | 'exportStarted'
  | 'exportInWeChat'
  | 'copyLink'
  | 'copied'
  | 'copyFailed'
  | 'marketing'
  | 'marketingScope'
  | 'stepIssued'
  | 'stepForwarded'
  | 'stepClaimed'
  | 'stepRedeemed'
  | 'revenue'
  | 'redeemedShare'
  | 'noCoupons'
  | 'moreTemplates'
  | 'fewerTemplates'
  | 'programs'
  | 'accrued'
  | 'paid'
  | 'noPrograms'
  | 'shareholders'
  | 'networkRevenue'
  | 'commission'
  | 'noShareholders'
  | 'sectionFailed'
  | 'bookings'
  | 'bookingCount'
  | 'noShows'
  | 'noShowRate'
  | 'utilization'
  | 'bookedOfScheduled'
  | 'noBookings'
  | 'hoursUnit'
  | Preset
  | ReportPeriod
  | ReportPaymentMethod
  | `source_${MemberSource}`

export const reportMessages: Messages<Key> = {
  zh: {
    title: '经营报表',
    allStores: '全部门店',
    pickStore: '选择门店',
    pickRange: '选择日期范围',
    net: '营业额',
    gross: '收款',
    refunds: '退款',
    orders: '订单数',
    averageTicket: '客单价',
    trend: '营业额走势',
    trendOneBucket: '选择多天即可看到走势',
    byMethod: '支付方式',
    byStore: '门店对比',
    topItems: '出品销售排行',
    quantity: '{n} 份',
    noItems: '这段时间没有售出商品',
    quiet: '这段时间还没有营业额',
    quietHint: '有订单付款后，这里会显示走势和支付方式',
    members: '会员',
    memberGrowth: '新增会员',
    newMembers: '新会员',
    payingMembers: '付费会员',
    repeatMembers: '复购会员',
    bySource: '会员来源',
    levels: '会员等级分布',
    noNewMembers: '这段时间没有新会员',
    balances: '待兑付余额',
    balancesHint: '全商户 · 此刻',
    storedValuePaid: '储值（本金）',
    storedValueBonus: '储值（赠送）',
    points: '积分',
    countCardUses: '次卡剩余次数',
    commissionsPending: '分红冻结中',
    commissionsAvailable: '分红待发放',
    commissionsOwedBack: '分红待追回',
    uses: '{n} 次',
    networkError: '网络不通，请重试',
    forbidden: '仅店主或店长可查看报表',
    retry: '重试',
    rangeDays: '共 {n} 天',
    export: '对账单',
    exportHint: '导出所选门店和日期的对账单（CSV）',
    exporting: '正在生成对账单…',
    exportStarted: '对账单开始下载',
    exportInWeChat: '对账单链接已生成，{minutes} 分钟内有效。微信里不能直接下载文件，请复制链接，粘贴到手机浏览器打开。',
    copyLink: '复制链接',
    copied: '链接已复制',
    copyFailed: '请长按选中下面的链接复制',
    marketing: '营销效果',
    marketingScope: '全部门店',
    stepIssued: '发送',
    stepForwarded: '转发',
    stepClaimed: '领取',
    stepRedeemed: '核销',
    revenue: '带来营收',
    redeemedShare: '核销率 {p}%',
    noCoupons: '这段时间没有发券或核销',
    moreTemplates: '展开其余 {n} 张券',
    fewerTemplates: '收起',
    programs: '股东分红',
    accrued: '计提',
    paid: '已发放',
    noPrograms: '还没有分红方案',
    shareholders: '股东带来的营业额',
    networkRevenue: '好友消费',
    commission: '分红 {amount}',
    noShareholders: '这段时间股东的好友没有消费',
    sectionFailed: '加载失败，点此重试',
    bookings: '预约',
    bookingCount: '预约数',
    noShows: '爽约',
    noShowRate: '爽约率',
    utilization: '员工预约饱和度',
    bookedOfScheduled: '约满 {booked} / 排班 {scheduled} 小时',
    noBookings: '这段时间没有预约，也没有排班',
    hoursUnit: '小时',
    today: '今天',
    yesterday: '昨天',
    last7: '近7天',
    thisMonth: '本月',
    lastMonth: '上月',
    custom: '自定义',
    DAY: '按日',
    WEEK: '按周',
    MONTH: '按月',
    WECHAT_PAY: '微信支付',
    ALIPAY: '支付宝',
    STORED_VALUE_PAID: '储值（本金）',
    STORED_VALUE_BONUS: '储值（赠送）',
    CASH: '现金',
    source_SHARE_LINK: '分享链接',
    source_PACK: '积客包',
    source_FORWARD: '转发领券',
    source_STAFF_CODE: '员工码',
    source_NONE: '自然进店',
  },
  en: {
    title: 'Reports',
    allStores: 'All stores',
    pickStore: 'Pick a store',
    pickRange: 'Pick dates',
    net: 'Net takings',
    gross: 'Gross',
    refunds: 'Refunds',
    orders: 'Orders',
    averageTicket: 'Avg. ticket',
    trend: 'Net takings',
    trendOneBucket: 'Pick several days to see a trend',
    byMethod: 'Payment methods',
    byStore: 'Stores',
    topItems: 'Top items',
    quantity: '× {n}',
    noItems: 'Nothing sold in these days',
    quiet: 'No takings in these days yet',
    quietHint: 'Once orders are paid, the trend and payment methods show here',
    members: 'Members',
    memberGrowth: 'New members',
    newMembers: 'New',
    payingMembers: 'Paying',
    repeatMembers: 'Repeat',
    bySource: 'How they came',
    levels: 'Card levels',
    noNewMembers: 'No new members in these days',
    balances: 'Balances owed',
    balancesHint: 'Merchant-wide · now',
    storedValuePaid: 'Stored value (paid)',
    storedValueBonus: 'Stored value (bonus)',
    points: 'Points',
    countCardUses: 'Count-card uses',
    commissionsPending: 'Commissions frozen',
    commissionsAvailable: 'Commissions to pay',
    commissionsOwedBack: 'Commissions owed back',
    uses: '{n} uses',
    networkError: 'Network problem, try again',
    forbidden: 'Only an owner or a manager can see reports',
    retry: 'Retry',
    rangeDays: '{n} days',
    export: 'Statement',
    exportHint: 'Export the reconciliation of these stores and days (CSV)',
    exporting: 'Preparing the statement…',
    exportStarted: 'Statement downloading',
    exportInWeChat: 'The statement link is ready for {minutes} minutes. WeChat cannot download files: copy the link and open it in your phone\'s browser.',
    copyLink: 'Copy link',
    copied: 'Link copied',
    copyFailed: 'Press and hold the link below to copy it',
    marketing: 'Marketing',
    marketingScope: 'All stores',
    stepIssued: 'Sent',
    stepForwarded: 'Fwd',
    stepClaimed: 'Claimed',
    stepRedeemed: 'Used',
    revenue: 'Revenue',
    redeemedShare: '{p}% used',
    noCoupons: 'No coupons sent or used in these days',
    moreTemplates: '{n} more coupons',
    fewerTemplates: 'Show fewer',
    programs: 'Shareholder commissions',
    accrued: 'Accrued',
    paid: 'Paid',
    noPrograms: 'No commission programs yet',
    shareholders: 'Revenue shareholders brought',
    networkRevenue: 'Friends spent',
    commission: 'commission {amount}',
    noShareholders: 'No spending by shareholders\' friends in these days',
    sectionFailed: 'Could not load; tap to retry',
    bookings: 'Bookings',
    bookingCount: 'Bookings',
    noShows: 'No-shows',
    noShowRate: 'No-show rate',
    utilization: 'Staff utilization',
    bookedOfScheduled: '{booked} of {scheduled} h booked',
    noBookings: 'No bookings or rota in these days',
    hoursUnit: 'h',
    today: 'Today',
    yesterday: 'Yesterday',
    last7: 'Last 7 days',
    thisMonth: 'This month',
    lastMonth: 'Last month',
    custom: 'Custom',
    DAY: 'Daily',
    WEEK: 'Weekly',
    MONTH: 'Monthly',
    WECHAT_PAY: 'WeChat Pay',
    ALIPAY: 'Alipay',
    STORED_VALUE_PAID: 'Stored value (paid)',
    STORED_VALUE_BONUS: 'Stored value (bonus)',
    CASH: 'Cash',
    source_SHARE_LINK: 'Share link',
    source_PACK: 'Coupon pack',
    source_FORWARD: 'Forwarded coupon',
    source_STAFF_CODE: 'Staff code',
    source_NONE: 'Walked in',
  },
}
