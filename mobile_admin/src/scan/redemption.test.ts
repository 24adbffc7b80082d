import { describe, expect, it } from 'vitest'

import { localMinute, redeemedLine } from './redemption'

describe('a used coupon in words', () => {
  it("shows the time in the store's time zone, to the minute", () => {
    expect(localMinute('2026-12-04T10:05:59Z', 'Asia/Shanghai')).toBe('2026-12-04 18:05')
    expect(localMinute('2026-12-04T16:30:00Z', 'Asia/Shanghai')).toBe('2026-12-05 00:30')
  })

  it('says when, where and by whom, in Chinese or English', () => {
    const facts = { at: '2026-12-04T10:05:00Z', storeName: '甲店一号店', staffName: '收银小王' }
    expect(redeemedLine(facts, 'Asia/Shanghai', 'zh')).toBe('已于 2026-12-04 18:05 在 甲店一号店 由 收银小王 核销')
    expect(redeemedLine(facts, 'Asia/Shanghai', 'en')).toBe(
      'Redeemed on 2026-12-04 18:05 at 甲店一号店 by 收银小王',
    )
  })

  it('says it went with an order when no staff member redeemed it', () => {
    const facts = { at: '2026-12-04T10:05:00Z', storeName: '甲店一号店', staffName: null }
    expect(redeemedLine(facts, 'Asia/Shanghai', 'zh')).toBe('已于 2026-12-04 18:05 在 甲店一号店 随订单使用')
  })
})
