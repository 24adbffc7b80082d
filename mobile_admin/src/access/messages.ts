import type { AccessAction } from '../gql/graphql'
import type { Messages } from '../shell/i18n'
import type { Period } from './filters'

type Key =
  | 'title'
  | 'entry'
  | 'allActions'
  | 'allStores'
  | 'empty'
  | 'noMore'
  | 'loadFailed'
  | 'platform'
  | 'member'
  | `action_${AccessAction}`
  | `period_${Period}`
  | `detail_${DetailKey}`
  | 'account_POINTS'
  | 'account_STORED_VALUE'

export type DetailKey = 'reason' | 'request_ref' | 'account' | 'amount' | 'export' | 'days' | 'stores'

export const accessMessages: Messages<Key> = {
  zh: {
    title: '访问记录',
    entry: '访问记录',
    allActions: '全部操作',
    allStores: '全部门店',
    empty: '暂无访问记录',
    noMore: '没有更多了',
    loadFailed: '加载失败，点击重试',
    platform: '系统',
    member: '会员本人',
    action_PHONE_VIEWED: '查看完整手机号',
    action_EXPORTED: '导出数据',
    action_BALANCE_ADJUSTED: '调整余额',
    action_ACCOUNT_CLOSED: '注销账户',
    period_today: '今天',
    period_week: '近 7 天',
    period_month: '近 30 天',
    period_all: '全部时间',
    detail_reason: '原因',
    detail_request_ref: '申请编号',
    detail_account: '账户',
    detail_amount: '数额',
    detail_export: '导出',
    detail_days: '日期',
    detail_stores: '门店数',
    account_POINTS: '积分',
    account_STORED_VALUE: '储值（分）',
  },
  en: {
    title: 'Access log',
    entry: 'Access log',
    allActions: 'All actions',
    allStores: 'All stores',
    empty: 'Nothing recorded yet',
    noMore: 'No more',
    loadFailed: 'Could not load; tap to retry',
    platform: 'System',
    member: 'The member',
    action_PHONE_VIEWED: 'Full phone viewed',
    action_EXPORTED: 'Data exported',
    action_BALANCE_ADJUSTED: 'Balance adjusted',
    action_ACCOUNT_CLOSED: 'Account closed',
    period_today: 'Today',
    period_week: 'Last 7 days',
    period_month: 'Last 30 days',
    period_all: 'All time',
    detail_reason: 'Reason',
    detail_request_ref: 'Request',
    detail_account: 'Account',
    detail_amount: 'Amount',
    detail_export: 'Export',
    detail_days: 'Days',
    detail_stores: 'Stores',
    account_POINTS: 'Points',
    account_STORED_VALUE: 'Stored value (fen)',
  },
}
