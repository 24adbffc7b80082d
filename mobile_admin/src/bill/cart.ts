// The bill's cart as the cashier builds it (catalog items with quantities, or one typed amount; the member, one
// coupon, points) and the input the API prices and makes an order of. Pure, so the rules are tested by vitest.
import { parseYuan } from '../shell/money'

export interface CartLine {
  itemId: string
  name: string
  priceFen: number
  quantity: number
}

export type CartMode = 'items' | 'amount'

export interface Cart {
  storeId: string
  mode: CartMode
  lines: CartLine[]
  amountText: string
  memberId: string | null
  couponId: string | null
  usePoints: boolean
}

export interface CartInput {
  storeId: string
  memberId: string | null
  items: { itemId: string; quantity: number }[]
  amountFen: number | null
  couponId: string | null
  usePoints: boolean
}

/** The API's input for the cart; 'empty' when nothing is on the bill yet, 'badAmount' for typed text that is not
 * an amount in yuan. */
export function cartInput(cart: Cart): CartInput | 'empty' | 'badAmount' {
  const discounts = {
    storeId: cart.storeId,
    memberId: cart.memberId,
    couponId: cart.memberId ? cart.couponId : null,
    usePoints: cart.memberId !== null && cart.usePoints,
  }
  if (cart.mode === 'amount') {
    if (!cart.amountText.trim()) return 'empty'
    const fen = parseYuan(cart.amountText)
    if (fen === null || fen <= 0) return 'badAmount'
    return { ...discounts, items: [], amountFen: fen }
  }
  const items = cart.lines.filter((l) => l.quantity > 0).map((l) => ({ itemId: l.itemId, quantity: l.quantity }))
  if (items.length === 0) return 'empty'
  return { ...discounts, items, amountFen: null }
}

/** The lines with `item` at `quantity`: added at the end when new, dropped at 0, in place otherwise. */
export function withQuantity(
  lines: readonly CartLine[],
  item: { itemId: string; name: string; priceFen: number },
  quantity: number,
): CartLine[] {
  const at = lines.findIndex((l) => l.itemId === item.itemId)
  if (quantity <= 0) return lines.filter((l) => l.itemId !== item.itemId)
  if (at < 0) return [...lines, { ...item, quantity }]
  return lines.map((l, i) => (i === at ? { ...l, quantity } : l))
}

export function quantityOf(lines: readonly CartLine[], itemId: string): number {
  return lines.find((l) => l.itemId === itemId)?.quantity ?? 0
}

export type MemberLookup = { phone: string } | { cardNumber: string } | { code: string }

/** What the cashier typed or scanned, as lookupMember's one criterion: 11 digits from 1 are a phone, 12 digits a
 * card number, anything else a member code (the QR the member shows). */
export function lookupBy(text: string): MemberLookup | null {
  const typed = text.replace(/\s+/g, '')
  if (!typed) return null
  if (/^1\d{10}$/.test(typed)) return { phone: typed }
  if (/^\d{12}$/.test(typed)) return { cardNumber: typed }
  if (/^\d+$/.test(typed)) return null
  return { code: typed }
}
