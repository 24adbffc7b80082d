import { describe, expect, it } from 'vitest'

import { hours, overbooked, utilizationWidth } from './booking'

describe('minutes read as hours', () => {
  it('keeps one decimal at most', () => {
    expect(hours(720)).toBe('12')
    expect(hours(90)).toBe('1.5')
    expect(hours(100)).toBe('1.7')
    expect(hours(0)).toBe('0')
  })
})

describe('the utilization bar', () => {
  it('is booked of scheduled', () => {
    expect(utilizationWidth(120, 720)).toBeCloseTo(16.667, 2)
    expect(utilizationWidth(0, 480)).toBe(0)
  })

  it('fills for bookings beyond the schedule or with no schedule at all, and says so', () => {
    expect(utilizationWidth(900, 720)).toBe(100)
    expect(utilizationWidth(60, 0)).toBe(100)
    expect(utilizationWidth(0, 0)).toBe(0)
    expect(overbooked(60, 0)).toBe(true)
    expect(overbooked(720, 720)).toBe(false)
  })
})
