// The dashboard's date range: presets (今天, 近7天, 上月…) turned into the store-local days the API takes, the
// period that suits a range, and the range read back from (and written to) the address, so an alert's link opens
// the very range it names.
import type { ReportPeriod } from '../gql/graphql'
import { dayIn } from '../members/time'

export type Preset = 'today' | 'yesterday' | 'last7' | 'thisMonth' | 'lastMonth' | 'custom'
export const PRESETS: readonly Exclude<Preset, 'custom'>[] = ['today', 'yesterday', 'last7', 'thisMonth', 'lastMonth']
export const PERIODS: readonly ReportPeriod[] = ['DAY', 'WEEK', 'MONTH']

export interface Range {
  from: string
  to: string
}

/** The API refuses a longer range (RANGE_INVALID): the calendar stops there too. */
export const MAX_DAYS = 366

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/

function toUtc(day: string): number {
  const m = DAY.exec(day)
  if (!m) return Number.NaN
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
}

function fromUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

export function isDay(text: unknown): text is string {
  if (typeof text !== 'string') return false
  const ms = toUtc(text)
  return !Number.isNaN(ms) && fromUtc(ms) === text
}

/** "YYYY-MM-DD" moved by whole days (calendar days: no time zone involved once the day is known). */
export function addDays(day: string, days: number): string {
  return fromUtc(toUtc(day) + days * 86_400_000)
}

/** Days in [from, to], both counted. */
export function daysIn(range: Range): number {
  return Math.round((toUtc(range.to) - toUtc(range.from)) / 86_400_000) + 1
}

/** A preset's days, counted from today in the store's time zone (the owner's phone may be elsewhere). */
export function presetRange(preset: Exclude<Preset, 'custom'>, now: Date, timeZone: string): Range {
  const today = dayIn(now.toISOString(), timeZone)
  const firstOfMonth = `${today.slice(0, 8)}01`
  switch (preset) {
    case 'today':
      return { from: today, to: today }
    case 'yesterday': {
      const yesterday = addDays(today, -1)
      return { from: yesterday, to: yesterday }
    }
    case 'last7':
      return { from: addDays(today, -6), to: today }
    case 'thisMonth':
      return { from: firstOfMonth, to: today }
    case 'lastMonth': {
      const lastDay = addDays(firstOfMonth, -1)
      return { from: `${lastDay.slice(0, 8)}01`, to: lastDay }
    }
  }
}

/** Which preset a range is today, or 'custom'. */
export function presetOf(range: Range, now: Date, timeZone: string): Preset {
  return PRESETS.find((p) => {
    const r = presetRange(p, now, timeZone)
    return r.from === range.from && r.to === range.to
  }) ?? 'custom'
}

/** The period that draws a readable trend for a range: days up to a month, weeks up to a quarter, else months. */
export function periodFor(range: Range): ReportPeriod {
  const days = daysIn(range)
  if (days <= 31) return 'DAY'
  if (days <= 92) return 'WEEK'
  return 'MONTH'
}

export interface ReportQuery {
  storeId: string | null
  range: Range
  period: ReportPeriod
}

type Raw = Record<string, unknown>

function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value
}

/** The address's storeId, from, to and period; anything missing or malformed falls back to the last 7 days. */
export function readQuery(query: Raw, now: Date, timeZone: string): ReportQuery {
  const storeId = first(query.storeId)
  const from = first(query.from)
  const to = first(query.to)
  const given = isDay(from) && isDay(to) && from <= to ? { from, to } : null
  const range = given ?? presetRange('last7', now, timeZone)
  const period = first(query.period)
  return {
    storeId: typeof storeId === 'string' && storeId ? storeId : null,
    range,
    period: PERIODS.find((p) => p === period) ?? periodFor(range),
  }
}

export function writeQuery(q: ReportQuery): Record<string, string> {
  const out: Record<string, string> = { from: q.range.from, to: q.range.to, period: q.period }
  if (q.storeId) out.storeId = q.storeId
  return out
}

/** Vant's calendar works in the phone's local dates; the API in "YYYY-MM-DD". */
export function dayOfPicked(date: Date): string {
  const mm = String(date.getMonth() + 1).padStart(2, '0')
  const dd = String(date.getDate()).padStart(2, '0')
  return `${date.getFullYear()}-${mm}-${dd}`
}

export function pickedOfDay(day: string): Date {
  const [y, m, d] = day.split('-').map(Number)
  return new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1)
}
