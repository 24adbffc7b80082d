import { describe, expect, it } from 'vitest'

import { adjustmentAmount } from './adjust'

describe('a balance adjustment’s amount', () => {
  it('sends stored value typed in yuan as signed fen', () => {
    expect(adjustmentAmount('STORED_VALUE', 'ADD', '50')).toBe(5000)
    expect(adjustmentAmount('STORED_VALUE', 'DEDUCT', '12.34')).toBe(-1234)
  })

  it('sends points as signed whole points', () => {
    expect(adjustmentAmount('POINTS', 'ADD', '200')).toBe(200)
    expect(adjustmentAmount('POINTS', 'DEDUCT', ' 30 ')).toBe(-30)
  })

  it('refuses what is no amount before the API is asked', () => {
    expect(adjustmentAmount('POINTS', 'ADD', '1.5')).toBeNull()
    expect(adjustmentAmount('POINTS', 'ADD', '0')).toBeNull()
    expect(adjustmentAmount('STORED_VALUE', 'ADD', '0.00')).toBeNull()
    expect(adjustmentAmount('STORED_VALUE', 'DEDUCT', '-5')).toBeNull()
    expect(adjustmentAmount('STORED_VALUE', 'ADD', '')).toBeNull()
  })
})
