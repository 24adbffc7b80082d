import { describe, expect, it } from 'vitest'

import { dayAfter, dayIn, endOfDayIn, minuteIn } from './time'

describe('times in the store’s zone', () => {
  it('shows a UTC instant as the store’s local minute and day', () => {
    expect(minuteIn('2025-03-08T06:05:00Z', 'Asia/Shanghai')).toBe('2025-03-08 14:05')
    expect(dayIn('2025-03-08T17:00:00Z', 'Asia/Shanghai')).toBe('2025-03-09')
    expect(minuteIn('2025-03-08T00:30:00Z', 'UTC')).toBe('2025-03-08 00:30')
  })

  it('ends a chosen day at its last local second', () => {
    expect(endOfDayIn('2025-12-31', 'Asia/Shanghai')).toBe('2025-12-31T15:59:59.000Z')
    expect(endOfDayIn('2025-07-01', 'America/New_York')).toBe('2025-07-02T03:59:59.000Z')
    expect(endOfDayIn('31/12/2025', 'Asia/Shanghai')).toBeNull()
  })

  it('counts days ahead from the store’s today', () => {
    expect(dayAfter(new Date('2025-03-08T17:00:00Z'), 365, 'Asia/Shanghai')).toBe('2026-03-09')
  })
})
