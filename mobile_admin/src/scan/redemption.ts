// A used coupon in the cashier's words: when (in the store's own time), where and by whom it was redeemed, so the
// counter can answer a customer showing it again.
import { format, type Locale } from '../shell/i18n'

export interface RedemptionFacts {
  at: string
  storeName?: string | null
  staffName?: string | null
}

const LINES: Record<Locale, { byStaff: string; withOrder: string; somewhere: string }> = {
  zh: {
    byStaff: '已于 {when} 在 {store} 由 {who} 核销',
    withOrder: '已于 {when} 在 {store} 随订单使用',
    somewhere: '未知门店',
  },
  en: {
    byStaff: 'Redeemed on {when} at {store} by {who}',
    withOrder: 'Used on {when} at {store} with an order',
    somewhere: 'an unknown store',
  },
}

/** "2026-12-04 18:05" in the time zone given. */
export function localMinute(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso))
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? ''
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`
}

export function redeemedLine(facts: RedemptionFacts, timeZone: string, locale: Locale): string {
  const words = LINES[locale]
  // Without a staff member it was used by paying an order with it, not scanned at the counter.
  return format(facts.staffName ? words.byStaff : words.withOrder, {
    when: localMinute(facts.at, timeZone),
    store: facts.storeName ?? words.somewhere,
    who: facts.staffName ?? '',
  })
}
