// The dashboard's charts as data: the API's figures turned into labelled values (kept in fen or counts, shown in
// yuan), the ECharts option that draws them on a phone, and the same values in words for a screen reader (and a
// test) to read. Only types come from echarts here: the library itself stays in the chart's own chunk.
import type {
  BarSeriesOption,
  ComposeOption,
  GridComponentOption,
  LineSeriesOption,
  TooltipComponentOption,
} from 'echarts'

import type { ReportPaymentMethod, ReportPeriod } from '../gql/graphql'
import type { Locale } from '../shell/i18n'
import { yuan } from '../shell/money'

export type ChartOption = ComposeOption<
  BarSeriesOption | LineSeriesOption | GridComponentOption | TooltipComponentOption
>
export type Unit = 'fen' | 'count'

export interface Figure {
  label: string
  value: number
}

export const PRIMARY = '#1989fa'
const MUTED = '#969799'
const RULE = '#ebedf0'
const METHOD_COLOURS: Record<ReportPaymentMethod, string> = {
  WECHAT_PAY: '#07c160',
  ALIPAY: '#1677ff',
  STORED_VALUE_PAID: '#ff976a',
  STORED_VALUE_BONUS: '#ffc069',
  CASH: '#7232dd',
}

/** A bucket's first day as its axis label: 12-05 for a day or the week starting then, 2026-12 for a month. */
export function bucketLabel(start: string, period: ReportPeriod): string {
  return period === 'MONTH' ? start.slice(0, 7) : start.slice(5)
}

export function trendFigures(trend: readonly { start: string; netFen: number }[], period: ReportPeriod): Figure[] {
  return trend.map((p) => ({ label: bucketLabel(p.start, period), value: p.netFen }))
}

export function growthFigures(
  growth: readonly { start: string; newMembers: number }[],
  period: ReportPeriod,
): Figure[] {
  return growth.map((p) => ({ label: bucketLabel(p.start, period), value: p.newMembers }))
}

export function methodFigures(
  methods: readonly { method: ReportPaymentMethod; netFen: number }[],
  name: (method: ReportPaymentMethod) => string,
): Figure[] {
  return methods.map((m) => ({ label: name(m.method), value: m.netFen }))
}

export function storeFigures(stores: readonly { store: { name: string }; takings: { netFen: number } }[]): Figure[] {
  return stores.map((s) => ({ label: s.store.name, value: s.takings.netFen }))
}

/** A value as it is shown: yuan for money, a plain count otherwise. */
export function shown(value: number, unit: Unit): string {
  return unit === 'fen' ? yuan(value) : String(value)
}

/** An axis tick, short enough for a phone: ¥1,200 / ¥3.5万 (zh) or ¥35k (en); counts as they are. */
export function tick(value: number, unit: Unit, locale: Locale): string {
  if (unit === 'count') return String(value)
  const whole = Math.round(value / 100)
  const abs = Math.abs(whole)
  const sign = whole < 0 ? '-' : ''
  if (locale === 'zh' && abs >= 10_000) return `${sign}¥${trim(abs / 10_000)}万`
  if (locale === 'en' && abs >= 1_000) return `${sign}¥${trim(abs / 1_000)}k`
  return `${sign}¥${abs.toLocaleString('en-US')}`
}

function trim(n: number): string {
  return n.toFixed(1).replace(/\.0$/, '')
}

/** The chart in words: its title, then each label with its shown value. */
export function inWords(title: string, figures: readonly Figure[], unit: Unit): string {
  return `${title}：${figures.map((f) => `${f.label} ${shown(f.value, unit)}`).join('，')}`
}

const TEXT = { color: MUTED, fontSize: 11 }

