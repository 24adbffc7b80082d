import { describe, expect, it } from 'vitest'

import { dayStart, emptyDraft, percentOffBp, toInput } from './draft'

describe('a new template as typed, for the API', () => {
  it('turns 满100减20 valid 30 days into fen and days', () => {
    const form = { ...emptyDraft(), title: ' 满100减20 ', value: '20', minimum: '100' }
    expect(toInput(form, 'zh', 'Asia/Shanghai')).toEqual({
      input: {
        kind: 'AMOUNT_OFF',
        title: '满100减20',
        terms: '',
        valueFen: 2000,
        minimumSpendFen: 10000,
        validDays: 30,
        allStores: true,
        storeIds: [],
        stock: null,
        perMemberLimit: 1,
        transferable: true,
      },
    })
  })

  it('reads 折 in Chinese and % off in English as the same basis points', () => {
    expect(percentOffBp('8.5', 'zh')).toBe(1500)
    expect(percentOffBp('8', 'zh')).toBe(2000)
    expect(percentOffBp('8.75', 'zh')).toBe(1250)
    expect(percentOffBp('15', 'en')).toBe(1500)
    for (const bad of ['10', '0', '-1', '8.555', 'abc', '']) expect(percentOffBp(bad, 'zh')).toBeNull()
    expect(percentOffBp('100', 'en')).toBeNull()
  })

  it('takes a fixed window in the store calendar, through the whole last day', () => {
    expect(dayStart('2026-12-01', 'Asia/Shanghai')).toBe('2026-11-30T16:00:00.000Z')
    expect(dayStart('2026-12-31', 'Asia/Shanghai', 1)).toBe('2026-12-31T16:00:00.000Z')
    expect(dayStart('2026-07-01', 'Europe/Berlin')).toBe('2026-06-30T22:00:00.000Z')
    const form = { ...emptyDraft(), title: 'x', value: '5', validity: 'window' as const }
    const result = toInput({ ...form, validFrom: '2026-12-01', validTo: '2026-12-31' }, 'zh', 'Asia/Shanghai')
    expect(result).toMatchObject({
      input: { validFrom: '2026-11-30T16:00:00.000Z', validTo: '2026-12-31T16:00:00.000Z' },
    })
  })

  it('names every field it cannot read, by the API field name', () => {
    const form = {
      ...emptyDraft(),
      kind: 'PERCENT_OFF' as const,
      percent: '12',
      cap: 'x',
      stock: '0',
      days: '',
      allStores: false,
    }
    expect(toInput(form, 'zh', 'Asia/Shanghai')).toEqual({
      problems: {
        title: 'required',
        stock: 'whole',
        storeIds: 'required',
        percentOffBp: 'percent',
        capFen: 'amount',
        validDays: 'whole',
      },
    })
  })

  it('wants the catalog item of a gift', () => {
    const form = { ...emptyDraft(), kind: 'GIFT' as const, title: '赠洗车' }
    expect(toInput(form, 'zh', 'Asia/Shanghai')).toEqual({ problems: { itemId: 'required' } })
  })
})
