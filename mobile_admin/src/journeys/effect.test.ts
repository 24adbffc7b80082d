import { describe, expect, it } from 'vitest'

import { points, rows, upliftText } from './effect'

const EFFECT = {
  treatment: { members: 2, sent: 2, delivered: 0, opened: 1, redeemed: 0, paidMembers: 1, revenueFen: 10_000 },
  control: { members: 2, sent: 0, delivered: 0, opened: 0, redeemed: 0, paidMembers: 1, revenueFen: 3_000 },
  uplift: {
    rateDiff: 0,
    rateLow: -0.98,
    rateHigh: 0.98,
    revenuePerMemberDiffFen: 3500,
    revenueLowFen: -6731.6,
    revenueHighFen: 13731.6,
  },
}

describe('journey effect', () => {
  it('sets the groups side by side, the paid share in % and money in yuan', () => {
    expect(rows(EFFECT)).toEqual([
      { row: 'members', cells: ['2', '2'] },
      { row: 'sent', cells: ['2', '0'] },
      { row: 'opened', cells: ['1', '0'] },
      { row: 'redeemed', cells: ['0', '0'] },
      { row: 'paid', cells: ['1 (50%)', '1 (50%)'] },
      { row: 'revenue', cells: ['¥100.00', '¥30.00'] },
    ])
  })

  it('says the uplift in signed points and yuan per member, with its interval', () => {
    expect(upliftText(EFFECT)).toEqual({
      rate: '0.0',
      rateRange: '-98.0 ~ +98.0',
      revenue: '+¥35.00',
      revenueRange: '-¥67.32 ~ +¥137.32',
    })
    expect(points(0.0549)).toBe('+5.5')
  })

  it('has no uplift while a group is empty', () => {
    expect(upliftText({ ...EFFECT, uplift: null })).toBeNull()
  })
})
