import { describe, expect, it } from 'vitest'

import { buckets, emptyDraft, fromView, placeErrors, toInput } from './filter'

describe('segment filter', () => {
  it('leaves out every empty control: an empty form filters nobody out', () => {
    expect(toInput(emptyDraft())).toEqual({ input: {} })
  })

  it('sends yuan as fen, typed numbers as integers and the picks as lists', () => {
    const draft = {
      ...emptyDraft(),
      lifetimePaidMinFen: '100',
      lifetimePaidMaxFen: '1000',
      storedValueMinFen: '0.5',
      daysSincePaidMin: ' 60 ',
      visitsInDays: '30',
      visitsMin: '2',
      birthdayMonth: '3',
      countUsesMin: '1',
      levelIds: ['L1'],
      tagsAll: ['常客', '敏感肌'],
      sources: ['SHARE_LINK' as const],
      homeStoreId: 'S1',
    }
    expect(toInput(draft)).toEqual({
      input: {
        lifetimePaidMinFen: 10_000,
        lifetimePaidMaxFen: 100_000,
        storedValueMinFen: 50,
        daysSincePaidMin: 60,
        visitsInDays: 30,
        visitsMin: 2,
        birthdayMonth: 3,
        countUsesMin: 1,
        levelIds: ['L1'],
        tagsAll: ['常客', '敏感肌'],
        sources: ['SHARE_LINK'],
        homeStoreId: 'S1',
      },
    })
  })

  it('says which controls cannot be read, and sends nothing', () => {
    const draft = { ...emptyDraft(), lifetimePaidMinFen: '12.345', visitsMin: '-1', daysSincePaidMax: '三' }
    expect(toInput(draft)).toEqual({
      problems: { lifetimePaidMinFen: 'amount', visitsMin: 'whole', daysSincePaidMax: 'whole' },
    })
  })

  it('turns the RFM scores picked into buckets, a letter left open taking every score', () => {
    expect(buckets({ r: [5], f: [1], m: [3] })).toEqual(['R5F1M3'])
    expect(buckets({ r: [5, 4], f: [], m: [1] })).toEqual(['R4F1M1', 'R4F2M1', 'R4F3M1', 'R4F4M1', 'R4F5M1',
      'R5F1M1', 'R5F2M1', 'R5F3M1', 'R5F4M1', 'R5F5M1'])
    expect(toInput({ ...emptyDraft(), r: [1, 2] })).toMatchObject({ input: { rfm: expect.any(Array) } })
    // 3 × 5 × 5 buckets is more than the API takes
    expect(toInput({ ...emptyDraft(), r: [1, 2, 3] })).toEqual({ problems: { rfm: 'rfmTooWide' } })
  })

  it('reads a saved filter back into the form, fen as yuan and buckets as scores', () => {
    const draft = fromView({
      lifetimePaidMinFen: 10_050,
      daysSincePaidMin: 60,
      rfm: ['R5F1M3', 'R4F1M3'],
      broughtById: 'M9',
      tagsAll: ['常客'],
    })
    expect(draft).toMatchObject({
      lifetimePaidMinFen: '100.50',
      daysSincePaidMin: '60',
      visitsMin: '',
      r: [4, 5],
      f: [1],
      m: [3],
      broughtById: 'M9',
      tagsAll: ['常客'],
    })
    // and sends the same filter again
    expect(toInput(draft)).toEqual({
      input: {
        lifetimePaidMinFen: 10_050,
        daysSincePaidMin: 60,
        rfm: ['R4F1M3', 'R5F1M3'],
        broughtById: 'M9',
        tagsAll: ['常客'],
      },
    })
  })

  it("places the API's refusals under their control, the rest on the form", () => {
    const placed = placeErrors(
      [
        { field: 'lifetimePaidMaxFen', code: 'FILTER_RANGE_INVALID', message: '范围不对' },
        { field: 'levels', code: 'FILTER_VALUE_INVALID', message: '等级不对' },
        { field: 'broughtById', code: 'INVALID_ID', message: '推荐人不对' },
        { field: null, code: 'FORBIDDEN', message: '只有店长可以' },
      ],
      ['lifetimePaidMaxFen', 'levelIds'],
    )
    expect(placed).toEqual({ lifetimePaidMaxFen: '范围不对', levelIds: '等级不对', '': '推荐人不对；只有店长可以' })
  })
})
