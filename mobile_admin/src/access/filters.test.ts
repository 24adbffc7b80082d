import { describe, expect, it } from 'vitest'

import { filterOf, startOfDay } from './filters'

const NOW = new Date('2026-12-05T02:30:00Z') // 10:30 in Shanghai

describe('the access log filter', () => {
  it('starts today at the store’s midnight, not UTC’s', () => {
    expect(startOfDay(NOW, 0, 'Asia/Shanghai').toISOString()).toBe('2026-12-04T16:00:00.000Z')
  })

  it('counts a week as today and the six days before', () => {
    expect(startOfDay(NOW, 6, 'Asia/Shanghai').toISOString()).toBe('2026-11-28T16:00:00.000Z')
  })

  it('sends only what was picked', () => {
    expect(filterOf({ action: '', period: 'all', storeId: '' }, NOW, 'Asia/Shanghai')).toEqual({})
    expect(filterOf({ action: 'PHONE_VIEWED', period: 'today', storeId: 'S1', memberId: 'M1' }, NOW, 'Asia/Shanghai')).toEqual({
      action: 'PHONE_VIEWED',
      storeId: 'S1',
      memberId: 'M1',
      from: '2026-12-04T16:00:00.000Z',
    })
  })
})
