import type { Messages } from '../shell/i18n'

export const shareholderMessages: Messages<
  | 'title'
  | 'roster'
  | 'ranking'
  | 'review'
  | 'payouts'
  | 'runs'
  | 'forbidden'
  | 'noPrograms'
  | 'program'
  | 'rates'
  | 'freeze'
  | 'minimum'
  | 'appoint'
  | 'appointTitle'
  | 'phone'
  | 'phonePlaceholder'
  | 'find'
  | 'noMember'
  | 'appointConfirm'
  | 'appointed'
  | 'revoke'
  | 'revokeConfirm'
  | 'revoked'
  | 'active'
  | 'inactive'
  | 'appointedAt'
  | 'revokedAt'
  | 'emptyRoster'
  | 'thisMonth'
  | 'allTime'
  | 'rankLine'
  | 'emptyRanking'
  | 'reviewLine'
  | 'flag_UNIONID'
  | 'flag_PHONE'
  | 'flag_DEVICE'
  | 'approve'
  | 'approveConfirm'
  | 'approved'
  | 'reject'
  | 'rejectTitle'
  | 'reason'
  | 'reasonPlaceholder'
  | 'rejected'
  | 'emptyReview'
  | 'payees'
  | 'transfer'
  | 'bills'
  | 'skipped'
  | 'previewLine'
  | 'owed'
  | 'skip_BELOW_MINIMUM'
  | 'skip_NO_WECHAT_ACCOUNT'
  | 'skip_OPEN_PAYOUT'
  | 'skip_LEDGER_MISMATCH'
  | 'runNow'
  | 'runConfirmTitle'
  | 'runConfirm'
  | 'runDone'
  | 'nothingDue'
  | 'emptyPreview'
  | 'runLine'
  | 'trigger_MANUAL'
  | 'trigger_SCHEDULE'
  | 'status_HOLDING'
  | 'status_HELD'
  | 'emptyRuns'
  | 'networkError'
  | 'retry'
  | 'noMore'
