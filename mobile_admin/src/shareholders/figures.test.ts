import { describe, expect, it } from 'vitest'

import { monthStart, percent, shortTime } from './figures'

describe('shareholder figures', () => {
  it('shows basis points as percents without float noise', () => {
    expect(percent(1000)).toBe('10%')
    expect(percent(250)).toBe('2.5%')
    expect(percent(5)).toBe('0.05%')
    expect(percent(0)).toBe('0%')
    expect(percent(10000)).toBe('100%')
    expect(percent(333)).toBe('3.33%')
  })

  it("shows times on the store's clock", () => {
    expect(shortTime('2026-05-14T01:30:00Z', 'Asia/Shanghai', 'zh')).toBe('05-14 09:30')
    expect(shortTime('2026-05-14T23:05:00Z', 'Asia/Shanghai', 'en')).toBe('05-15 07:05')
  })

  it("starts this month at the store's midnight on the first", () => {
    // 08:00 on 1 May in Shanghai is still 30 April in UTC.
    expect(monthStart(new Date('2026-05-01T00:00:00Z'), 'Asia/Shanghai')).toBe('2026-04-30T16:00:00.000Z')
    expect(monthStart(new Date('2026-04-30T15:59:59Z'), 'Asia/Shanghai')).toBe('2026-03-31T16:00:00.000Z')
    // Across a DST change: New York's March began at EST (UTC-5) though now is EDT (UTC-4).
    expect(monthStart(new Date('2026-03-20T12:00:00Z'), 'America/New_York')).toBe('2026-03-01T05:00:00.000Z')
  })
})
