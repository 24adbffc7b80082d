// How the shareholder screens show the API's figures: rates in basis points as percents, times on the store's
// clock, and the instant the store's month began (the ranking's "this month").
import type { Locale } from '../shell/i18n'

/** 1000 bp → "10%", 250 → "2.5%", 5 → "0.05%": no float arithmetic, no trailing zeros. */
export function percent(bp: number): string {
  const whole = Math.floor(bp / 100)
  const rest = String(bp % 100).padStart(2, '0').replace(/0+$/, '')
  return rest ? `${whole}.${rest}%` : `${whole}%`
}

/** "05-14 09:30" on the store's clock (the staff's phone may be set to another zone). */
export function shortTime(iso: string, timeZone: string, locale: Locale): string {
  const parts = new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone,
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso))
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? ''
  return `${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`
}

function wallClock(at: number, timeZone: string): { year: number; month: number; offsetMs: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(new Date(at))
  const n = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value)
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'))
  return { year: n('year'), month: n('month'), offsetMs: asUtc - Math.floor(at / 1000) * 1000 }
}

/** The instant the month containing `now` began at the store, as the API's DateTime. */
export function monthStart(now: Date, timeZone: string): string {
  const { year, month } = wallClock(now.getTime(), timeZone)
  const midnightAsUtc = Date.UTC(year, month - 1, 1)
  // The zone's offset at that midnight (not now's: a DST change may lie between).
  const guess = midnightAsUtc - wallClock(midnightAsUtc, timeZone).offsetMs
  return new Date(midnightAsUtc - wallClock(guess, timeZone).offsetMs).toISOString()
}
