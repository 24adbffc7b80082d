// A manager's balance adjustment as the API takes it: points are whole points, stored value is typed in yuan and
// sent in fen; the direction gives the sign. Anything else is no amount (null), shown before asking the API.
import { parseYuan } from '../shell/money'

export type AdjustAccount = 'POINTS' | 'STORED_VALUE'
export type Direction = 'ADD' | 'DEDUCT'

export function adjustmentAmount(account: AdjustAccount, direction: Direction, typed: string): number | null {
  let size: number | null
  if (account === 'STORED_VALUE') {
    size = parseYuan(typed)
  } else {
    const m = /^\s*(\d{1,9})\s*$/.exec(typed)
    size = m ? Number(m[1]) : null
  }
  if (size === null || size === 0) return null
  return direction === 'ADD' ? size : -size
}
