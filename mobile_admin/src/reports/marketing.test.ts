import { describe, expect, it } from 'vitest'

import { firstRows, redeemedWidth, shareOfSent } from './marketing'

const funnel = (issued: number, redeemed: number) => ({ issued, forwarded: 0, claimed: 0, redeemed, revenueFen: 0 })

describe('the first templates and 更多', () => {
  const rows = ['a', 'b', 'c', 'd', 'e', 'f', 'g']

  it('shows the first five and counts the rest behind 更多', () => {
    expect(firstRows(rows, false)).toEqual({ shown: ['a', 'b', 'c', 'd', 'e'], more: 2 })
  })

  it('shows every row once opened, and nothing to open when they all fit', () => {
    expect(firstRows(rows, true)).toEqual({ shown: rows, more: 0 })
    expect(firstRows(rows.slice(0, 5), false)).toEqual({ shown: rows.slice(0, 5), more: 0 })
    expect(firstRows([], false)).toEqual({ shown: [], more: 0 })
  })
})

describe('a step as a share of the coupons sent', () => {
  it('is a percentage with one decimal', () => {
    expect(shareOfSent(1, 12)).toBe(8.3)
    expect(shareOfSent(2, 3)).toBe(66.7)
    expect(shareOfSent(12, 12)).toBe(100)
  })

  it('is no figure when none were sent in the range', () => {
    expect(shareOfSent(3, 0)).toBeNull()
  })
})

describe('the redemption bar', () => {
  it('is redeemed of sent, filled at most', () => {
    expect(redeemedWidth(funnel(10, 1))).toBe(10)
    expect(redeemedWidth(funnel(2, 5))).toBe(100)
  })

  it('is full for redemptions of coupons sent before the range, empty for nothing at all', () => {
    expect(redeemedWidth(funnel(0, 2))).toBe(100)
    expect(redeemedWidth(funnel(0, 0))).toBe(0)
  })
})
