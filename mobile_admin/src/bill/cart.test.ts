import { describe, expect, it } from 'vitest'

import { type Cart, cartInput, lookupBy, quantityOf, withQuantity } from './cart'

const CUT = { itemId: 'CatalogItem:1', name: '洗剪吹', priceFen: 3_800 }
const SHAMPOO = { itemId: 'CatalogItem:2', name: '洗发水', priceFen: 5_900 }

function cart(overrides: Partial<Cart> = {}): Cart {
  return {
    storeId: 'Store:1',
    mode: 'items',
    lines: [],
    amountText: '',
    memberId: null,
    couponId: null,
    usePoints: false,
    ...overrides,
  }
}

describe('the cart as the cashier builds it', () => {
  it('adds an item once, changes its quantity in place and drops it at zero', () => {
    let lines = withQuantity([], CUT, 1)
    lines = withQuantity(lines, SHAMPOO, 1)
    lines = withQuantity(lines, CUT, 3)
    expect(lines.map((l) => [l.name, l.quantity])).toEqual([
      ['洗剪吹', 3],
      ['洗发水', 1],
    ])
    expect(quantityOf(lines, CUT.itemId)).toBe(3)
    lines = withQuantity(lines, CUT, 0)
    expect(lines.map((l) => l.name)).toEqual(['洗发水'])
    expect(quantityOf(lines, CUT.itemId)).toBe(0)
  })

  it('asks the API for the items and quantities, or for the typed amount in fen', () => {
    const lines = withQuantity([], CUT, 2)
    expect(cartInput(cart({ lines }))).toEqual({
      storeId: 'Store:1',
      memberId: null,
      items: [{ itemId: CUT.itemId, quantity: 2 }],
      amountFen: null,
      couponId: null,
      usePoints: false,
    })
    expect(cartInput(cart({ mode: 'amount', amountText: '88.5', lines }))).toMatchObject({ items: [], amountFen: 8_850 })
  })

  it('has nothing to price while empty, and refuses typed text that is not yuan', () => {
    expect(cartInput(cart())).toBe('empty')
    expect(cartInput(cart({ mode: 'amount', amountText: '  ' }))).toBe('empty')
    expect(cartInput(cart({ mode: 'amount', amountText: '12.345' }))).toBe('badAmount')
    expect(cartInput(cart({ mode: 'amount', amountText: '0' }))).toBe('badAmount')
  })

  it('sends a coupon and points only with a member', () => {
    const lines = withQuantity([], CUT, 1)
    expect(cartInput(cart({ lines, couponId: 'Coupon:1', usePoints: true }))).toMatchObject({
      couponId: null,
      usePoints: false,
    })
    expect(cartInput(cart({ lines, memberId: 'Member:1', couponId: 'Coupon:1', usePoints: true }))).toMatchObject({
      memberId: 'Member:1',
      couponId: 'Coupon:1',
      usePoints: true,
    })
  })
})

describe('finding the member from what was typed or scanned', () => {
  it('reads 11 digits as a phone, 12 as a card number, and a scanned code as a member code', () => {
    expect(lookupBy('138 0013 8000')).toEqual({ phone: '13800138000' })
    expect(lookupBy('123456789012')).toEqual({ cardNumber: '123456789012' })
    expect(lookupBy('MBR-ABCDEFGH234567')).toEqual({ code: 'MBR-ABCDEFGH234567' })
  })

  it('asks nothing for an empty field or digits that are neither', () => {
    expect(lookupBy('  ')).toBeNull()
    expect(lookupBy('12345')).toBeNull()
  })
})