/** What a chart over buckets shares, line or columns: the axes, labels thinned so at most ~7 fit across a phone. */
function overBuckets(
  figures: readonly Figure[],
  unit: Unit,
  locale: Locale,
  chart: { top: number; boundaryGap: boolean; series: ChartOption['series'] },
): ChartOption {
  const every = Math.max(0, Math.ceil(figures.length / 7) - 1)
  return {
    animation: false,
    grid: { left: 8, right: 16, top: chart.top, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', confine: true, valueFormatter: (v) => shown(Number(v), unit) },
    xAxis: {
      type: 'category',
      boundaryGap: chart.boundaryGap,
      data: figures.map((f) => f.label),
      axisLabel: { ...TEXT, interval: every },
      axisLine: { lineStyle: { color: RULE } },
      axisTick: { show: false },
    },
    yAxis: {
      type: 'value',
      minInterval: unit === 'fen' ? 100 : 1,
      axisLabel: { ...TEXT, formatter: (v: number) => tick(v, unit, locale) },
      splitLine: { lineStyle: { color: RULE } },
    },
    series: chart.series,
  }
}

/** A trend over buckets: a line with its area. */
export function lineOption(figures: readonly Figure[], unit: Unit, locale: Locale): ChartOption {
  return overBuckets(figures, unit, locale, {
    top: 16,
    boundaryGap: false,
    series: [
      {
        type: 'line',
        data: figures.map((f) => f.value),
        // Straight segments: a smoothed curve overshoots between buckets and would draw takings that never were.
        smooth: false,
        symbol: 'circle',
        symbolSize: 5,
        showSymbol: figures.length <= 14,
        lineStyle: { width: 2, color: PRIMARY },
        itemStyle: { color: PRIMARY },
        areaStyle: { color: 'rgba(25, 137, 250, 0.12)' },
      },
    ],
  })
}

/** Columns over buckets (new members per day): counts on top when few enough to read. */
export function columnOption(figures: readonly Figure[], unit: Unit, locale: Locale): ChartOption {
  return overBuckets(figures, unit, locale, {
    top: 20,
    boundaryGap: true,
    series: [
      {
        type: 'bar',
        data: figures.map((f) => f.value),
        barMaxWidth: 18,
        itemStyle: { color: PRIMARY, borderRadius: [3, 3, 0, 0] },
        label: {
          show: figures.length <= 10,
          position: 'top',
          ...TEXT,
          // A row of zeros along the axis is noise; the empty column says it.
          formatter: (p) => (Number(p.value) === 0 ? '' : shown(Number(p.value), unit)),
        },
      },
    ],
  })
}

/** Named bars across the phone, largest first as given, each with its value at its end: payment methods, stores. */
export function barsOption(figures: readonly Figure[], unit: Unit, colours?: readonly string[]): ChartOption {
  return {
    animation: false,
    grid: { left: 8, right: 76, top: 4, bottom: 4, containLabel: true },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      confine: true,
      valueFormatter: (v) => shown(Number(v), unit),
    },
    xAxis: { type: 'value', show: false, max: (extent) => Math.max(extent.max, 1) },
    yAxis: {
      type: 'category',
      inverse: true,
      data: figures.map((f) => f.label),
      axisLabel: { color: '#323233', fontSize: 12, width: 84, overflow: 'truncate' },
      axisLine: { show: false },
      axisTick: { show: false },
    },
    series: [
      {
        type: 'bar',
        data: figures.map((f, i) => ({ value: f.value, itemStyle: { color: colours?.[i] ?? PRIMARY } })),
        barMaxWidth: 16,
        showBackground: true,
        backgroundStyle: { color: '#f7f8fa', borderRadius: 8 },
        itemStyle: { borderRadius: 8 },
        label: {
          show: true,
          position: 'right',
          color: '#323233',
          fontSize: 12,
          formatter: (p) => shown(Number(p.value), unit),
        },
      },
    ],
  }
}

/** Each payment method in its own brand-ish colour, in the API's (enum) order. */
export function methodColours(methods: readonly { method: ReportPaymentMethod }[]): string[] {
  return methods.map((m) => METHOD_COLOURS[m.method])
}

/** Bar height for n named bars: each bar gets a readable row, whatever the count. */
export function barsHeight(n: number): number {
  return Math.max(80, n * 36 + 16)
}
