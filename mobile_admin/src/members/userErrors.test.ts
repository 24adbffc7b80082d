import { describe, expect, it } from 'vitest'

import { placeErrors, readAnswer } from './userErrors'

describe('userErrors on a form', () => {
  it('puts an error under the field it names when the form shows that field', () => {
    const errors = [{ field: 'reason', code: 'REASON_REQUIRED', message: '请填写原因' }]
    expect(placeErrors(errors, ['amount', 'reason'])).toEqual({ reason: '请填写原因' })
  })

  it('puts errors naming no shown field in the alert line, joined', () => {
    const errors = [
      { field: 'memberId', code: 'CARD_NOT_FOUND', message: '会员卡不存在' },
      { field: null, code: 'X', message: '出错了' },
      { field: 'amount', code: 'INSUFFICIENT_BALANCE', message: '余额不足' },
    ]
    expect(placeErrors(errors, ['amount'])).toEqual({ '': '会员卡不存在；出错了', amount: '余额不足' })
  })
})

describe('a mutation’s answer', () => {
  const shown = ['reason']

  it('settles the key and places the userErrors when the API answered', () => {
    const payload = { userErrors: [{ field: 'reason', code: 'REASON_REQUIRED', message: '请填写原因' }] }
    expect(readAnswer(payload, undefined, shown, '网络不通')).toEqual({ answered: true, errors: { reason: '请填写原因' } })
    expect(readAnswer({ userErrors: [] }, undefined, shown, '网络不通')).toEqual({ answered: true, errors: {} })
  })

  it('keeps the key when the request got no answer', () => {
    const dropped = { networkError: new Error('offline'), graphQLErrors: [] }
    expect(readAnswer(undefined, dropped, shown, '网络不通')).toEqual({ answered: false, errors: { '': '网络不通' } })
  })

  it('shows a refusal outside userErrors (a role the API refuses) in the alert line', () => {
    const refused = { graphQLErrors: [{ message: 'Not allowed' }] }
    expect(readAnswer(null, refused, shown, '网络不通')).toEqual({ answered: true, errors: { '': 'Not allowed' } })
  })
})
