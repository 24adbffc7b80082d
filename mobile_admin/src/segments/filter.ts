// A segment's filter as the manager builds it (amounts typed in yuan, numbers as typed text, RFM as the scores
// wanted on each of R, F and M) and the API's SegmentFilterInput (fen, integers, bucket names): both ways, checks
// before sending, and the API's userErrors placed under the control for the field they name.
import type { MemberSource, SegmentFilterInput, SegmentFilterView } from '../gql/graphql'
import { parseYuan, yuan } from '../shell/money'
import type { UserError } from '../shell/mutations'

export const SOURCES: readonly MemberSource[] = ['SHARE_LINK', 'PACK', 'FORWARD', 'STAFF_CODE', 'NONE']
export const SCORES = [1, 2, 3, 4, 5] as const
// The API takes at most this many buckets.
export const MAX_BUCKETS = 50

type Whole = 'daysSincePaidMin' | 'daysSincePaidMax' | 'visitsInDays' | 'visitsMin' | 'birthdayMonth' | 'countUsesMin'
type Amount = 'lifetimePaidMinFen' | 'lifetimePaidMaxFen' | 'storedValueMinFen'
export const WHOLE: readonly Whole[] = [
  'daysSincePaidMin',
  'daysSincePaidMax',
  'visitsInDays',
  'visitsMin',
  'birthdayMonth',
  'countUsesMin',
]
export const AMOUNTS: readonly Amount[] = ['lifetimePaidMinFen', 'lifetimePaidMaxFen', 'storedValueMinFen']

export interface Draft extends Record<Whole | Amount, string> {
  levelIds: string[]
  tagsAll: string[]
  sources: MemberSource[]
  homeStoreId: string
  // Kept from a saved segment (the screen has no control for it), so saving does not drop it.
  broughtById: string
  r: number[]
  f: number[]
  m: number[]
}

export type Field = keyof Draft | 'rfm'
export type Problem = 'whole' | 'amount' | 'rfmTooWide'

export function emptyDraft(): Draft {
  return {
    levelIds: [],
    tagsAll: [],
    sources: [],
    homeStoreId: '',
    broughtById: '',
    daysSincePaidMin: '',
    daysSincePaidMax: '',
    visitsInDays: '',
    visitsMin: '',
    birthdayMonth: '',
    countUsesMin: '',
    lifetimePaidMinFen: '',
    lifetimePaidMaxFen: '',
    storedValueMinFen: '',
    r: [],
    f: [],
    m: [],
  }
}

/** The buckets of the scores picked; a letter with none picked takes every score. None when nothing is picked. */
export function buckets(draft: Pick<Draft, 'r' | 'f' | 'm'>): string[] {
  if (!draft.r.length && !draft.f.length && !draft.m.length) return []
  const all = (picked: number[]) => (picked.length ? [...picked].sort((a, b) => a - b) : [...SCORES])
  const out: string[] = []
  for (const r of all(draft.r)) for (const f of all(draft.f)) for (const m of all(draft.m)) out.push(`R${r}F${f}M${m}`)
  return out
}

/** The API's filter, or what cannot be read under each field. Empty controls do not filter. */
export function toInput(draft: Draft): { input: SegmentFilterInput } | { problems: Partial<Record<Field, Problem>> } {
  const input: SegmentFilterInput = {}
  const problems: Partial<Record<Field, Problem>> = {}
  for (const name of WHOLE) {
    const text = draft[name].trim()
    if (!text) continue
    if (/^\d{1,6}$/.test(text)) input[name] = Number(text)
    else problems[name] = 'whole'
  }
  for (const name of AMOUNTS) {
    const text = draft[name].trim()
    if (!text) continue
    const fen = parseYuan(text)
    if (fen === null) problems[name] = 'amount'
    else input[name] = fen
  }
  if (draft.levelIds.length) input.levelIds = [...draft.levelIds]
  if (draft.tagsAll.length) input.tagsAll = [...draft.tagsAll]
  if (draft.sources.length) input.sources = [...draft.sources]
  if (draft.homeStoreId) input.homeStoreId = draft.homeStoreId
  if (draft.broughtById) input.broughtById = draft.broughtById
  const rfm = buckets(draft)
  if (rfm.length > MAX_BUCKETS) problems.rfm = 'rfmTooWide'
  else if (rfm.length) input.rfm = rfm
  return Object.keys(problems).length ? { problems } : { input }
}

/** A saved filter back in the form: fen as yuan, buckets as the scores they use on each letter. */
export function fromView(view: SegmentFilterView): Draft {
  const draft = emptyDraft()
  for (const name of WHOLE) draft[name] = view[name] === null || view[name] === undefined ? '' : String(view[name])
  for (const name of AMOUNTS) {
    const fen = view[name]
    draft[name] = fen === null || fen === undefined ? '' : yuan(fen).replace(/[¥,]/g, '')
  }
  draft.levelIds = [...(view.levelIds ?? [])]
  draft.tagsAll = [...(view.tagsAll ?? [])]
  draft.sources = [...(view.sources ?? [])]
  draft.homeStoreId = view.homeStoreId ?? ''
  draft.broughtById = view.broughtById ?? ''
  const scores = (letter: 'R' | 'F' | 'M') => {
    const used = new Set((view.rfm ?? []).map((b) => Number(b.charAt(b.indexOf(letter) + 1))))
    // Every score used reads as "any", the form's way of saying it.
    return used.size === SCORES.length ? [] : [...used].sort((a, b) => a - b)
  }
  draft.r = scores('R')
  draft.f = scores('F')
  draft.m = scores('M')
  return draft
}

// The domain names one field by its own word; everything else is the input's field name.
const FIELD_OF: Record<string, Field> = { levels: 'levelIds' }

/** The API's userErrors by the control they belong under; anything else (no field, or one the form has no
 * control for) under ''. */
export function placeErrors(errors: readonly UserError[], shown: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const e of errors) {
    const name = e.field ? (FIELD_OF[e.field] ?? e.field) : ''
    const key = shown.includes(name) ? name : ''
    out[key] = out[key] ? `${out[key]}；${e.message}` : e.message
  }
  return out
}
