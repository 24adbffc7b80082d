// A campaign's effect as the screen shows it: each group's paid rate and revenue per member (fen, shown in yuan),
// the uplift with its 95% interval in words, and the bars comparing the groups.
import type { Figure } from '../reports/charts'
import { yuan } from '../shell/money'

export interface GroupFigures {
  members: number
  paidMembers: number
  revenueFen: number
}

/** Paid members over members as a percent with one decimal: 0 members read as 0.0%. */
export function paidRate(g: GroupFigures): string {
  if (!g.members) return '0.0%'
  return `${((g.paidMembers * 100) / g.members).toFixed(1)}%`
}

export function perMemberFen(g: GroupFigures): number {
  return g.members ? Math.round(g.revenueFen / g.members) : 0
}

/** A rate difference (0.052) as signed percentage points: +5.2%. */
export function signedRate(diff: number): string {
  const points = Math.round(diff * 1000) / 10
  return `${points > 0 ? '+' : ''}${points.toFixed(1)}%`
}

/** A fen difference (may be fractional) as signed yuan: +¥3.50, -¥0.20. */
export function signedYuan(diffFen: number): string {
  const fen = Math.round(diffFen)
  return fen > 0 ? `+${yuan(fen)}` : yuan(fen)
}

export function perMemberFigures(
  treatment: GroupFigures,
  control: GroupFigures,
  labels: { treatment: string; control: string },
): Figure[] {
  return [
    { label: labels.treatment, value: perMemberFen(treatment) },
    { label: labels.control, value: perMemberFen(control) },
  ]
}

/** While the worker has it (or is about to), the screen asks again for fresh progress. */
export function keepsChanging(state: string): boolean {
  return state === 'SCHEDULED' || state === 'SENDING'
}
