import { describe, expect, it } from 'vitest'

import { addDays, daysIn, periodFor, presetOf, presetRange, readQuery, writeQuery } from './range'

// 00:30 on 1 March in Shanghai is still 28 February in UTC (and on the phone, if it is set to London).
const EARLY_MARCH = new Date('2026-02-28T16:30:00Z')
const SHANGHAI = 'Asia/Shanghai'

describe('date ranges of the dashboard', () => {
  it("counts the presets from the store's today, not the phone's", () => {
    expect(presetRange('today', EARLY_MARCH, SHANGHAI)).toEqual({ from: '2026-03-01', to: '2026-03-01' })
    expect(presetRange('yesterday', EARLY_MARCH, SHANGHAI)).toEqual({ from: '2026-02-28', to: '2026-02-28' })
    expect(presetRange('last7', EARLY_MARCH, SHANGHAI)).toEqual({ from: '2026-02-23', to: '2026-03-01' })
    expect(presetRange('thisMonth', EARLY_MARCH, SHANGHAI)).toEqual({ from: '2026-03-01', to: '2026-03-01' })
    expect(presetRange('lastMonth', EARLY_MARCH, SHANGHAI)).toEqual({ from: '2026-02-01', to: '2026-02-28' })
    // The same instant is still February in London.
    expect(presetRange('thisMonth', EARLY_MARCH, 'Europe/London')).toEqual({ from: '2026-02-01', to: '2026-02-28' })
  })

  it('takes last month across a year and a leap February', () => {
    expect(presetRange('lastMonth', new Date('2026-01-15T04:00:00Z'), SHANGHAI)).toEqual({
      from: '2025-12-01',
      to: '2025-12-31',
    })
    expect(presetRange('lastMonth', new Date('2024-03-10T04:00:00Z'), SHANGHAI)).toEqual({
      from: '2024-02-01',
      to: '2024-02-29',
    })
  })

  it('knows a range as its preset, and any other as custom', () => {
    expect(presetOf({ from: '2026-02-23', to: '2026-03-01' }, EARLY_MARCH, SHANGHAI)).toBe('last7')
    expect(presetOf({ from: '2026-03-01', to: '2026-03-01' }, EARLY_MARCH, SHANGHAI)).toBe('today')
    expect(presetOf({ from: '2026-01-05', to: '2026-01-09' }, EARLY_MARCH, SHANGHAI)).toBe('custom')
  })

  it('picks days for a month, weeks for a quarter, months beyond', () => {
    expect(daysIn({ from: '2026-01-01', to: '2026-01-31' })).toBe(31)
    expect(periodFor({ from: '2026-01-01', to: '2026-01-31' })).toBe('DAY')
    expect(periodFor({ from: '2026-01-01', to: '2026-03-31' })).toBe('WEEK')
    expect(periodFor({ from: '2025-01-01', to: '2025-12-31' })).toBe('MONTH')
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29')
  })

  it("reads an alert's link, and falls back to the last 7 days on anything malformed", () => {
    const link = { storeId: 'U3RvcmU6MQ==', from: '2026-12-05', to: '2026-12-05' }
    expect(readQuery(link, EARLY_MARCH, SHANGHAI)).toEqual({
      storeId: 'U3RvcmU6MQ==',
      range: { from: '2026-12-05', to: '2026-12-05' },
      period: 'DAY',
    })
    const fallback = { storeId: null, range: { from: '2026-02-23', to: '2026-03-01' }, period: 'DAY' }
    expect(readQuery({ from: '2026-02-30', to: '2026-03-01' }, EARLY_MARCH, SHANGHAI)).toEqual(fallback)
    expect(readQuery({ from: '2026-03-02', to: '2026-03-01' }, EARLY_MARCH, SHANGHAI)).toEqual(fallback)
    expect(readQuery({ period: 'YEAR' }, EARLY_MARCH, SHANGHAI)).toEqual(fallback)
    expect(readQuery({ period: 'MONTH', storeId: '' }, EARLY_MARCH, SHANGHAI).period).toBe('MONTH')
  })

  it('writes the choice back to the address, leaving out "all stores"', () => {
    const range = { from: '2026-02-01', to: '2026-02-28' }
    expect(writeQuery({ storeId: null, range, period: 'WEEK' })).toEqual({
      from: '2026-02-01',
      to: '2026-02-28',
      period: 'WEEK',
    })
    expect(writeQuery({ storeId: 'S1', range, period: 'DAY' }).storeId).toBe('S1')
  })
})
