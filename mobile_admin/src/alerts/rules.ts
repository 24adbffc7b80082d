// The alert rules as the owner edits them: which parameters each kind takes (percent, hour, count, an amount typed
// in yuan and sent in fen), the form's draft and the API's input, checks before sending, and the API's userErrors
// placed under the rule and parameter they name. Also how an alert's figures read.
import type { AlertFigureUnit, AlertKind, AlertRuleInput } from '../gql/graphql'
import { yuan, parseYuan } from '../shell/money'
import type { UserError } from '../shell/mutations'

export type Param = 'percent' | 'hour' | 'count' | 'amountFen'

/** Every kind in the order the screen lists them, with the parameters it takes (as the API's contract says). */
export const KINDS: readonly AlertKind[] = [
  'REFUNDS_HIGH',
  'TAKINGS_LOW',
  'PAYMENT_FLAGGED',
  'DEAD_LETTERS',
  'COMMISSION_SPIKE',
  'STORED_VALUE_OWED',
]
export const PARAMS: Record<AlertKind, readonly Param[]> = {
  REFUNDS_HIGH: ['percent', 'amountFen'],
  TAKINGS_LOW: ['percent', 'hour'],
  PAYMENT_FLAGGED: [],
  DEAD_LETTERS: ['count'],
  COMMISSION_SPIKE: ['percent', 'amountFen'],
  STORED_VALUE_OWED: ['amountFen'],
}

export interface Rule {
  kind: AlertKind
  enabled: boolean
  percent?: number | null
  hour?: number | null
  count?: number | null
  amountFen?: number | null
}

/** A rule as its form holds it: every parameter as typed text (the amount in yuan). */
export interface Draft {
  kind: AlertKind
  enabled: boolean
  percent: string
  hour: string
  count: string
  amountFen: string
}

export type Problem = 'required' | 'whole' | 'hour' | 'amount'

export function toDraft(rule: Rule): Draft {
  const text = (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n))
  const amount = rule.amountFen
  return {
    kind: rule.kind,
    enabled: rule.enabled,
    percent: text(rule.percent),
    hour: text(rule.hour),
    count: text(rule.count),
    // Yuan without the sign and separators: what the owner would type back.
    amountFen: amount === null || amount === undefined ? '' : yuan(amount).replace(/[¥,]/g, ''),
  }
}

/** Every kind's rule, in screen order: the API's where it has one, else off with no parameters. */
export function draftsOf(rules: readonly Rule[]): Draft[] {
  return KINDS.map((kind) => toDraft(rules.find((r) => r.kind === kind) ?? { kind, enabled: false }))
}

function whole(text: string): number | null {
  return /^\s*\d{1,9}\s*$/.test(text) ? Number(text) : null
}

/** The API's input, or what is wrong with each draft (by its index, then parameter). A switched-off rule keeps
 * whatever parameters it has and is not checked: only a rule that will fire needs them. */
export function toInputs(
  drafts: readonly Draft[],
): { inputs: AlertRuleInput[] } | { problems: Record<number, Partial<Record<Param, Problem>>> } {
  const problems: Record<number, Partial<Record<Param, Problem>>> = {}
  const inputs = drafts.map((draft, index) => {
    const input: AlertRuleInput = { kind: draft.kind, enabled: draft.enabled }
    const mine: Partial<Record<Param, Problem>> = {}
    for (const param of PARAMS[draft.kind]) {
      const text = draft[param].trim()
      if (!text) {
        if (draft.enabled) mine[param] = 'required'
        continue
      }
      const value = param === 'amountFen' ? parseYuan(text) : whole(text)
      if (value === null) mine[param] = param === 'amountFen' ? 'amount' : 'whole'
      else if (param === 'hour' && value > 23) mine[param] = 'hour'
      else input[param] = value
    }
    if (Object.keys(mine).length) problems[index] = mine
    return input
  })
  return Object.keys(problems).length ? { problems } : { inputs }
}

/** userErrors from setAlertRules placed by rule and parameter: "rules.2.percent" (or "rules[2].percent") under
 * that rule's field, a bare parameter name under the only enabled rule that has it; anything else under ''. */
export function placeRuleErrors(
  errors: readonly UserError[],
  drafts: readonly Draft[],
): Record<string, string> {
  const out: Record<string, string> = {}
  const put = (key: string, message: string) => (out[key] = out[key] ? `${out[key]}；${message}` : message)
  for (const e of errors) {
    const field = e.field ?? ''
    const indexed = /(\d+)\D*?(percent|hour|count|amountFen)?$/.exec(field)
    const param = /(percent|hour|count|amountFen)$/.exec(field)?.[1] as Param | undefined
    if (indexed?.[1] !== undefined && drafts[Number(indexed[1])]) {
      const kind = drafts[Number(indexed[1])]!.kind
      put(param ? `${kind}.${param}` : kind, e.message)
      continue
    }
    const having = param ? drafts.filter((d) => d.enabled && PARAMS[d.kind].includes(param)) : []
    if (param && having.length === 1) put(`${having[0]!.kind}.${param}`, e.message)
    else put('', e.message)
  }
  return out
}

/** An alert's figure as it reads: money in yuan, a share with %, a count as is. */
export function figureText(value: number, unit: AlertFigureUnit): string {
  if (unit === 'FEN') return yuan(value)
  if (unit === 'PERCENT') return `${value}%`
  return value.toLocaleString('en-US')
}
