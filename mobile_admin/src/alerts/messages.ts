import type { AlertKind } from '../gql/graphql'
import type { Messages } from '../shell/i18n'
import type { Param, Problem } from './rules'

type Key =
  | 'title'
  | 'rules'
  | 'markAllRead'
  | 'allRead'
  | 'empty'
  | 'emptyHint'
  | 'noMore'
  | 'loadFailed'
  | 'networkError'
  | 'merchantWide'
  | 'unread'
  | 'rulesTitle'
  | 'rulesHint'
  | 'save'
  | 'saved'
  | 'on'
  | 'off'
  | `kind_${AlertKind}`
  | `about_${AlertKind}`
  | `unit_${Param}`
  | `problem_${Problem}`
  | ParamLabel

/** Each parameter's label says what it means for its kind. */
type ParamLabel =
  | 'REFUNDS_HIGH.percent'
  | 'REFUNDS_HIGH.amountFen'
  | 'TAKINGS_LOW.percent'
  | 'TAKINGS_LOW.hour'
  | 'DEAD_LETTERS.count'
  | 'COMMISSION_SPIKE.percent'
  | 'COMMISSION_SPIKE.amountFen'
  | 'STORED_VALUE_OWED.amountFen'

export const alertMessages: Messages<Key> = {
  zh: {
    title: '预警',
    rules: '预警规则',
    markAllRead: '全部已读',
    allRead: '已全部标为已读',
    empty: '暂无预警',
    emptyHint: '规则触发后，预警会出现在这里',
    noMore: '没有更多了',
    loadFailed: '加载失败，点击重试',
    networkError: '网络不通，请重试',
    merchantWide: '全商户',
    unread: '未读',
    rulesTitle: '预警规则',
    rulesHint: '打开的规则由系统定时检查，每条规则每个周期只提醒一次。',
    save: '保存',
    saved: '已保存',
    on: '开',
    off: '关',
    kind_REFUNDS_HIGH: '退款偏高',
    kind_TAKINGS_LOW: '营业额偏低',
    kind_PAYMENT_FLAGGED: '支付异常',
    kind_DEAD_LETTERS: '失败任务',
    kind_COMMISSION_SPIKE: '分红激增',
    kind_STORED_VALUE_OWED: '储值负债',
    about_REFUNDS_HIGH: '门店当日退款超过当日收款的一定比例（收款达到起算金额才检查）',
    about_TAKINGS_LOW: '到某个钟点，门店当日营业额低于近四周同一星期几平均值的一定比例',
    about_PAYMENT_FLAGGED: '支付回调发现金额、商户或方式不符，或预约已失效',
    about_DEAD_LETTERS: '失败任务积压达到一定数量',
    about_COMMISSION_SPIKE: '某位股东本周分红超过其近八周周均值的一定比例（且达到起算金额）',
    about_STORED_VALUE_OWED: '会员储值余额（本金 + 赠送）超过上限',
    unit_percent: '%',
    unit_hour: '点',
    unit_count: '条',
    unit_amountFen: '元',
    problem_required: '请填写',
    problem_whole: '请填整数',
    problem_hour: '请填 0–23',
    problem_amount: '请填金额，最多两位小数',
    'REFUNDS_HIGH.percent': '退款占收款超过',
    'REFUNDS_HIGH.amountFen': '收款达到才检查',
    'TAKINGS_LOW.percent': '低于同日均值的',
    'TAKINGS_LOW.hour': '检查时间',
    'DEAD_LETTERS.count': '积压达到',
    'COMMISSION_SPIKE.percent': '超过周均值的',
    'COMMISSION_SPIKE.amountFen': '本周分红至少',
    'STORED_VALUE_OWED.amountFen': '储值余额上限',
  },
  en: {
    title: 'Alerts',
    rules: 'Rules',
    markAllRead: 'Mark all read',
    allRead: 'All marked read',
    empty: 'No alerts',
    emptyHint: 'Alerts show here when a rule fires',
    noMore: 'No more',
    loadFailed: 'Failed to load, tap to retry',
    networkError: 'Network problem, try again',
    merchantWide: 'Merchant-wide',
    unread: 'Unread',
    rulesTitle: 'Alert rules',
    rulesHint: 'Rules that are on are checked on a schedule; each fires once per period.',
    save: 'Save',
    saved: 'Saved',
    on: 'On',
    off: 'Off',
    kind_REFUNDS_HIGH: 'High refunds',
    kind_TAKINGS_LOW: 'Low takings',
    kind_PAYMENT_FLAGGED: 'Flagged payment',
    kind_DEAD_LETTERS: 'Failed jobs',
    kind_COMMISSION_SPIKE: 'Commission spike',
    kind_STORED_VALUE_OWED: 'Stored value owed',
    about_REFUNDS_HIGH: "A store's refunds today above a share of its gross today (from a minimum gross)",
    about_TAKINGS_LOW: "By an hour, a store's net today below a share of the same weekday's 4-week average",
    about_PAYMENT_FLAGGED: 'A payment notice did not match (amount, merchant, method) or its booking was lost',
    about_DEAD_LETTERS: 'Failed jobs waiting reach a count',
    about_COMMISSION_SPIKE: "A shareholder's commissions this week above a share of their 8-week average",
    about_STORED_VALUE_OWED: 'Stored value owed to members (paid + bonus) above a limit',
    unit_percent: '%',
    unit_hour: "o'clock",
    unit_count: 'jobs',
    unit_amountFen: 'yuan',
    problem_required: 'Required',
    problem_whole: 'A whole number',
    problem_hour: '0–23',
    problem_amount: 'An amount, at most two decimals',
    'REFUNDS_HIGH.percent': 'Refunds over this share of gross',
    'REFUNDS_HIGH.amountFen': 'Only once gross reaches',
    'TAKINGS_LOW.percent': 'Under this share of average',
    'TAKINGS_LOW.hour': 'Check at',
    'DEAD_LETTERS.count': 'Waiting at least',
    'COMMISSION_SPIKE.percent': 'Over this share of weekly average',
    'COMMISSION_SPIKE.amountFen': 'At least',
    'STORED_VALUE_OWED.amountFen': 'Limit',
  },
}

/** The API's figure names (stable keys) in words; a name not listed here shows as the API gives it. */
export const figureNames: Record<'zh' | 'en', Record<string, string>> = {
  zh: {
    refundsFen: '退款',
    grossFen: '收款',
    refundPercent: '退款占比',
    thresholdPercent: '阈值',
    netFen: '营业额',
    averageFen: '平均',
    percentOfAverage: '占平均',
    owedFen: '储值余额',
    limitFen: '上限',
    weekFen: '本周分红',
    deadLetters: '失败任务',
    threshold: '阈值',
    orderFen: '订单金额',
  },
  en: {
    refundsFen: 'Refunds',
    grossFen: 'Gross',
    refundPercent: 'Refund share',
    thresholdPercent: 'Threshold',
    netFen: 'Net',
    averageFen: 'Average',
    percentOfAverage: 'Of average',
    owedFen: 'Owed',
    limitFen: 'Limit',
    weekFen: 'This week',
    deadLetters: 'Failed jobs',
    threshold: 'Threshold',
    orderFen: 'Order',
  },
}