> = {
  zh: {
    title: '股东',
    roster: '股东',
    ranking: '排行',
    review: '审核',
    payouts: '发放',
    runs: '记录',
    forbidden: '股东与分红是全店的数据，只有店主和管理全部门店的店长能看',
    noPrograms: '还没有分红方案',
    program: '分红方案',
    rates: '一级 {level1} · 二级 {level2} · 员工 {staff}',
    freeze: '冻结 {days} 天',
    minimum: '满 {amount} 可提',
    appoint: '任命股东',
    appointTitle: '任命股东',
    phone: '手机号',
    phonePlaceholder: '会员的手机号',
    find: '查找',
    noMember: '没有这个手机号的会员',
    appointConfirm: '任命「{name}」为「{program}」的股东？',
    appointed: '已任命',
    revoke: '撤销',
    revokeConfirm: '撤销「{name}」的股东资格？从现在起不再产生新的分红，已得的分红保留。',
    revoked: '已撤销',
    active: '股东',
    inactive: '已撤销',
    appointedAt: '{at} 任命',
    revokedAt: '{at} 撤销',
    emptyRoster: '这个方案还没有股东',
    thisMonth: '本月',
    allTime: '全部',
    rankLine: '一级 {level1} · 二级 {level2} · {count} 笔',
    emptyRanking: '这段时间还没有分红',
    reviewLine: '{payer} 的订单 · {at}',
    flag_UNIONID: '同一微信',
    flag_PHONE: '同一手机号',
    flag_DEVICE: '同一设备',
    approve: '通过',
    approveConfirm: '通过后这笔 {amount} 的分红将照常发给「{name}」，确定？',
    approved: '已通过',
    reject: '驳回',
    rejectTitle: '驳回这笔分红',
    reason: '原因',
    reasonPlaceholder: '例如：本人下单',
    rejected: '已驳回',
    emptyReview: '没有待审核的分红',
    payees: '发放人数',
    transfer: '发放金额',
    bills: '转账笔数',
    skipped: '暂不发放',
    previewLine: '可提 {available} · {count} 笔分红',
    owed: '待扣 {owed}',
    skip_BELOW_MINIMUM: '未到起付额',
    skip_NO_WECHAT_ACCOUNT: '无微信账户',
    skip_OPEN_PAYOUT: '上次发放未完成',
    skip_LEDGER_MISMATCH: '账目待核对',
    runNow: '立即发放',
    runConfirmTitle: '立即发放分红',
    runConfirm: '向 {payees} 位股东发放共 {amount}，股东在小程序确认收款。确定？',
    runDone: '已发起：{payouts} 笔，共 {amount}',
    nothingDue: '现在没有可发放的分红',
    emptyPreview: '还没有可提的分红',
    runLine: '{payouts} 人 · 已到账 {paid}',
    trigger_MANUAL: '手动',
    trigger_SCHEDULE: '定时',
    status_HOLDING: '处理中',
    status_HELD: '已发起',
    emptyRuns: '还没有发放过',
    networkError: '网络不通，请重试',
    retry: '重试',
    noMore: '没有更多了',
  },
  en: {
    title: 'Shareholders',
    roster: 'Holders',
    ranking: 'Ranking',
    review: 'Review',
    payouts: 'Payout',
    runs: 'Runs',
    forbidden: 'Shareholders and their money are merchant-wide: only the owner and all-store managers see them',
    noPrograms: 'No shareholder program yet',
    program: 'Program',
    rates: 'L1 {level1} · L2 {level2} · staff {staff}',
    freeze: 'frozen {days} d',
    minimum: 'payable from {amount}',
    appoint: 'Appoint',
    appointTitle: 'Appoint a shareholder',
    phone: 'Phone',
    phonePlaceholder: "The member's phone",
    find: 'Find',
    noMember: 'No member with this phone',
    appointConfirm: 'Make "{name}" a shareholder of "{program}"?',
    appointed: 'Appointed',
    revoke: 'Revoke',
    revokeConfirm: 'Revoke "{name}"? No new commissions from now on; what they earned stays theirs.',
    revoked: 'Revoked',
    active: 'Active',
    inactive: 'Revoked',
    appointedAt: 'appointed {at}',
    revokedAt: 'revoked {at}',
    emptyRoster: 'No shareholders in this program yet',
    thisMonth: 'This month',
    allTime: 'All time',
    rankLine: 'L1 {level1} · L2 {level2} · {count} orders',
    emptyRanking: 'No commissions in this period',
    reviewLine: "{payer}'s order · {at}",
    flag_UNIONID: 'same WeChat',
    flag_PHONE: 'same phone',
    flag_DEVICE: 'same device',
    approve: 'Approve',
    approveConfirm: 'Pay this {amount} commission to "{name}" as usual?',
    approved: 'Approved',
    reject: 'Reject',
    rejectTitle: 'Reject this commission',
    reason: 'Reason',
    reasonPlaceholder: 'e.g. their own order',
    rejected: 'Rejected',
    emptyReview: 'Nothing to review',
    payees: 'Payees',
    transfer: 'Amount',
    bills: 'Transfers',
    skipped: 'Left out',
    previewLine: 'available {available} · {count} commissions',
    owed: 'owed {owed}',
    skip_BELOW_MINIMUM: 'below minimum',
    skip_NO_WECHAT_ACCOUNT: 'no WeChat account',
    skip_OPEN_PAYOUT: 'last payout open',
    skip_LEDGER_MISMATCH: 'ledger check',
    runNow: 'Pay out now',
    runConfirmTitle: 'Pay out now',
    runConfirm: 'Pay {amount} to {payees} shareholders? They confirm it in the mini-program.',
    runDone: 'Started: {payouts} payouts, {amount}',
    nothingDue: 'Nothing to pay out now',
    emptyPreview: 'Nothing available to pay out',
    runLine: '{payouts} payees · paid {paid}',
    trigger_MANUAL: 'manual',
    trigger_SCHEDULE: 'scheduled',
    status_HOLDING: 'holding',
    status_HELD: 'started',
    emptyRuns: 'No payout runs yet',
    networkError: 'Network problem, try again',
    retry: 'Retry',
    noMore: 'No more',
  },
}
