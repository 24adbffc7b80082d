import { describe, expect, it } from 'vitest'

import { draftsOf, placeRuleErrors, toInputs } from './rules'

const API_RULES = [
  { kind: 'WIN_BACK' as const, enabled: true, days: 60, controlPercent: 10, template: { id: 'T1', title: '回来有礼' } },
  { kind: 'THANK_YOU' as const, enabled: false, days: 3, controlPercent: 10, template: null },
  { kind: 'EXPIRY_REMINDER' as const, enabled: true, days: 3, controlPercent: 0, template: null },
]

describe('journey rules', () => {
  it('lists every kind in screen order with its coupon', () => {
    const drafts = draftsOf([...API_RULES].reverse())
    expect(drafts.map((d) => d.kind)).toEqual(['WIN_BACK', 'THANK_YOU', 'EXPIRY_REMINDER'])
    expect(drafts[0]).toMatchObject({ days: '60', controlPercent: '10', templateId: 'T1', templateTitle: '回来有礼' })
  })

  it('sends numbers, and a template only for the kinds that give a coupon', () => {
    const drafts = draftsOf(API_RULES)
    drafts[1] = { ...drafts[1]!, enabled: true, days: '5', templateId: 'T2' }
    expect(toInputs(drafts)).toEqual({
      inputs: [
        { kind: 'WIN_BACK', enabled: true, days: 60, controlPercent: 10, templateId: 'T1' },
        { kind: 'THANK_YOU', enabled: true, days: 5, controlPercent: 10, templateId: 'T2' },
        { kind: 'EXPIRY_REMINDER', enabled: true, days: 3, controlPercent: 0 },
      ],
    })
  })

  it('says what is out of range or missing before sending', () => {
    const drafts = draftsOf(API_RULES)
    drafts[0] = { ...drafts[0]!, days: '6', controlPercent: '51' }
    drafts[1] = { ...drafts[1]!, enabled: true, days: '' }
    drafts[2] = { ...drafts[2]!, days: '31' }
    expect(toInputs(drafts)).toEqual({
      problems: {
        0: { days: 'days', controlPercent: 'control' },
        1: { days: 'required', templateId: 'template' },
        2: { days: 'days' },
      },
    })
  })

  it("places the API's refusals under the rule and field they name", () => {
    const drafts = draftsOf(API_RULES)
    const errors = [
      { field: 'rules.0.templateId', code: 'COUPON_TEMPLATE_PAUSED', message: '券已暂停发放' },
      { field: 'rules.2.kind', code: 'JOURNEY_RULE_DUPLICATE', message: '每种关怀只能设置一次' },
      { field: null, code: 'X', message: '出错了' },
    ]
    expect(placeRuleErrors(errors, drafts)).toEqual({
      'WIN_BACK.templateId': '券已暂停发放',
      EXPIRY_REMINDER: '每种关怀只能设置一次',
      '': '出错了',
    })
  })
})
