import type { MemberSource } from '../gql/graphql'
import type { Messages } from '../shell/i18n'
import type { Problem } from './filter'

type Key =
  | 'title'
  | 'newSegment'
  | 'empty'
  | 'emptyHint'
  | 'loadFailed'
  | 'networkError'
  | 'editTitle'
  | 'newTitle'
  | 'who'
  | 'levels'
  | 'tags'
  | 'noTags'
  | 'recency'
  | 'daysSincePaidMin'
  | 'daysSincePaidMax'
  | 'spend'
  | 'lifetimePaidMinFen'
  | 'lifetimePaidMaxFen'
  | 'visitsInDays'
  | 'visitsMin'
  | 'birthdayMonth'
  | 'anyMonth'
  | 'month'
  | 'sources'
  | 'homeStore'
  | 'anyStore'
  | 'balances'
  | 'storedValueMinFen'
  | 'countUsesMin'
  | 'rfm'
  | 'rfmHint'
  | 'rfmR'
  | 'rfmF'
  | 'rfmM'
  | 'broughtBy'
  | 'unitDays'
  | 'unitYuan'
  | 'unitTimes'
  | 'unitUses'
  | 'any'
  | 'count'
  | 'counting'
  | 'firstOf'
  | 'noMembers'
  | 'lastPaid'
  | 'neverPaid'
  | 'lifetime'
  | 'name'
  | 'namePlaceholder'
  | 'save'
  | 'saved'
  | 'rename'
  | 'renamed'
  | 'delete'
  | 'confirmDelete'
  | 'deleted'
  | 'cancel'
  | 'pick'
  | 'clear'
  | 'notFound'
  | 'updatedAt'
  | `source_${MemberSource}`
  | `problem_${Problem}`

export const segmentMessages: Messages<Key> = {
  zh: {
    title: '会员分群',
    newSegment: '新建分群',
    empty: '还没有分群',
    emptyHint: '按等级、标签、消费、生日等条件圈出会员，保存后可用于营销活动。',
    loadFailed: '加载失败，点击重试',
    networkError: '网络不通，请稍后重试',
    editTitle: '分群',
    newTitle: '新建分群',
    who: '会员条件',
    levels: '会员等级',
    tags: '标签（同时带有）',
    noTags: '还没有会员带标签',
    recency: '最近到店',
    daysSincePaidMin: '至少多少天未消费',
    daysSincePaidMax: '最近多少天内消费过',
    spend: '消费',
    lifetimePaidMinFen: '累计消费不低于',
    lifetimePaidMaxFen: '累计消费不高于',
    visitsInDays: '近多少天内',
    visitsMin: '到店至少',
    birthdayMonth: '生日月份',
    anyMonth: '不限',
    month: '{month}月',
    sources: '来源',
    homeStore: '首次消费门店',
    anyStore: '不限',
    balances: '余额',
    storedValueMinFen: '储值余额不低于',
    countUsesMin: '次卡剩余不少于',
    rfm: 'RFM 分层',
    rfmHint: '每晚按五分位打分，5 为最近、最常来、消费最多；不选表示不限。',
    rfmR: 'R 最近消费',
    rfmF: 'F 消费频次',
    rfmM: 'M 消费金额',
    broughtBy: '另含推荐人条件（保存时保留）',
    unitDays: '天',
    unitYuan: '元',
    unitTimes: '次',
    unitUses: '次',
    any: '不限',
    count: '共 {count} 位会员',
    counting: '正在统计…',
    firstOf: '前 {shown} 位',
    noMembers: '没有符合条件的会员',
    lastPaid: '最近消费 {day}',
    neverPaid: '从未消费',
    lifetime: '累计 {amount}',
    name: '分群名称',
    namePlaceholder: '例如：两个月未到店的常客',
    save: '保存分群',
    saved: '已保存',
    rename: '改名',
    renamed: '已改名',
    delete: '删除',
    confirmDelete: '删除分群“{name}”？',
    deleted: '已删除',
    cancel: '取消',
    pick: '选择',
    clear: '清空条件',
    notFound: '分群不存在或已删除',
    updatedAt: '更新于 {day}',
    source_SHARE_LINK: '分享链接',
    source_PACK: '积客包',
    source_FORWARD: '转赠券',
    source_STAFF_CODE: '员工码',
    source_NONE: '自然到店',
    problem_whole: '请填写整数',
    problem_amount: '金额最多两位小数',
    problem_rfmTooWide: '组合太多（最多 50 个），请多选几个分数',
  },
  en: {
    title: 'Segments',
    newSegment: 'New segment',
    empty: 'No segments yet',
    emptyHint: 'Pick members by level, tags, spending, birthday and more; save it to use in campaigns.',
    loadFailed: 'Could not load, tap to retry',
    networkError: 'No connection, try again shortly',
    editTitle: 'Segment',
    newTitle: 'New segment',
    who: 'Members',
    levels: 'Levels',
    tags: 'Tags (all of)',
    noTags: 'No member carries a tag yet',
    recency: 'Last visit',
    daysSincePaidMin: 'No visit for at least',
    daysSincePaidMax: 'Visited within',
    spend: 'Spending',
    lifetimePaidMinFen: 'Spent at least',
    lifetimePaidMaxFen: 'Spent at most',
    visitsInDays: 'In the last',
    visitsMin: 'Visits at least',
    birthdayMonth: 'Birthday month',
    anyMonth: 'Any',
    month: '{month}',
    sources: 'How they came',
    homeStore: 'First-visit store',
    anyStore: 'Any',
    balances: 'Balances',
    storedValueMinFen: 'Stored value at least',
    countUsesMin: 'Count-card uses at least',
    rfm: 'RFM',
    rfmHint: 'Scored nightly by quintile, 5 the most recent, frequent or spending; none picked means any.',
    rfmR: 'R recency',
    rfmF: 'F frequency',
    rfmM: 'M monetary',
    broughtBy: 'Also filters on who brought them (kept when saved)',
    unitDays: 'days',
    unitYuan: 'yuan',
    unitTimes: 'times',
    unitUses: 'uses',
    any: 'Any',
    count: '{count} members',
    counting: 'Counting…',
    firstOf: 'First {shown}',
    noMembers: 'No member matches',
    lastPaid: 'Last paid {day}',
    neverPaid: 'Never paid',
    lifetime: 'Spent {amount}',
    name: 'Name',
    namePlaceholder: 'e.g. Regulars gone two months',
    save: 'Save segment',
    saved: 'Saved',
    rename: 'Rename',
    renamed: 'Renamed',
    delete: 'Delete',
    confirmDelete: 'Delete the segment "{name}"?',
    deleted: 'Deleted',
    cancel: 'Cancel',
    pick: 'Pick',
    clear: 'Clear',
    notFound: 'This segment does not exist or was deleted',
    updatedAt: 'Updated {day}',
    source_SHARE_LINK: 'Shared link',
    source_PACK: 'Coupon pack',
    source_FORWARD: 'Forwarded coupon',
    source_STAFF_CODE: 'Staff code',
    source_NONE: 'Walked in',
    problem_whole: 'A whole number',
    problem_amount: 'At most two decimals',
    problem_rfmTooWide: 'Too many buckets (50 at most): pick more scores',
  },
}
