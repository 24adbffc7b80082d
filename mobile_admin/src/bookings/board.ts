// The day board's arithmetic: store-local days and clock times (the API speaks UTC instants and store-local dates),
// where a booking sits in its column, whose column comes first, and what may be done with a booking in each status.
import type { BookingStatus } from '../gql/graphql'

export interface Span {
  start: string
  end: string
}

/** Minutes since the store's local midnight. */
export interface Window {
  from: number
  to: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let found = formatters.get(timeZone)
  if (!found) {
    found = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
    formatters.set(timeZone, found)
  }
  return found
}

/** The store-local date ("2025-12-05") and minute of that day of an instant. */
export function localParts(instant: string | Date, timeZone: string): { day: string; minutes: number } {
  const parts: Record<string, string> = {}
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) parts[p.type] = p.value
  return {
    day: `${parts.year}-${parts.month}-${parts.day}`,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  }
}

function dayNumber(day: string): number {
  const [y, m, d] = day.split('-').map(Number)
  return Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1) / 86_400_000
}

/** Minutes from the local midnight that starts `day` to the instant (below 0 or past 1440 on other days). */
export function minutesOn(instant: string, timeZone: string, day: string): number {
  const local = localParts(instant, timeZone)
  return (dayNumber(local.day) - dayNumber(day)) * 1440 + local.minutes
}

export function todayIn(timeZone: string, now: Date = new Date()): string {
  return localParts(now, timeZone).day
}

export function addDays(day: string, n: number): string {
  return new Date((dayNumber(day) + n) * 86_400_000).toISOString().slice(0, 10)
}

/** "12月5日周五", "Fri, Dec 5". */
export function dayTitle(day: string, locale: 'zh' | 'en'): string {
  const format = new Intl.DateTimeFormat(locale === 'zh' ? 'zh-CN' : 'en', {
    month: locale === 'zh' ? 'long' : 'short',
    day: 'numeric',
    weekday: 'short',
    timeZone: 'UTC',
  })
  return format.format(new Date(dayNumber(day) * 86_400_000))
}

export function clock(instant: string, timeZone: string): string {
  const minutes = localParts(instant, timeZone).minutes
  return minuteLabel(minutes)
}

export function minuteLabel(minutes: number): string {
  const h = Math.floor(minutes / 60)
  return `${String(h).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`
}

/** "今天" and friends for the days a desk talks about; null for any other. */
export function relativeDay(day: string, today: string): 'today' | 'tomorrow' | 'yesterday' | null {
  const diff = dayNumber(day) - dayNumber(today)
  return diff === 0 ? 'today' : diff === 1 ? 'tomorrow' : diff === -1 ? 'yesterday' : null
}

/** Whole hours covering the opening hours, shifts and bookings of the day; 09:00–21:00 for an empty day. */
export function boardWindow(spans: readonly Span[], timeZone: string, day: string): Window {
  if (spans.length === 0) return { from: 9 * 60, to: 21 * 60 }
  let from = Infinity
  let to = -Infinity
  for (const s of spans) {
    from = Math.min(from, minutesOn(s.start, timeZone, day))
    to = Math.max(to, minutesOn(s.end, timeZone, day))
  }
  from = Math.max(0, Math.floor(from / 60) * 60)
  to = Math.min(1440, Math.ceil(to / 60) * 60)
  return to > from ? { from, to } : { from: 9 * 60, to: 21 * 60 }
}

export function hourMarks(window: Window): number[] {
  const marks: number[] = []
  for (let m = window.from; m <= window.to; m += 60) marks.push(m)
  return marks
}

/** Top and height in pixels of a span within the window, cut to the window. */
export function place(span: Span, timeZone: string, day: string, window: Window, pxPerMin: number) {
  const start = Math.max(window.from, minutesOn(span.start, timeZone, day))
  const end = Math.min(window.to, minutesOn(span.end, timeZone, day))
  return { top: (start - window.from) * pxPerMin, height: Math.max(0, end - start) * pxPerMin }
}

/** The signed-in staff member's own column first, the rest as the API ordered them. */
export function mineFirst<C extends { staffMember: { id: string } }>(columns: readonly C[], myId: string | undefined): C[] {
  const mine = columns.filter((c) => c.staffMember.id === myId)
  return [...mine, ...columns.filter((c) => c.staffMember.id !== myId)]
}

export type BookingAction = 'checkIn' | 'complete' | 'reschedule' | 'noShow' | 'cancel'

/** What the API lets staff do next with a booking in each status (it refuses the rest anyway). */
export function actionsFor(status: BookingStatus): BookingAction[] {
  switch (status) {
    case 'BOOKED':
      return ['checkIn', 'reschedule', 'noShow', 'cancel']
    case 'HELD':
      return ['cancel']
    case 'CHECKED_IN':
      return ['complete']
    default:
      return []
  }
}

/**
 * The staffId a reschedule sends: none to keep the booking's own staff member when they are free then, else the
 * one asked for, else the first free one the slot offers.
 */
export function rescheduleStaff(free: readonly string[], current: string, wanted: string | null): string | null {
  if (wanted !== null) return wanted === current ? null : wanted
  if (free.includes(current)) return null
  return free[0] ?? null
}

export interface CountCardLike {
  remaining: number
  expiresAt: string
}

/** Count cards that can still pay for a visit: uses left and not expired. */
export function usableCountCards<C extends CountCardLike>(cards: readonly C[], now: Date = new Date()): C[] {
  return cards.filter((c) => c.remaining > 0 && new Date(c.expiresAt).getTime() > now.getTime())
}
