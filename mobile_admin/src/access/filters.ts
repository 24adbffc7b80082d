// The access log's filters as the OWNER picks them (what, when, where) turned into the API's filter: a period is
// counted back from now, whole days, so 'today' starts at the store's midnight.
import type { AccessAction, AccessLogFilter } from '../gql/graphql'

export type Period = 'today' | 'week' | 'month' | 'all'

export interface Picked {
  action: AccessAction | ''
  period: Period
  storeId: string
  memberId?: string
}

const DAYS: Record<Exclude<Period, 'all'>, number> = { today: 0, week: 6, month: 29 }

/** Midnight `days` days before `now`'s day, in `timeZone`, as an instant. */
export function startOfDay(now: Date, days: number, timeZone: string): Date {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now)
  const n = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value)
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'))
  const offset = wall - Math.floor(now.getTime() / 1000) * 1000
  return new Date(Date.UTC(n('year'), n('month') - 1, n('day') - days) - offset)
}

export function filterOf(picked: Picked, now: Date, timeZone: string): AccessLogFilter {
  const filter: AccessLogFilter = {}
  if (picked.action) filter.action = picked.action
  if (picked.storeId) filter.storeId = picked.storeId
  if (picked.memberId) filter.memberId = picked.memberId
  if (picked.period !== 'all') filter.from = startOfDay(now, DAYS[picked.period], timeZone).toISOString()
  return filter
}
