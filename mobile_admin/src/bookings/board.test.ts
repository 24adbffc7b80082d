import { describe, expect, it } from 'vitest'

import {
  actionsFor,
  addDays,
  boardWindow,
  clock,
  dayTitle,
  hourMarks,
  localParts,
  mineFirst,
  minutesOn,
  place,
  relativeDay,
  rescheduleStaff,
  todayIn,
  usableCountCards,
} from './board'

const SHANGHAI = 'Asia/Shanghai'

describe('store-local days and clocks', () => {
  it('reads a UTC instant as the store sees it', () => {
    expect(localParts('2025-12-05T02:30:00Z', SHANGHAI)).toEqual({ day: '2025-12-05', minutes: 10 * 60 + 30 })
    expect(clock('2025-12-05T02:30:00+00:00', SHANGHAI)).toBe('10:30')
    // 23:30 UTC is already the next morning in Shanghai
    expect(localParts('2025-12-04T23:30:00Z', SHANGHAI).day).toBe('2025-12-05')
    expect(clock('2025-12-04T16:00:00Z', SHANGHAI)).toBe('00:00')
  })

  it('measures minutes from the local midnight of the board day, past it for the next day', () => {
    expect(minutesOn('2025-12-05T01:00:00Z', SHANGHAI, '2025-12-05')).toBe(9 * 60)
    expect(minutesOn('2025-12-05T16:00:00Z', SHANGHAI, '2025-12-05')).toBe(1440)
    expect(minutesOn('2025-12-04T15:00:00Z', SHANGHAI, '2025-12-05')).toBe(-60)
  })

  it('knows today in the store, steps days across months and names nearby days', () => {
    expect(todayIn(SHANGHAI, new Date('2025-12-31T17:00:00Z'))).toBe('2026-01-01')
    expect(todayIn('America/New_York', new Date('2025-12-31T17:00:00Z'))).toBe('2025-12-31')
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01')
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29')
    expect(dayTitle('2025-12-05', 'zh')).toBe('12月5日周五')
    expect(dayTitle('2025-12-05', 'en')).toBe('Fri, Dec 5')
    expect(relativeDay('2025-12-06', '2025-12-05')).toBe('tomorrow')
    expect(relativeDay('2025-12-04', '2025-12-05')).toBe('yesterday')
    expect(relativeDay('2025-12-09', '2025-12-05')).toBeNull()
  })
})

describe('the board', () => {
  const day = '2025-12-05'
  const at = (clockText: string) => new Date(`${day}T${clockText}:00+08:00`).toISOString()

  it('spans whole hours around the opening hours and every booking, 09:00-21:00 when the day is empty', () => {
    const open = { start: at('09:30'), end: at('21:00') }
    const late = { start: at('20:45'), end: at('21:40') }
    expect(boardWindow([open, late], SHANGHAI, day)).toEqual({ from: 9 * 60, to: 22 * 60 })
    expect(boardWindow([], SHANGHAI, day)).toEqual({ from: 540, to: 1260 })
    expect(hourMarks({ from: 540, to: 720 })).toEqual([540, 600, 660, 720])
  })

  it('places a booking by its start and length, cut to the window', () => {
    const window = { from: 9 * 60, to: 21 * 60 }
    expect(place({ start: at('10:00'), end: at('11:15') }, SHANGHAI, day, window, 2)).toEqual({ top: 120, height: 150 })
    expect(place({ start: at('08:00'), end: at('09:30') }, SHANGHAI, day, window, 1)).toEqual({ top: 0, height: 30 })
  })

  it("puts the signed-in technician's own column first", () => {
    const columns = [{ staffMember: { id: 'a' } }, { staffMember: { id: 'b' } }, { staffMember: { id: 'c' } }]
    expect(mineFirst(columns, 'c').map((c) => c.staffMember.id)).toEqual(['c', 'a', 'b'])
    expect(mineFirst(columns, undefined).map((c) => c.staffMember.id)).toEqual(['a', 'b', 'c'])
  })
})

describe('what may be done with a booking', () => {
  it('offers check-in, reschedule, no-show and cancel before the visit, completion after check-in', () => {
    expect(actionsFor('BOOKED')).toEqual(['checkIn', 'reschedule', 'noShow', 'cancel'])
    expect(actionsFor('HELD')).toEqual(['cancel'])
    expect(actionsFor('CHECKED_IN')).toEqual(['complete'])
    for (const done of ['COMPLETED', 'CANCELLED', 'NO_SHOW', 'EXPIRED'] as const) expect(actionsFor(done)).toEqual([])
  })

  it("keeps the booking's own staff member when free, else the one asked for, else the first free", () => {
    expect(rescheduleStaff(['a', 'b'], 'a', null)).toBeNull()
    expect(rescheduleStaff(['b', 'c'], 'a', null)).toBe('b')
    expect(rescheduleStaff(['a', 'b'], 'a', 'b')).toBe('b')
    expect(rescheduleStaff(['a'], 'a', 'a')).toBeNull()
  })

  it('completes only with a count card that has uses left and has not expired', () => {
    const now = new Date('2025-12-05T00:00:00Z')
    const cards = [
      { id: 'live', remaining: 3, expiresAt: '2026-01-01T00:00:00Z' },
      { id: 'used-up', remaining: 0, expiresAt: '2026-01-01T00:00:00Z' },
      { id: 'expired', remaining: 5, expiresAt: '2025-12-01T00:00:00Z' },
    ]
    expect(usableCountCards(cards, now).map((c) => c.id)).toEqual(['live'])
  })
})
