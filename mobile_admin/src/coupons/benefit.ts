// What a coupon gives, in a few words for a list row or the scan sheet: 满 ¥100.00 减 ¥20.00, 8.5折, 赠 洗车.
import type { CouponKind } from '../gql/graphql'
import { format, type Locale } from '../shell/i18n'
import { yuan } from '../shell/money'

export interface BenefitFacts {
  kind: CouponKind
  valueFen: number
  percentOffBp: number
  capFen?: number | null
  minimumSpendFen: number
  itemName?: string | null
}

const WORDS: Record<Locale, Record<'off' | 'spendOff' | 'percent' | 'cap' | 'minimum' | 'gift' | 'trial', string>> = {
  zh: {
    off: '立减 {value}',
    spendOff: '满 {min} 减 {value}',
    percent: '{rate}折',
    cap: '最多减 {cap}',
    minimum: '满 {min} 可用',
    gift: '赠 {item}',
    trial: '{item} 体验价 {value}',
  },
  en: {
    off: '{value} off',
    spendOff: '{value} off {min}',
    percent: '{rate}% off',
    cap: 'up to {cap}',
    minimum: 'from {min}',
    gift: 'Free {item}',
    trial: '{item} for {value}',
  },
}

/** 1500 basis points off is 八五折 in Chinese (8.5) and 15% off in English. */
function rate(bp: number, locale: Locale): string {
  const shown = locale === 'zh' ? (10000 - bp) / 1000 : bp / 100
  return String(Number(shown.toFixed(2)))
}

export function benefitText(b: BenefitFacts, locale: Locale): string {
  const w = WORDS[locale]
  const min = yuan(b.minimumSpendFen)
  const item = b.itemName ?? '—'
  switch (b.kind) {
    case 'AMOUNT_OFF':
      return format(b.minimumSpendFen > 0 ? w.spendOff : w.off, { value: yuan(b.valueFen), min })
    case 'PERCENT_OFF': {
      const parts = [format(w.percent, { rate: rate(b.percentOffBp, locale) })]
      if (b.capFen != null) parts.push(format(w.cap, { cap: yuan(b.capFen) }))
      if (b.minimumSpendFen > 0) parts.push(format(w.minimum, { min }))
      return parts.join(' · ')
    }
    case 'GIFT':
      return [format(w.gift, { item }), ...(b.minimumSpendFen > 0 ? [format(w.minimum, { min })] : [])].join(' · ')
    case 'EXPERIENCE':
      return format(w.trial, { item, value: yuan(b.valueFen) })
  }
}
