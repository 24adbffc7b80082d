import { describe, expect, it } from 'vitest'

import { parseYuan, yuan } from './money'

describe('money on screen', () => {
  it('shows fen as yuan with two decimals', () => {
    expect(yuan(0)).toBe('¥0.00')
    expect(yuan(5)).toBe('¥0.05')
    expect(yuan(123456)).toBe('¥1,234.56')
    expect(yuan(-1999)).toBe('-¥19.99')
  })

  it('reads typed yuan back to fen exactly', () => {
    expect(parseYuan('12')).toBe(1200)
    expect(parseYuan('12.3')).toBe(1230)
    expect(parseYuan('0.07')).toBe(7)
    expect(parseYuan('19.99')).toBe(1999)
    expect(parseYuan(' 8. ')).toBe(800)
  })

  it('refuses what is not an amount', () => {
    for (const bad of ['', '-1', '1.234', 'abc', '1e3', '１２']) expect(parseYuan(bad)).toBeNull()
  })
})
