import type { CampaignState } from '../gql/graphql'
import type { Messages } from '../shell/i18n'
import type { Problem } from './draft'

type Key =
  | 'title'
  | 'create'
  | 'newTitle'
  | 'empty'
  | 'emptyHint'
  | 'noMore'
  | 'loadFailed'
  | 'networkError'
  | 'name'
  | 'namePlaceholder'
  | 'segment'
  | 'pickSegment'
  | 'noSegments'
  | 'members'
  | 'audience'
  | 'action'
  | 'coupon'
  | 'noCoupon'
  | 'message'
  | 'messageTitle'
  | 'messageBody'
  | 'sms'
  | 'smsHint'
  | 'sendAt'
  | 'sendNow'
  | 'controlPercent'
  | 'controlHint'
  | 'weekCap'
  | 'windowDays'
  | 'save'
  | 'schedule'
  | 'scheduled'
  | 'cancel'
  | 'cancelled'
  | 'confirmCancel'
  | 'progress'
  | 'targeted'
  | 'sent'
  | 'control'
  | 'coupons'
  | 'skippedOptedOut'
  | 'skippedCapped'
  | 'skippedOutOfStock'
  | 'effect'
  | 'effectHint'
  | 'treatment'
  | 'controlGroup'
  | 'groupMembers'
  | 'delivered'
  | 'opened'
  | 'redeemed'
  | 'paidMembers'
  | 'paidRate'
  | 'revenue'
  | 'perMember'
  | 'uplift'
  | 'upliftRate'
  | 'upliftRevenue'
  | 'noUplift'
  | 'chartPerMember'
  | 'sendAtLabel'
  | 'whenScheduled'
  | `state_${CampaignState}`
  | `problem_${Problem}`

export const campaignMessages: Messages<Key> = {
  zh: {
    title: '营销活动',
    create: '新建活动',
    newTitle: '新建营销活动',
    empty: '还没有营销活动',
    emptyHint: '选一个会员分群，给他们发券或发消息，再看效果',
    noMore: '没有更多了',
    loadFailed: '加载失败，点击重试',
    networkError: '网络不通，请重试',
    name: '活动名称',
    namePlaceholder: '例如 沉睡会员唤醒',
    segment: '会员分群',
    pickSegment: '选择已保存的分群',
    noSegments: '还没有保存的分群，请先在「会员分群」里建一个',
    members: '{n} 人',
    audience: '当前人数',
    action: '活动内容',
    coupon: '发优惠券',
    noCoupon: '不发券',
    message: '发消息',
    messageTitle: '消息标题',
    messageBody: '消息内容',
    sms: '同时发短信',
    smsHint: '只发给同意接收营销短信的会员',
    sendAt: '发送时间',
    sendNow: '立即发送',
    controlPercent: '对照组 %',
    controlHint: '随机留出这部分会员不发送，用来衡量效果（0–50）',
    weekCap: '每人每周最多',
    windowDays: '效果观察天数',
    save: '保存草稿',
    schedule: '确认发送',
    scheduled: '已排期',
    cancel: '取消活动',
    cancelled: '已取消',
    confirmCancel: '取消后不会再发送，确定吗？',
    progress: '发送进度',
    targeted: '已处理',
    sent: '已发送',
    control: '对照组',
    coupons: '发券',
    skippedOptedOut: '已退订',
    skippedCapped: '超频跳过',
    skippedOutOfStock: '券已发完',
    effect: '营销效果',
    effectHint: '实验组与对照组在观察期内的表现',
    treatment: '实验组',
    controlGroup: '对照组',
    groupMembers: '人数',
    delivered: '送达',
    opened: '已读',
    redeemed: '核销',
    paidMembers: '消费人数',
    paidRate: '消费率',
    revenue: '消费金额',
    perMember: '人均消费',
    uplift: '提升',
    upliftRate: '消费率提升 {diff}（95% 区间 {low} ~ {high}）',
    upliftRevenue: '人均消费提升 {diff}（95% 区间 {low} ~ {high}）',
    noUplift: '两组都有会员后才能计算提升',
    chartPerMember: '人均消费',
    sendAtLabel: '发送于',
    whenScheduled: '排期后立即发送',
    state_DRAFT: '草稿',
    state_SCHEDULED: '待发送',
    state_SENDING: '发送中',
    state_SENT: '已发送',
    state_CANCELLED: '已取消',
    problem_required: '请填写',
    problem_whole: '请填整数',
    problem_time: '请选择发送时间',
  },
  en: {
    title: 'Campaigns',
    create: 'New campaign',
    newTitle: 'New campaign',
    empty: 'No campaigns yet',
    emptyHint: 'Pick a member segment, send them a coupon or a message, then read the effect',
    noMore: 'No more',
    loadFailed: 'Could not load; tap to retry',
    networkError: 'No connection; try again',
    name: 'Name',
    namePlaceholder: 'e.g. Win back sleepers',
    segment: 'Segment',
    pickSegment: 'Pick a saved segment',
    noSegments: 'No saved segments yet: make one under Segments first',
    members: '{n} members',
    audience: 'Members now',
    action: 'What it sends',
    coupon: 'Coupon',
    noCoupon: 'No coupon',
    message: 'Message',
    messageTitle: 'Title',
    messageBody: 'Text',
    sms: 'Also by SMS',
    smsHint: 'Only to members who agreed to marketing SMS',
    sendAt: 'Send at',
    sendNow: 'Now',
    controlPercent: 'Control %',
    controlHint: 'A random share left out to measure the effect (0–50)',
    weekCap: 'Per member per week',
    windowDays: 'Effect window (days)',
    save: 'Save draft',
    schedule: 'Schedule',
    scheduled: 'Scheduled',
    cancel: 'Cancel campaign',
    cancelled: 'Cancelled',
    confirmCancel: 'It will not be sent. Cancel it?',
    progress: 'Progress',
    targeted: 'Reached',
    sent: 'Sent',
    control: 'Control',
    coupons: 'Coupons',
    skippedOptedOut: 'Opted out',
    skippedCapped: 'Capped',
    skippedOutOfStock: 'Out of stock',
    effect: 'Effect',
    effectHint: 'Treatment against control within the window',
    treatment: 'Treatment',
    controlGroup: 'Control',
    groupMembers: 'Members',
    delivered: 'Delivered',
    opened: 'Read',
    redeemed: 'Redeemed',
    paidMembers: 'Paid',
    paidRate: 'Paid rate',
    revenue: 'Revenue',
    perMember: 'Per member',
    uplift: 'Uplift',
    upliftRate: 'Paid rate {diff} (95% CI {low} to {high})',
    upliftRevenue: 'Revenue per member {diff} (95% CI {low} to {high})',
    noUplift: 'The uplift needs members in both groups',
    chartPerMember: 'Revenue per member',
    sendAtLabel: 'Sends at',
    whenScheduled: 'As soon as scheduled',
    state_DRAFT: 'Draft',
    state_SCHEDULED: 'Scheduled',
    state_SENDING: 'Sending',
    state_SENT: 'Sent',
    state_CANCELLED: 'Cancelled',
    problem_required: 'Required',
    problem_whole: 'A whole number',
    problem_time: 'Pick the send time',
  },
}
