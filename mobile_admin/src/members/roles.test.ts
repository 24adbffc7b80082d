import { describe, expect, it } from 'vitest'

import { may } from '../shell/menu'

describe('the member card’s actions, by role, as the API allows them', () => {
  it('lets a cashier report a card lost and use a count card, nothing more', () => {
    expect(may('CASHIER', 'reportCardLost')).toBe(true)
    expect(may('CASHIER', 'useCountCard')).toBe(true)
    expect(may('CASHIER', 'adjustBalance')).toBe(false)
    expect(may('CASHIER', 'reissueCard')).toBe(false)
    expect(may('CASHIER', 'grantCountCard')).toBe(false)
    expect(may('CASHIER', 'referrals')).toBe(false)
  })

  it('lets a manager and the owner do all of it', () => {
    for (const role of ['MANAGER', 'OWNER'] as const) {
      for (const f of ['adjustBalance', 'reportCardLost', 'reissueCard', 'grantCountCard', 'referrals'] as const) {
        expect(may(role, f)).toBe(true)
      }
    }
  })

  it('lets a technician take a use of a count card but not report a card lost', () => {
    expect(may('TECHNICIAN', 'useCountCard')).toBe(true)
    expect(may('TECHNICIAN', 'reportCardLost')).toBe(false)
  })
})
