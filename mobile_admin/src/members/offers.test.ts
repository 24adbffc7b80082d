import { describe, expect, it } from 'vitest'

import { benefitText, discountText } from './offers'

describe('what a coupon or level takes off', () => {
  it('says a level discount the way a Chinese shop does', () => {
    expect(discountText(1000, 'zh')).toBe('9折')
    expect(discountText(1500, 'zh')).toBe('8.5折')
    expect(discountText(1500, 'en')).toBe('15% off')
    expect(discountText(0, 'zh')).toBe('')
  })

  it('says each kind of coupon in a few characters, money in yuan', () => {
    const base = { valueFen: 0, percentOffBp: 0, minimumSpendFen: 0 }
    expect(benefitText({ ...base, kind: 'AMOUNT_OFF', valueFen: 2000, minimumSpendFen: 10000 }, 'zh')).toBe(
      '满¥100.00减¥20.00',
    )
    expect(benefitText({ ...base, kind: 'AMOUNT_OFF', valueFen: 500 }, 'en')).toBe('¥5.00 off')
    expect(benefitText({ ...base, kind: 'PERCENT_OFF', percentOffBp: 1500, capFen: 3000 }, 'zh')).toBe(
      '8.5折 最多减¥30.00',
    )
    expect(benefitText({ ...base, kind: 'GIFT', itemName: '洗发水' }, 'zh')).toBe('赠 洗发水')
    expect(benefitText({ ...base, kind: 'EXPERIENCE', itemName: '精剪' }, 'zh')).toBe('体验 精剪')
  })
})
