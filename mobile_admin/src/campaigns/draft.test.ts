import { describe, expect, it } from 'vitest'

import { emptyForm, storeInstant, toInput } from './draft'

describe('the new-campaign form', () => {
  it('sends a coupon and a message now, with the default shares', () => {
    const form = {
      ...emptyForm(),
      name: ' 唤醒 ',
      segmentId: 'U2VnbWVudDox',
      withCoupon: true,
      templateId: 'Q291cG9u',
      title: '好久不见',
      body: '回店送券',
    }
    expect(toInput(form, 'Asia/Shanghai')).toEqual({
      input: {
        name: '唤醒',
        segmentId: 'U2VnbWVudDox',
        couponTemplateId: 'Q291cG9u',
        message: { title: '好久不见', body: '回店送券' },
        sms: false,
        sendAt: null,
        controlPercent: 10,
        weekCap: 2,
        windowDays: 14,
      },
    })
  })

  it('reads the send time on the store clock and sends a coupon alone without SMS', () => {
    const form = {
      ...emptyForm(),
      name: '周末',
      segmentId: 's',
      withCoupon: true,
      templateId: 't',
      withMessage: false,
      sms: true,
      sendNow: false,
      sendAt: '2026-12-05T18:30',
    }
    const made = toInput(form, 'Asia/Shanghai')
    expect(made).toMatchObject({ input: { sendAt: '2026-12-05T10:30:00.000Z', message: null, sms: false } })
  })

  it('names every field it cannot read', () => {
    const form = { ...emptyForm(), withCoupon: true, sendNow: false, sendAt: 'tomorrow', controlPercent: '1.5' }
    expect(toInput(form, 'Asia/Shanghai')).toEqual({
      problems: {
        name: 'required',
        segmentId: 'required',
        couponTemplateId: 'required',
        'message.title': 'required',
        'message.body': 'required',
        controlPercent: 'whole',
        sendAt: 'time',
      },
    })
  })

  it('turns a wall-clock time into the instant it happens at the store', () => {
    expect(storeInstant('2026-01-01T00:00', 'Asia/Shanghai')).toBe('2025-12-31T16:00:00.000Z')
    expect(storeInstant('2026-01-01', 'Asia/Shanghai')).toBeNull()
  })
})
