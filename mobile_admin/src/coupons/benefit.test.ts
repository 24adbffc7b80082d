import { describe, expect, it } from 'vitest'

import { benefitText } from './benefit'

const NONE = { valueFen: 0, percentOffBp: 0, capFen: null, minimumSpendFen: 0, itemName: null }

describe('what a coupon gives, in words', () => {
  it('shows amounts off in yuan, with the spend they need', () => {
    expect(benefitText({ ...NONE, kind: 'AMOUNT_OFF', valueFen: 2000, minimumSpendFen: 10000 }, 'zh')).toBe(
      '满 ¥100.00 减 ¥20.00',
    )
    expect(benefitText({ ...NONE, kind: 'AMOUNT_OFF', valueFen: 500 }, 'zh')).toBe('立减 ¥5.00')
    expect(benefitText({ ...NONE, kind: 'AMOUNT_OFF', valueFen: 500 }, 'en')).toBe('¥5.00 off')
  })

  it('shows a percentage as 折 in Chinese and % off in English, with its cap', () => {
    const eightFive = { ...NONE, kind: 'PERCENT_OFF' as const, percentOffBp: 1500, capFen: 3000 }
    expect(benefitText(eightFive, 'zh')).toBe('8.5折 · 最多减 ¥30.00')
    expect(benefitText(eightFive, 'en')).toBe('15% off · up to ¥30.00')
    expect(benefitText({ ...NONE, kind: 'PERCENT_OFF', percentOffBp: 2000 }, 'zh')).toBe('8折')
    expect(benefitText({ ...NONE, kind: 'PERCENT_OFF', percentOffBp: 1250 }, 'zh')).toBe('8.75折')
  })

  it('names the item of a gift or an experience', () => {
    expect(benefitText({ ...NONE, kind: 'GIFT', itemName: '洗车' }, 'zh')).toBe('赠 洗车')
    expect(benefitText({ ...NONE, kind: 'EXPERIENCE', itemName: '肩颈按摩', valueFen: 990 }, 'zh')).toBe(
      '肩颈按摩 体验价 ¥9.90',
    )
  })
})
