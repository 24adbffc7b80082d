// How the bill and the order screens word things: what a coupon gives and asks, an order's state and time, how
// much of a paid order is left to refund. Pure, so they are tested by vitest.
import type { BillMemberCouponsQuery, CouponKind, OrderStatus, PaymentMethod, RefundStatus } from '../gql/graphql'
import { yuan } from '../shell/money'

/** One of the member's usable coupons, as the bill's coupon picker lists them. */
export type BillCoupon = NonNullable<BillMemberCouponsQuery['memberCoupons']>['edges'][number]['node']

type Translate = (key: BenefitKey, values?: Record<string, string | number>) => string
export type BenefitKey = 'amountOff' | 'percentOff' | 'percentCap' | 'gift' | 'minimumSpend' | 'noMinimum'

export interface Benefit {
  kind: CouponKind
  valueFen: number
  percentOffBp: number
  capFen?: number | null
  minimumSpendFen: number
  itemName?: string | null
}

/** 1500 bp off is 八五折, "8.5"; 1000 bp off is "9". */
export function zhe(percentOffBp: number): string {
  const tenths = (10_000 - percentOffBp) / 1_000
  return String(Math.round(tenths * 100) / 100)
}

/** What the coupon takes off or gives: "减¥20.00", "8.5折 最多减¥30.00", "赠 洗剪吹". */
export function benefitText(b: Benefit, t: Translate): string {
  switch (b.kind) {
    case 'AMOUNT_OFF':
      return t('amountOff', { value: yuan(b.valueFen) })
    case 'PERCENT_OFF': {
      const off = t('percentOff', { zhe: zhe(b.percentOffBp), percent: b.percentOffBp / 100 })
      return b.capFen ? `${off} ${t('percentCap', { cap: yuan(b.capFen) })}` : off
    }
    case 'GIFT':
    case 'EXPERIENCE':
      return t('gift', { item: b.itemName ?? '' })
  }
}

/** When the coupon may be used: "满¥100.00可用", or "无门槛". */
export function conditionText(b: Benefit, t: Translate): string {
  return b.minimumSpendFen > 0 ? t('minimumSpend', { minimum: yuan(b.minimumSpendFen) }) : t('noMinimum')
}

export interface RefundableOrder {
  status: OrderStatus
  price: { dueFen: number }
  refundedFen: number
}

/** Money of the order not refunded yet nor being refunded (a WeChat Pay refund waits for the provider). */
export function refundLeft(order: RefundableOrder, refunds: readonly { amountFen: number; status: RefundStatus }[]): number {
  if (order.status !== 'PAID' && order.status !== 'PARTIALLY_REFUNDED') return 0
  const inFlight = refunds.filter((r) => r.status === 'PROCESSING').reduce((sum, r) => sum + r.amountFen, 0)
  return Math.max(0, order.price.dueFen - order.refundedFen - inFlight)
}

/** The tag colour of a status, as Vant names them. */
export function statusTone(status: OrderStatus): 'primary' | 'success' | 'warning' | 'danger' | 'default' {
  switch (status) {
    case 'PENDING':
      return 'warning'
    case 'PAID':
      return 'success'
    case 'PARTIALLY_REFUNDED':
    case 'REFUNDED':
      return 'danger'
    case 'CLOSED':
      return 'default'
  }
}

export const METHOD_ICONS: Record<PaymentMethod, string> = {
  STORED_VALUE: 'balance-o',
  CASH: 'cash-o',
  WECHAT_PAY: 'wechat-pay',
  ALIPAY: 'alipay',
}

/** "06-01 14:05" in the store's time zone. */
export function shortTime(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso))
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? ''
  return `${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`
}

/** What an order holds, in one line: "洗剪吹 ×2、洗发水". */
export function linesSummary(lines: readonly { name: string; quantity: number }[], separator = '、'): string {
  return lines.map((l) => (l.quantity > 1 ? `${l.name} ×${l.quantity}` : l.name)).join(separator)
}
