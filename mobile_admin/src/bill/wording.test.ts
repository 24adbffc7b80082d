import { beforeAll, describe, expect, it } from 'vitest'

import { locale, useMessages } from '../shell/i18n'
import { billMessages } from './messages'
import { benefitText, conditionText, linesSummary, refundLeft, shortTime, zhe } from './wording'

const t = useMessages(billMessages)
beforeAll(() => {
  locale.value = 'zh'
})
const base = { valueFen: 0, percentOffBp: 0, capFen: null, minimumSpendFen: 0, itemName: null }

describe('what a coupon says on the bill', () => {
  it('words each kind of benefit in yuan or 折', () => {
    expect(benefitText({ ...base, kind: 'AMOUNT_OFF', valueFen: 2_000 }, t)).toBe('减¥20.00')
    expect(benefitText({ ...base, kind: 'PERCENT_OFF', percentOffBp: 1_500 }, t)).toBe('8.5折')
    expect(benefitText({ ...base, kind: 'PERCENT_OFF', percentOffBp: 1_000, capFen: 3_000 }, t)).toBe(
      '9折 最多减¥30.00',
    )
    expect(benefitText({ ...base, kind: 'GIFT', itemName: '洗剪吹' }, t)).toBe('赠 洗剪吹')
  })

  it('reads basis points off as 折', () => {
    expect([zhe(1_500), zhe(1_000), zhe(250), zhe(0)]).toEqual(['8.5', '9', '9.75', '10'])
  })

  it('says the minimum spend, or that there is none', () => {
    expect(conditionText({ ...base, kind: 'AMOUNT_OFF', minimumSpendFen: 10_000 }, t)).toBe('满¥100.00可用')
    expect(conditionText({ ...base, kind: 'AMOUNT_OFF' }, t)).toBe('无门槛')
  })

  it('speaks English to an English phone', () => {
    locale.value = 'en'
    expect(benefitText({ ...base, kind: 'PERCENT_OFF', percentOffBp: 1_500 }, t)).toBe('15% off')
    locale.value = 'zh'
  })
})

describe('what is left to refund', () => {
  const paid = { status: 'PAID' as const, price: { dueFen: 10_000 }, refundedFen: 0 }

  it('is what was paid less what was refunded and what is being refunded', () => {
    expect(refundLeft(paid, [])).toBe(10_000)
    expect(
      refundLeft({ ...paid, status: 'PARTIALLY_REFUNDED', refundedFen: 3_000 }, [
        { amountFen: 3_000, status: 'SUCCEEDED' },
        { amountFen: 1_000, status: 'PROCESSING' },
        { amountFen: 500, status: 'FAILED' },
      ]),
    ).toBe(6_000)
  })

  it('is nothing for an order not paid or refunded in full', () => {
    expect(refundLeft({ ...paid, status: 'PENDING' }, [])).toBe(0)
    expect(refundLeft({ ...paid, status: 'REFUNDED', refundedFen: 10_000 }, [])).toBe(0)
  })
})

describe('an order in a line', () => {
  it('shows the time in the store time zone', () => {
    expect(shortTime('2026-06-01T06:05:00Z', 'Asia/Shanghai')).toBe('06-01 14:05')
  })

  it('names what was bought with quantities above one', () => {
    expect(linesSummary([{ name: '洗剪吹', quantity: 2 }, { name: '洗发水', quantity: 1 }])).toBe('洗剪吹 ×2、洗发水')
  })
})
