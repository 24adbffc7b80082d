// A ledger line's amount as the member's account counts it: points as points, stored value in yuan (the API
// sends fen), count-card uses as uses; always signed, so a cashier reads a debit at a glance.
import { yuan } from '../shell/money'

export type Account = 'POINTS' | 'STORED_VALUE' | 'COUNT'

export function signedAmount(account: Account, amount: number): string {
  const sign = amount > 0 ? '+' : amount < 0 ? '-' : ''
  const abs = Math.abs(amount)
  if (account === 'STORED_VALUE') return `${sign}${yuan(abs)}`
  return `${sign}${abs}`
}

/** What the account holds after the line, without a sign. */
export function balanceText(account: Account, balance: number): string {
  return account === 'STORED_VALUE' ? yuan(balance) : String(balance)
}
