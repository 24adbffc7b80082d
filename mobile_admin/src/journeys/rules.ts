// The journey rules as the owner edits them: each kind's days (with its range, as the API's contract says), the
// coupon template the coupon journeys give, the control share; the form's draft and the API's input, checks before
// sending, and the API's userErrors placed under the rule and field they name.
import type { JourneyKind, JourneyRuleInput } from '../gql/graphql'
import type { UserError } from '../shell/mutations'

export type Field = 'days' | 'controlPercent' | 'templateId'

/** Every kind in the order the screen lists them. */
export const KINDS: readonly JourneyKind[] = ['WIN_BACK', 'THANK_YOU', 'EXPIRY_REMINDER']
export const DAYS: Record<JourneyKind, readonly [number, number]> = {
  WIN_BACK: [7, 365],
  THANK_YOU: [1, 90],
  EXPIRY_REMINDER: [1, 30],
}
export const GIVES_COUPON: readonly JourneyKind[] = ['WIN_BACK', 'THANK_YOU']
export const MAX_CONTROL = 50

export interface Rule {
  kind: JourneyKind
  enabled: boolean
  days: number
  controlPercent: number
  template?: { id: string; title: string } | null
}

/** A rule as its form holds it: numbers as typed text, the template by id with its title to show. */
export interface Draft {
  kind: JourneyKind
  enabled: boolean
  days: string
  controlPercent: string
  templateId: string | null
  templateTitle: string
}

export type Problem = 'required' | 'days' | 'control' | 'template'

export function toDraft(rule: Rule): Draft {
  return {
    kind: rule.kind,
    enabled: rule.enabled,
    days: String(rule.days),
    controlPercent: String(rule.controlPercent),
    templateId: rule.template?.id ?? null,
    templateTitle: rule.template?.title ?? '',
  }
}

/** Every kind's rule, in screen order (the API lists every kind, a kind never set at its default). */
export function draftsOf(rules: readonly Rule[]): Draft[] {
  return KINDS.flatMap((kind) => {
    const rule = rules.find((r) => r.kind === kind)
    return rule ? [toDraft(rule)] : []
  })
}

function whole(text: string): number | null {
  return /^\s*\d{1,4}\s*$/.test(text) ? Number(text) : null
}

/** The API's input, or what is wrong with each draft (by its index, then field). */
export function toInputs(
  drafts: readonly Draft[],
): { inputs: JourneyRuleInput[] } | { problems: Record<number, Partial<Record<Field, Problem>>> } {
  const problems: Record<number, Partial<Record<Field, Problem>>> = {}
  const inputs = drafts.map((draft, index) => {
    const mine: Partial<Record<Field, Problem>> = {}
    const days = whole(draft.days)
    const [low, high] = DAYS[draft.kind]
    if (!draft.days.trim()) mine.days = 'required'
    else if (days === null || days < low || days > high) mine.days = 'days'
    const control = whole(draft.controlPercent)
    if (!draft.controlPercent.trim()) mine.controlPercent = 'required'
    else if (control === null || control > MAX_CONTROL) mine.controlPercent = 'control'
    const coupon = GIVES_COUPON.includes(draft.kind)
    if (coupon && draft.enabled && !draft.templateId) mine.templateId = 'template'
    if (Object.keys(mine).length) problems[index] = mine
    const input: JourneyRuleInput = {
      kind: draft.kind,
      enabled: draft.enabled,
      days: days ?? 0,
      controlPercent: control ?? 0,
    }
    if (coupon) input.templateId = draft.templateId
    return input
  })
  return Object.keys(problems).length ? { problems } : { inputs }
}

/** userErrors from setJourneyRules placed by rule and field: "rules.1.days" under that rule's days; a code about
 * the rule itself ("rules.1.kind") under the rule; anything else under ''. */
export function placeRuleErrors(errors: readonly UserError[], drafts: readonly Draft[]): Record<string, string> {
  const out: Record<string, string> = {}
  const put = (key: string, message: string) => (out[key] = out[key] ? `${out[key]}；${message}` : message)
  for (const e of errors) {
    const found = /rules\D*(\d+)\D*?(days|controlPercent|templateId)?$/.exec(e.field ?? '')
    const draft = found?.[1] !== undefined ? drafts[Number(found[1])] : undefined
    if (draft) put(found?.[2] ? `${draft.kind}.${found[2]}` : draft.kind, e.message)
    else put('', e.message)
  }
  return out
}
