// What a scanned or typed text is: the counter has one field for every code, and each kind goes its own way
// (a coupon to its preview, a member to their card). The API's formats: CPN-/MBR- and 48 base32 characters,
// a card number of 12 digits ending in a Luhn digit, a mainland mobile number.

export type ScannedCode =
  | { kind: 'coupon'; code: string }
  | { kind: 'member'; code: string }
  /** 48 base32 characters without a prefix (typed by hand, or an older screen): a coupon's or a member's. */
  | { kind: 'bare'; code: string }
  | { kind: 'card'; cardNumber: string }
  | { kind: 'phone'; phone: string }
  | { kind: 'empty' }
  | { kind: 'unknown'; text: string }

const BODY = '[A-Z2-7]{48}'
const COUPON = new RegExp(`^CPN-${BODY}$`)
const MEMBER = new RegExp(`^MBR-${BODY}$`)
const BARE = new RegExp(`^${BODY}$`)

/** The Luhn check digit of `body`, as the API computes it for card numbers. */
export function luhnDigit(body: string): string {
  let total = 0
  for (let i = 0; i < body.length; i += 1) {
    let d = Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 2 : 1)
    if (d > 9) d -= 9
    total += d
  }
  return String((10 - (total % 10)) % 10)
}

function isCardNumber(digits: string): boolean {
  return /^\d{12}$/.test(digits) && luhnDigit(digits.slice(0, -1)) === digits.slice(-1)
}

export function parseCode(text: string): ScannedCode {
  // WeChat's scanner answers a barcode as "CODE_128,<text>"; people type with spaces and in lower case.
  const raw = text.trim().replace(/^[A-Z0-9_]+,/, '')
  const upper = raw.replace(/\s+/g, '').toUpperCase()
  if (upper === '') return { kind: 'empty' }
  if (COUPON.test(upper)) return { kind: 'coupon', code: upper }
  if (MEMBER.test(upper)) return { kind: 'member', code: upper }
  if (BARE.test(upper)) return { kind: 'bare', code: upper }
  if (isCardNumber(upper)) return { kind: 'card', cardNumber: upper }
  const phone = upper.replace(/^\+?86/, '')
  if (/^1[3-9]\d{9}$/.test(phone)) return { kind: 'phone', phone }
  return { kind: 'unknown', text: raw }
}
