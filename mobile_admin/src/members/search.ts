// What the one search box means: 11 digits starting with 1 are a phone, 12 digits with a valid check digit are a
// card number (the API's Luhn-checked numbers), anything else is the start of a nickname. Spaces and dashes a
// cashier types inside a number are ignored.

export type Criterion =
  | { kind: 'all' }
  | { kind: 'phone'; phone: string }
  | { kind: 'card'; cardNumber: string }
  | { kind: 'nickname'; nickname: string }

const CARD_DIGITS = 12

/** The Luhn check the API puts on every card number's last digit. */
export function isCardNumber(digits: string): boolean {
  if (!new RegExp(`^\\d{${CARD_DIGITS}}$`).test(digits)) return false
  let total = 0
  for (let i = 0; i < digits.length; i += 1) {
    const fromRight = digits.length - 1 - i
    let d = Number(digits[i])
    if (fromRight % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    total += d
  }
  return total % 10 === 0
}

export function criterionOf(typed: string): Criterion {
  const text = typed.trim()
  if (!text) return { kind: 'all' }
  const compact = text.replace(/[\s-]/g, '')
  if (/^1\d{10}$/.test(compact)) return { kind: 'phone', phone: compact }
  if (isCardNumber(compact)) return { kind: 'card', cardNumber: compact }
  return { kind: 'nickname', nickname: text }
}

/** The `members(...)` arguments for a criterion: exactly one of them, or none to list every member. */
export function searchVariables(c: Criterion): { phone?: string; cardNumber?: string; nickname?: string } {
  switch (c.kind) {
    case 'phone':
      return { phone: c.phone }
    case 'card':
      return { cardNumber: c.cardNumber }
    case 'nickname':
      return { nickname: c.nickname }
    case 'all':
      return {}
  }
}

/** "3685 4589 7317": a card number in fours, as printed on the card, for reading aloud at the counter. */
export function groupedCardNumber(number: string): string {
  return number.replace(/(\d{4})(?=\d)/g, '$1 ')
}
