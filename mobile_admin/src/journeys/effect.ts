// A journey's effect as the screen reads it: each group's figures side by side (the paid share as a percentage,
// money in yuan), and the uplift of the treatment group over the control group with its 95% interval, in
// percentage points and yuan per member. Figures arrive in fen and fractions; only here are they rounded.
import { yuan } from '../shell/money'

export interface GroupFigures {
  members: number
  sent: number
  delivered: number
  opened: number
  redeemed: number
  paidMembers: number
  revenueFen: number
}

export interface Uplift {
  rateDiff: number
  rateLow: number
  rateHigh: number
  revenuePerMemberDiffFen: number
  revenueLowFen: number
  revenueHighFen: number
}

export interface Effect {
  treatment: GroupFigures
  control: GroupFigures
  uplift?: Uplift | null
}

export type Row = 'members' | 'sent' | 'opened' | 'redeemed' | 'paid' | 'revenue'

/** Each row's two cells: the treatment group's, then the control group's. */
export function rows(effect: Effect): { row: Row; cells: [string, string] }[] {
  const both = (cell: (g: GroupFigures) => string): [string, string] => [cell(effect.treatment), cell(effect.control)]
  const share = (g: GroupFigures) => (g.members ? ` (${Math.round((g.paidMembers * 100) / g.members)}%)` : '')
  return [
    { row: 'members', cells: both((g) => String(g.members)) },
    { row: 'sent', cells: both((g) => String(g.sent)) },
    { row: 'opened', cells: both((g) => String(g.opened)) },
    { row: 'redeemed', cells: both((g) => String(g.redeemed)) },
    { row: 'paid', cells: both((g) => `${g.paidMembers}${share(g)}`) },
    { row: 'revenue', cells: both((g) => yuan(g.revenueFen)) },
  ]
}

function signed(text: string, value: number): string {
  return value > 0 ? `+${text}` : text
}

/** A fraction as signed percentage points: 0.05 → "+5.0". */
export function points(fraction: number): string {
  const value = Math.round(fraction * 1000) / 10
  return signed((value === 0 ? 0 : value).toFixed(1), value)
}

/** Fen per member as signed yuan, rounded to the fen. */
export function perMember(fen: number): string {
  const rounded = Math.round(fen)
  return signed(yuan(rounded), rounded)
}

/** The uplift's two lines, or null while a group is empty. */
export function upliftText(effect: Effect): { rate: string; rateRange: string; revenue: string; revenueRange: string } | null {
  const u = effect.uplift
  if (!u) return null
  return {
    rate: points(u.rateDiff),
    rateRange: `${points(u.rateLow)} ~ ${points(u.rateHigh)}`,
    revenue: perMember(u.revenuePerMemberDiffFen),
    revenueRange: `${perMember(u.revenueLowFen)} ~ ${perMember(u.revenueHighFen)}`,
  }
}
