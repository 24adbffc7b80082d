import { describe, expect, it } from 'vitest'

import { balanceText, signedAmount } from './ledger'

describe('a ledger line’s amount', () => {
  it('shows stored value in yuan with its sign', () => {
    expect(signedAmount('STORED_VALUE', 1050)).toBe('+¥10.50')
    expect(signedAmount('STORED_VALUE', -1999)).toBe('-¥19.99')
    expect(balanceText('STORED_VALUE', 123456)).toBe('¥1,234.56')
  })

  it('shows points and count-card uses as plain signed numbers', () => {
    expect(signedAmount('POINTS', 120)).toBe('+120')
    expect(signedAmount('POINTS', -30)).toBe('-30')
    expect(signedAmount('COUNT', -1)).toBe('-1')
    expect(balanceText('POINTS', 980)).toBe('980')
  })
})
