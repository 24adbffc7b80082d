import type { JourneyKind } from '../gql/graphql'
import type { Messages } from '../shell/i18n'
import type { Row } from './effect'
import type { Field, Problem } from './rules'

type Key =
  | 'title'
  | 'hint'
  | 'save'
  | 'saved'
  | 'readOnly'
  | 'networkError'
  | 'chooseTemplate'
  | 'noTemplates'
  | 'cancel'
  | `kind_${JourneyKind}`
  | `about_${JourneyKind}`
  | `days_${JourneyKind}`
  | `field_${Exclude<Field, 'days'>}`
  | `problem_${Problem}`
  | 'unitDays'
  | 'effectTitle'
  | 'treatment'
  | 'control'
  | `row_${Row}`
  | 'upliftRate'
  | 'upliftRevenue'
  | 'noControl'
  | 'chartPerMember'

export const journeyMessages: Messages<Key> = {
  zh: {
    title: '自动化关怀',
    hint: '打开的规则每天自动检查，每位会员每条规则每个周期最多收到一次；已关闭营销消息的会员不会收到。对照组的会员什么也不收，用来衡量效果。',
    save: '保存',
    saved: '已保存',
    readOnly: '仅店主可修改规则',
    networkError: '网络不通，请重试',
    chooseTemplate: '选择要发的券',
    noTemplates: '还没有可发放的券，请先在「优惠券」里创建并启用',
    cancel: '取消',
    kind_WIN_BACK: '久未到店挽回',
    kind_THANK_YOU: '首次到店感谢',
    kind_EXPIRY_REMINDER: '券到期提醒',
    about_WIN_BACK: '会员最近一次消费后满 N 天没再来，送一张券请他回来',
    about_THANK_YOU: '会员首次消费后第 N 天，送一张感谢券',
    about_EXPIRY_REMINDER: '会员持有的券还有 N 天到期时提醒他',
    days_WIN_BACK: '未到店天数',
    days_THANK_YOU: '首次到店后',
    days_EXPIRY_REMINDER: '到期前',
    field_controlPercent: '对照组',
    field_templateId: '发放的券',
    unitDays: '天',
    problem_required: '请填写',
    problem_days: '天数超出范围',
    problem_control: '请填 0–50',
    problem_template: '请选择要发的券',
    effectTitle: '效果（14 天内）',
    treatment: '关怀组',
    control: '对照组',
    row_members: '人数',
    row_sent: '已发送',
    row_opened: '已读',
    row_redeemed: '用券',
    row_paid: '到店消费',
    row_revenue: '消费金额',
    upliftRate: '到店率提升 {rate} 个百分点（95% 区间 {rateRange}）',
    upliftRevenue: '人均消费提升 {revenue}（95% 区间 {revenueRange}）',
    noControl: '对照组还没有会员，暂无法计算提升',
    chartPerMember: '人均消费',
  },
  en: {
    title: 'Automated care',
    hint: 'Rules that are on are checked daily; each member gets each rule at most once per period, and members who stopped marketing messages get nothing. The control group gets nothing and is the baseline for the effect.',
    save: 'Save',
    saved: 'Saved',
    readOnly: 'Only the owner can change the rules',
    networkError: 'No connection; try again',
    chooseTemplate: 'Choose the coupon',
    noTemplates: 'No coupon can be given yet: create and activate one under Coupons first',
    cancel: 'Cancel',
    kind_WIN_BACK: 'Win back',
    kind_THANK_YOU: 'Thank you',
    kind_EXPIRY_REMINDER: 'Expiry reminder',
    about_WIN_BACK: 'N days after a member last paid and has not come back: a coupon to bring them back',
    about_THANK_YOU: 'N days after a member first paid: a thank-you coupon',
    about_EXPIRY_REMINDER: 'A coupon a member holds expires in N days: a reminder',
    days_WIN_BACK: 'Days away',
    days_THANK_YOU: 'Days after first visit',
    days_EXPIRY_REMINDER: 'Days before expiry',
    field_controlPercent: 'Control group',
    field_templateId: 'Coupon',
    unitDays: 'days',
    problem_required: 'Required',
    problem_days: 'Out of range',
    problem_control: '0–50',
    problem_template: 'Choose the coupon',
    effectTitle: 'Effect (14 days)',
    treatment: 'Sent',
    control: 'Control',
    row_members: 'Members',
    row_sent: 'Messages sent',
    row_opened: 'Read',
    row_redeemed: 'Coupons used',
    row_paid: 'Paid',
    row_revenue: 'Revenue',
    upliftRate: 'Paid rate {rate} points (95% interval {rateRange})',
    upliftRevenue: 'Revenue per member {revenue} (95% interval {revenueRange})',
    noControl: 'No control members yet: no uplift to show',
    chartPerMember: 'Revenue per member',
  },
}
