import { describe, expect, it } from 'vitest'

import { keepsChanging, paidRate, perMemberFigures, perMemberFen, signedRate, signedYuan } from './effect'

const treatment = { members: 900, paidMembers: 180, revenueFen: 2_700_000 }
const control = { members: 100, paidMembers: 12, revenueFen: 150_050 }

describe('a campaign effect on screen', () => {
  it('shows each group as a paid rate and revenue per member', () => {
    expect(paidRate(treatment)).toBe('20.0%')
    expect(paidRate(control)).toBe('12.0%')
    expect(paidRate({ members: 0, paidMembers: 0, revenueFen: 0 })).toBe('0.0%')
    expect(perMemberFen(control)).toBe(1501)
  })

  it('compares the groups in bars, treatment first', () => {
    expect(perMemberFigures(treatment, control, { treatment: '实验组', control: '对照组' })).toEqual([
      { label: '实验组', value: 3000 },
      { label: '对照组', value: 1501 },
    ])
  })

  it('signs the uplift', () => {
    expect(signedRate(0.08)).toBe('+8.0%')
    expect(signedRate(-0.0249)).toBe('-2.5%')
    expect(signedYuan(1499.4)).toBe('+¥14.99')
    expect(signedYuan(-20)).toBe('-¥0.20')
  })

  it('keeps polling only while the worker may still change it', () => {
    expect(['DRAFT', 'SCHEDULED', 'SENDING', 'SENT', 'CANCELLED'].map(keepsChanging)).toEqual([
      false,
      true,
      true,
      false,
      false,
    ])
  })
})
