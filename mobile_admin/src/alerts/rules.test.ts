import { describe, expect, it } from 'vitest'

import { follow } from './link'
import { draftsOf, figureText, placeRuleErrors, toInputs } from './rules'

describe('alert rules', () => {
  it('lists every kind, the unset ones off', () => {
    const drafts = draftsOf([{ kind: 'STORED_VALUE_OWED', enabled: true, amountFen: 5_000_000 }])
    expect(drafts.map((d) => d.kind)).toEqual([
      'REFUNDS_HIGH',
      'TAKINGS_LOW',
      'PAYMENT_FLAGGED',
      'DEAD_LETTERS',
      'COMMISSION_SPIKE',
      'STORED_VALUE_OWED',
    ])
    expect(drafts[0]).toMatchObject({ enabled: false, percent: '', amountFen: '' })
    expect(drafts[5]).toMatchObject({ enabled: true, amountFen: '50000.00' })
  })

  it('sends amounts in fen and only the parameters a kind takes', () => {
    const drafts = draftsOf([])
    drafts[0] = { ...drafts[0]!, enabled: true, percent: '20', amountFen: '500', hour: '9' }
    drafts[1] = { ...drafts[1]!, enabled: true, percent: '60', hour: '15' }
    drafts[2] = { ...drafts[2]!, enabled: true }
    const made = toInputs(drafts)
    expect('inputs' in made && made.inputs.slice(0, 3)).toEqual([
      { kind: 'REFUNDS_HIGH', enabled: true, percent: 20, amountFen: 50_000 },
      { kind: 'TAKINGS_LOW', enabled: true, percent: 60, hour: 15 },
      { kind: 'PAYMENT_FLAGGED', enabled: true },
    ])
  })

  it('says what is missing or unreadable on a rule that is on, and lets an off rule be', () => {
    const drafts = draftsOf([])
    drafts[0] = { ...drafts[0]!, enabled: true, percent: '', amountFen: '12.345' }
    drafts[1] = { ...drafts[1]!, enabled: true, percent: '60', hour: '24' }
    drafts[3] = { ...drafts[3]!, enabled: false, count: '' }
    expect(toInputs(drafts)).toEqual({
      problems: { 0: { percent: 'required', amountFen: 'amount' }, 1: { hour: 'hour' } },
    })
  })

  it("places the API's refusals under the rule and parameter they name", () => {
    const drafts = draftsOf([])
    drafts[1] = { ...drafts[1]!, enabled: true }
    const placed = placeRuleErrors(
      [
        { field: 'rules.1.hour', code: 'INVALID', message: '钟点须在 0–23' },
        { field: 'rules[0].percent', code: 'INVALID', message: '比例须在 1–100' },
        { field: 'hour', code: 'INVALID', message: '只有一条规则有钟点' },
        { field: null, code: 'FORBIDDEN', message: '只有店主可以修改' },
      ],
      drafts,
    )
    expect(placed).toEqual({
      'TAKINGS_LOW.hour': '钟点须在 0–23；只有一条规则有钟点',
      'REFUNDS_HIGH.percent': '比例须在 1–100',
      '': '只有店主可以修改',
    })
  })

  it("reads an alert's figures in yuan, percent or count", () => {
    expect(figureText(123_400, 'FEN')).toBe('¥1,234.00')
    expect(figureText(35, 'PERCENT')).toBe('35%')
    expect(figureText(1200, 'COUNT')).toBe('1,200')
  })

  it("opens an alert's list at its store, except the reports, which take the store themselves", () => {
    expect(follow('/orders?status=REFUNDED&storeId=S2', ['S1', 'S2'])).toEqual({
      path: '/orders?status=REFUNDED&storeId=S2',
      storeId: 'S2',
    })
    expect(follow('/reports?storeId=S2&from=2026-12-05&to=2026-12-05', ['S2']).storeId).toBeNull()
    expect(follow('/orders?storeId=S9', ['S1']).storeId).toBeNull()
    expect(follow('/dead-letters', ['S1'])).toEqual({ path: '/dead-letters', storeId: null })
  })
})
