// What a coupon or a card level takes off, in the few characters a list line has room for. Chinese shops say
// 折 for the share still paid (九折 = 10% off); English says what comes off.
import type { Locale } from '../shell/i18n'
import { yuan } from '../shell/money'

export interface Benefit {
  kind: 'AMOUNT_OFF' | 'PERCENT_OFF' | 'GIFT' | 'EXPERIENCE'
  valueFen: number
  percentOffBp: number
  capFen?: number | null
  minimumSpendFen: number
  itemName?: string | null
}

/** 1000 bp off → "9折" / "10% off"; 1500 → "8.5折" / "15% off"; 0 → "". */
export function discountText(offBp: number, locale: Locale): string {
  if (offBp <= 0) return ''
  if (locale === 'en') return `${trim(offBp / 100)}% off`
  return `${trim((10_000 - offBp) / 1000)}折`
}

function trim(n: number): string {
  return String(Number(n.toFixed(2)))
}

/** "满¥100.00减¥20.00", "8.5折 最多减¥30.00", "赠 洗发水", "体验 精剪". */
export function benefitText(b: Benefit, locale: Locale): string {
  const en = locale === 'en'
  const minimum = b.minimumSpendFen > 0 ? (en ? ` over ${yuan(b.minimumSpendFen)}` : `满${yuan(b.minimumSpendFen)}`) : ''
  switch (b.kind) {
    case 'AMOUNT_OFF':
      return en ? `${yuan(b.valueFen)} off${minimum}` : `${minimum}减${yuan(b.valueFen)}`
    case 'PERCENT_OFF': {
      const cap = b.capFen != null ? (en ? `, at most ${yuan(b.capFen)}` : ` 最多减${yuan(b.capFen)}`) : ''
      return en ? `${discountText(b.percentOffBp, locale)}${minimum}${cap}` : `${minimum}${discountText(b.percentOffBp, locale)}${cap}`
    }
    case 'GIFT':
      return en ? `Free ${b.itemName ?? 'gift'}` : `赠 ${b.itemName ?? '礼品'}`
    case 'EXPERIENCE':
      return en ? `Try ${b.itemName ?? 'a service'}` : `体验 ${b.itemName ?? '服务'}`
  }
}
