// Times on the member screens, in the store's own time zone (the API stores UTC): a ledger line's minute, a
// coupon's or count card's last day, and the end of a chosen day for a count card's expiry.

function parts(at: Date, timeZone: string): Record<string, string> {
  const out: Record<string, string> = {}
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  })
  for (const p of format.formatToParts(at)) out[p.type] = p.value
  return out
}

/** "2025-03-08 14:05" in the store's zone. */
export function minuteIn(iso: string, timeZone: string): string {
  const p = parts(new Date(iso), timeZone)
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`
}

/** "2025-03-08" in the store's zone. */
export function dayIn(iso: string, timeZone: string): string {
  const p = parts(new Date(iso), timeZone)
  return `${p.year}-${p.month}-${p.day}`
}

/** The zone's offset from UTC at `at`, in minutes (Shanghai: +480). */
function offsetMinutes(at: Date, timeZone: string): number {
  const p = parts(at, timeZone)
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute))
  return Math.round((asUtc - Math.floor(at.getTime() / 60_000) * 60_000) / 60_000)
}

/** The last second of a "YYYY-MM-DD" day in the store's zone, as the ISO instant the API takes. */
export function endOfDayIn(day: string, timeZone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!m) return null
  const naive = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59)
  const offset = offsetMinutes(new Date(naive), timeZone)
  return new Date(naive - offset * 60_000).toISOString()
}

/** "YYYY-MM-DD" a number of days after `from`, in the store's zone: a count card's default expiry. */
export function dayAfter(from: Date, days: number, timeZone: string): string {
  return dayIn(new Date(from.getTime() + days * 86_400_000).toISOString(), timeZone)
}
