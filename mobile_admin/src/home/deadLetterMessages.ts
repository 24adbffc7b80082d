import type { Messages } from '../shell/i18n'

export const deadLetterMessages: Messages<
  | 'title'
  | 'hint'
  | 'failedAt'
  | 'attempts'
  | 'retry'
  | 'retryTitle'
  | 'retryConfirm'
  | 'retried'
  | 'empty'
  | 'networkError'
  | 'noMore'
> = {
  zh: {
    title: '失败任务',
    hint: '这些后台任务反复失败已停下。问题修好后点“重试”，任务会从头再跑一次。',
    failedAt: '{at} 失败',
    attempts: '尝试 {attempts} 次 · 第 {deaths} 次停下',
    retry: '重试',
    retryTitle: '重试任务',
    retryConfirm: '把「{kind}」重新交给后台从头处理？',
    retried: '已重新排队',
    empty: '没有失败的任务',
    networkError: '网络不通，请重试',
    noMore: '没有更多了',
  },
  en: {
    title: 'Failed jobs',
    hint: 'These background jobs kept failing and stopped. Once the cause is fixed, Retry runs one again from the start.',
    failedAt: 'failed {at}',
    attempts: '{attempts} attempts · stopped {deaths}×',
    retry: 'Retry',
    retryTitle: 'Retry the job',
    retryConfirm: 'Hand "{kind}" to the worker again, from the start?',
    retried: 'Queued again',
    empty: 'No failed jobs',
    networkError: 'Network problem, try again',
    noMore: 'No more',
  },
}

/** What each event kind is, in the owner's words; a kind not listed shows as the API names it. */
export const eventKinds: Record<'zh' | 'en', Record<string, string>> = {
  zh: {
    ORDER_PAID: '订单付款后续（分红）',
    ORDER_REFUNDED: '退款后续（冲减分红）',
    POINTS_CHANGED: '积分变动通知',
    LEVEL_UP: '会员升级通知',
    COUPON_RECEIVED: '到券通知',
    COUPON_EXPIRING: '券快过期通知',
    BIRTHDAY_GIFT: '生日礼通知',
    BOOKING_CONFIRMED: '预约成功通知',
    BOOKING_RESCHEDULED: '预约改期通知',
    BOOKING_CANCELLED: '预约取消通知',
    BOOKING_REMINDER: '预约提醒',
    DEPOSIT_REFUND_DUE: '退预约定金',
    QUEUE_NEAR: '排队快到通知',
    QUEUE_CALLED: '叫号通知',
    COMMISSION_ACCRUED: '分红到账通知',
    PAYOUT_WAITING: '待确认收款通知',
    PAYOUT_SENT: '分红已发放通知',
  },
  en: {
    ORDER_PAID: 'After payment (commissions)',
    ORDER_REFUNDED: 'After refund (commission reversal)',
    POINTS_CHANGED: 'Points notice',
    LEVEL_UP: 'Level-up notice',
    COUPON_RECEIVED: 'Coupon received notice',
    COUPON_EXPIRING: 'Coupon expiring notice',
    BIRTHDAY_GIFT: 'Birthday gift notice',
    BOOKING_CONFIRMED: 'Booking confirmed notice',
    BOOKING_RESCHEDULED: 'Booking moved notice',
    BOOKING_CANCELLED: 'Booking cancelled notice',
    BOOKING_REMINDER: 'Booking reminder',
    DEPOSIT_REFUND_DUE: 'Deposit refund',
    QUEUE_NEAR: 'Queue nearly up notice',
    QUEUE_CALLED: 'Queue called notice',
    COMMISSION_ACCRUED: 'Commission notice',
    PAYOUT_WAITING: 'Payout to confirm notice',
    PAYOUT_SENT: 'Payout sent notice',
  },
}
