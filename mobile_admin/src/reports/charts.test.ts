import { describe, expect, it } from 'vitest'

import {
  barsOption,
  bucketLabel,
  inWords,
  lineOption,
  methodColours,
  methodFigures,
  storeFigures,
  tick,
  trendFigures,
} from './charts'

const TREND = [
  { start: '2026-12-01', netFen: 12_800 },
  { start: '2026-12-02', netFen: 0 },
  { start: '2026-12-03', netFen: -3_000 },
]
const METHODS = [
  { method: 'WECHAT_PAY' as const, netFen: 25_600 },
  { method: 'ALIPAY' as const, netFen: 0 },
  { method: 'STORED_VALUE_PAID' as const, netFen: 10_000 },
  { method: 'STORED_VALUE_BONUS' as const, netFen: 2_000 },
  { method: 'CASH' as const, netFen: 5_650 },
]

describe('the dashboard charts', () => {
  it('labels buckets by their first day, months by their month', () => {
    expect(bucketLabel('2026-12-05', 'DAY')).toBe('12-05')
    expect(bucketLabel('2026-11-30', 'WEEK')).toBe('11-30')
    expect(bucketLabel('2026-12-01', 'MONTH')).toBe('2026-12')
  })

  it("draws the API's net takings, in fen, one point per bucket in its order", () => {
    const figures = trendFigures(TREND, 'DAY')
    expect(figures).toEqual([
      { label: '12-01', value: 12_800 },
      { label: '12-02', value: 0 },
      { label: '12-03', value: -3_000 },
    ])
    const option = lineOption(figures, 'fen', 'zh')
    const series = option.series as { type: string; data: number[] }[]
    expect(series[0]?.type).toBe('line')
    expect(series[0]?.data).toEqual([12_800, 0, -3_000])
    expect((option.xAxis as { data: string[] }).data).toEqual(['12-01', '12-02', '12-03'])
  })

  it('keeps every payment method, zero or not, in its colour and the enum order', () => {
    const names: Record<string, string> = { WECHAT_PAY: '微信支付', ALIPAY: '支付宝' }
    const figures = methodFigures(METHODS, (m) => names[m] ?? m)
    expect(figures.map((f) => f.value)).toEqual([25_600, 0, 10_000, 2_000, 5_650])
    expect(figures[0]?.label).toBe('微信支付')
    const option = barsOption(figures, 'fen', methodColours(METHODS))
    const data = (option.series as { data: { value: number; itemStyle: { color: string } }[] }[])[0]?.data
    expect(data?.map((d) => d.value)).toEqual([25_600, 0, 10_000, 2_000, 5_650])
    expect(data?.[0]?.itemStyle.color).toBe('#07c160')
  })

  it('says the chart in words with yuan, as a person reads it', () => {
    const figures = storeFigures([
      { store: { name: '一号店' }, takings: { netFen: 123_456 } },
      { store: { name: '二号店' }, takings: { netFen: 0 } },
    ])
    expect(inWords('门店对比', figures, 'fen')).toBe('门店对比：一号店 ¥1,234.56，二号店 ¥0.00')
    expect(inWords('新增会员', [{ label: '12-01', value: 3 }], 'count')).toBe('新增会员：12-01 3')
  })

  it('keeps axis ticks short: 万 in Chinese, k in English', () => {
    expect(tick(123_400, 'fen', 'zh')).toBe('¥1,234')
    expect(tick(3_500_000, 'fen', 'zh')).toBe('¥3.5万')
    expect(tick(3_500_000, 'fen', 'en')).toBe('¥35k')
    expect(tick(-200_000_000, 'fen', 'zh')).toBe('-¥200万')
    expect(tick(7, 'count', 'zh')).toBe('7')
  })
})
