// The new-template form as the manager types it (yuan, 折 or % off, dates in the store's calendar) turned into the
// API's input (fen, basis points, instants), or the fields that cannot be read, under the API's own field names
// so the form shows local problems and the API's userErrors in the same place.
import type { CouponKind, CreateCouponTemplateInput } from '../gql/graphql'
import type { Locale } from '../shell/i18n'
import { parseYuan } from '../shell/money'

export interface DraftForm {
  kind: CouponKind
  title: string
  terms: string
  value: string
  /** 折 in Chinese (8.5 = pay 85%), % off in English (15). */
  percent: string
  cap: string
  minimum: string
  itemId: string
  itemName: string
  validity: 'days' | 'window'
  days: string
  validFrom: string
  validTo: string
  allStores: boolean
  storeIds: string[]
  stock: string
  perMemberLimit: string
  transferable: boolean
}

export type Problem = 'amount' | 'percent' | 'whole' | 'date' | 'required'
export type Problems = Partial<Record<keyof CreateCouponTemplateInput, Problem>>

export function emptyDraft(): DraftForm {
  return {
    kind: 'AMOUNT_OFF',
    title: '',
    terms: '',
    value: '',
    percent: '',
    cap: '',
    minimum: '',
    itemId: '',
    itemName: '',
    validity: 'days',
    days: '30',
    validFrom: '',
    validTo: '',
    allStores: true,
    storeIds: [],
    stock: '',
    perMemberLimit: '1',
    transferable: true,
  }
}

/** Basis points off from what was typed: 折 (0 < x < 10) in Chinese, % off (0 < x < 100) in English. */
export function percentOffBp(text: string, locale: Locale): number | null {
  const match = /^\s*(\d{1,2})(?:\.(\d{1,2}))?\s*$/.exec(text)
  if (!match) return null
  const hundredths = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'))
  const bp = locale === 'zh' ? 10000 - hundredths * 10 : hundredths
  return bp > 0 && bp < 10000 ? bp : null
}

function whole(text: string): number | null {
  return /^\s*\d{1,9}\s*$/.test(text) ? Number(text) : null
}

/** How far `timeZone` is ahead of UTC at `utcMs`, in ms. */
function offsetMs(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(utcMs))
  const n = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value)
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - utcMs
}

/** The instant a calendar day (YYYY-MM-DD) starts in the time zone; `plusDays` moves to a later day's start. */
export function dayStart(date: string, timeZone: string, plusDays = 0): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  if (!match) return null
  const guess = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + plusDays)
  // Twice, in case the first guess fell on the other side of a daylight-saving change.
  const first = guess - offsetMs(guess, timeZone)
  return new Date(guess - offsetMs(first, timeZone)).toISOString()
}

function benefit(form: DraftForm, locale: Locale, problems: Problems): Partial<CreateCouponTemplateInput> {
  const minimum = form.minimum.trim() === '' ? 0 : parseYuan(form.minimum)
  if (minimum === null) problems.minimumSpendFen = 'amount'
  const out: Partial<CreateCouponTemplateInput> = { minimumSpendFen: minimum ?? 0 }
  if (form.kind === 'AMOUNT_OFF' || form.kind === 'EXPERIENCE') {
    const value = parseYuan(form.value)
    if (!value) problems.valueFen = 'amount'
    out.valueFen = value ?? 0
  }
  if (form.kind === 'PERCENT_OFF') {
    const bp = percentOffBp(form.percent, locale)
    if (bp === null) problems.percentOffBp = 'percent'
    out.percentOffBp = bp ?? 0
    const cap = form.cap.trim() === '' ? null : parseYuan(form.cap)
    if (form.cap.trim() !== '' && !cap) problems.capFen = 'amount'
    out.capFen = cap
  }
  if (form.kind === 'GIFT' || form.kind === 'EXPERIENCE') {
    if (!form.itemId) problems.itemId = 'required'
    out.itemId = form.itemId
    out.itemName = form.itemName
  }
  return out
}

function validity(form: DraftForm, timeZone: string, problems: Problems): Partial<CreateCouponTemplateInput> {
  if (form.validity === 'days') {
    const days = whole(form.days)
    if (!days) problems.validDays = 'whole'
    return { validDays: days ?? 0 }
  }
  const from = dayStart(form.validFrom, timeZone)
  // The last day counts in full: the window ends when the next day starts.
  const to = dayStart(form.validTo, timeZone, 1)
  if (!from) problems.validFrom = 'date'
  if (!to) problems.validTo = 'date'
  return { validFrom: from, validTo: to }
}

export function toInput(
  form: DraftForm,
  locale: Locale,
  timeZone: string,
): { input: CreateCouponTemplateInput } | { problems: Problems } {
  const problems: Problems = {}
  if (!form.title.trim()) problems.title = 'required'
  const stock = form.stock.trim() === '' ? null : whole(form.stock)
  if (form.stock.trim() !== '' && !stock) problems.stock = 'whole'
  const limit = whole(form.perMemberLimit)
  if (!limit) problems.perMemberLimit = 'whole'
  if (!form.allStores && form.storeIds.length === 0) problems.storeIds = 'required'
  const input: CreateCouponTemplateInput = {
    kind: form.kind,
    title: form.title.trim(),
    terms: form.terms.trim(),
    ...benefit(form, locale, problems),
    ...validity(form, timeZone, problems),
    allStores: form.allStores,
    storeIds: form.allStores ? [] : form.storeIds,
    stock,
    perMemberLimit: limit ?? 1,
    transferable: form.transferable,
  }
  return Object.keys(problems).length > 0 ? { problems } : { input }
}
