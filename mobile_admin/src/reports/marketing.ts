// 营销效果 as the dashboard shows it: each coupon template's funnel as one compact row (sent → forwarded → claimed
// → redeemed, and the revenue its claimers brought), the first few rows with the rest behind 更多, and each step's
// share of what was sent. Counts stay counts and money stays fen; the screen formats them.

export const FUNNEL_STEPS = ['issued', 'forwarded', 'claimed', 'redeemed'] as const
export type FunnelStep = (typeof FUNNEL_STEPS)[number]

export type TemplateFunnel = Record<FunnelStep, number> & { revenueFen: number }

/** Rows a store owner reads at a glance; the rest open with 更多. */
export const FIRST_TEMPLATES = 5

/** The rows on screen, and how many more wait behind 更多 (0 once open, or when all fit). */
export function firstRows<T>(rows: readonly T[], open: boolean, first = FIRST_TEMPLATES): { shown: T[]; more: number } {
  if (open || rows.length <= first) return { shown: [...rows], more: 0 }
  return { shown: rows.slice(0, first), more: rows.length - first }
}

/** A step as a share of the coupons sent in the range, one decimal; null when none were sent in it (coupons sent
 * earlier can still be claimed or redeemed in it, so a share of nothing is not a figure). */
export function shareOfSent(count: number, issued: number): number | null {
  if (issued <= 0) return null
  return Math.round((count * 1000) / issued) / 10
}

/** The redemption bar under a row: redeemed of sent, 0–100 (more redeemed than sent in the range fills it). */
export function redeemedWidth(funnel: TemplateFunnel): number {
  const share = shareOfSent(funnel.redeemed, funnel.issued)
  if (share === null) return funnel.redeemed > 0 ? 100 : 0
  return Math.min(100, share)
}
