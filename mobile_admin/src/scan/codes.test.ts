import { describe, expect, it } from 'vitest'

import { luhnDigit, parseCode } from './codes'

const BODY = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFGHIJKLMNOP'

describe('one field for every code', () => {
  it('knows a coupon redeem code by its CPN- prefix, however it was typed', () => {
    expect(parseCode(`CPN-${BODY}`)).toEqual({ kind: 'coupon', code: `CPN-${BODY}` })
    expect(parseCode(`  cpn-${BODY.toLowerCase()}\n`)).toEqual({ kind: 'coupon', code: `CPN-${BODY}` })
    expect(parseCode(`CPN-${BODY.slice(0, 24)} ${BODY.slice(24)}`)).toEqual({ kind: 'coupon', code: `CPN-${BODY}` })
  })

  it('knows a member code by its MBR- prefix', () => {
    expect(parseCode(`MBR-${BODY}`)).toEqual({ kind: 'member', code: `MBR-${BODY}` })
  })

  it('leaves a code without prefix to be tried as either', () => {
    expect(parseCode(BODY.toLowerCase())).toEqual({ kind: 'bare', code: BODY })
  })

  it("reads WeChat's barcode answer without its format name", () => {
    expect(parseCode(`QR_CODE,CPN-${BODY}`)).toEqual({ kind: 'coupon', code: `CPN-${BODY}` })
  })

  it('takes a card number only with a right check digit', () => {
    expect(luhnDigit('62345678901')).toBe('4')
    expect(parseCode('6234 5678 9014')).toEqual({ kind: 'card', cardNumber: '623456789014' })
    expect(parseCode('623456789015').kind).toBe('unknown')
  })

  it('takes a mainland mobile number, with or without +86', () => {
    expect(parseCode('138 0013 8000')).toEqual({ kind: 'phone', phone: '13800138000' })
    expect(parseCode('+8613800138000')).toEqual({ kind: 'phone', phone: '13800138000' })
  })

  it('says what it cannot read, and nothing for an empty field', () => {
    expect(parseCode('   ')).toEqual({ kind: 'empty' })
    expect(parseCode(`CPN-${BODY.slice(1)}`).kind).toBe('unknown')
    expect(parseCode(`XYZ-${BODY}`).kind).toBe('unknown')
    expect(parseCode('https://example.com/?a=1')).toEqual({ kind: 'unknown', text: 'https://example.com/?a=1' })
    expect(parseCode('134567890123456789').kind).toBe('unknown')
  })
})
