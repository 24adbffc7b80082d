import { describe, expect, it } from 'vitest'

import { criterionOf, groupedCardNumber, isCardNumber, searchVariables } from './search'

describe('what the member search box means', () => {
  it('reads 11 digits starting with 1 as a phone, spaces and dashes dropped', () => {
    expect(criterionOf('13812345678')).toEqual({ kind: 'phone', phone: '13812345678' })
    expect(criterionOf(' 138 1234 5678 ')).toEqual({ kind: 'phone', phone: '13812345678' })
    expect(criterionOf('138-1234-5678')).toEqual({ kind: 'phone', phone: '13812345678' })
  })

  it('reads 12 digits with a valid check digit as a card number', () => {
    // 81234567890 → Luhn check digit 6 (the API's format: 11 digits and a check digit).
    expect(criterionOf('812345678906')).toEqual({ kind: 'card', cardNumber: '812345678906' })
    expect(criterionOf('8123 4567 8906')).toEqual({ kind: 'card', cardNumber: '812345678906' })
  })

  it('reads anything else as the start of a nickname', () => {
    expect(criterionOf('小明')).toEqual({ kind: 'nickname', nickname: '小明' })
    expect(criterionOf('  Amy ')).toEqual({ kind: 'nickname', nickname: 'Amy' })
    expect(criterionOf('1381234')).toEqual({ kind: 'nickname', nickname: '1381234' })
    // Twelve digits whose check digit is wrong are no card number.
    expect(criterionOf('812345678900')).toEqual({ kind: 'nickname', nickname: '812345678900' })
    // Eleven digits not starting with 1 are no mainland mobile number.
    expect(criterionOf('23812345678').kind).toBe('nickname')
  })

  it('lists everyone when nothing is typed', () => {
    expect(criterionOf('   ')).toEqual({ kind: 'all' })
    expect(searchVariables(criterionOf(''))).toEqual({})
  })

  it('asks the API with exactly one argument', () => {
    expect(searchVariables(criterionOf('13812345678'))).toEqual({ phone: '13812345678' })
    expect(searchVariables(criterionOf('812345678906'))).toEqual({ cardNumber: '812345678906' })
    expect(searchVariables(criterionOf('小明'))).toEqual({ nickname: '小明' })
  })

  it('checks card numbers as the API does', () => {
    expect(isCardNumber('812345678906')).toBe(true)
    expect(isCardNumber('812345678901')).toBe(false)
    expect(isCardNumber('81234567890')).toBe(false)
    expect(isCardNumber('81234567890a')).toBe(false)
  })

  it('prints a card number in fours, and reads it back', () => {
    expect(groupedCardNumber('812345678906')).toBe('8123 4567 8906')
    expect(criterionOf(groupedCardNumber('812345678906'))).toEqual({ kind: 'card', cardNumber: '812345678906' })
  })
})
