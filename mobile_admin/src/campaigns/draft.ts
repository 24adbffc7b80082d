// The new-campaign form as the manager fills it (a saved segment, a coupon and/or a message, a send time on the
// store's clock, whole-number shares) turned into the API's input, or the fields that cannot be read, under the
// API's own field names so local problems and the API's userErrors land in the same places.
import { dayStart } from '../coupons/draft'
import type { CampaignInput } from '../gql/graphql'

export interface CampaignForm {
  name: string
  segmentId: string
  withCoupon: boolean
  templateId: string
  withMessage: boolean
  title: string
  body: string
  sms: boolean
  sendNow: boolean
  /** The store's wall clock, as a datetime-local field gives it: 2026-12-05T18:30. */
  sendAt: string
  controlPercent: string
  weekCap: string
  windowDays: string
}

export type Problem = 'required' | 'whole' | 'time'
export type Problems = Partial<Record<keyof CampaignInput | 'message.title' | 'message.body', Problem>>

export function emptyForm(): CampaignForm {
  return {
    name: '',
    segmentId: '',
    withCoupon: false,
    templateId: '',
    withMessage: true,
    title: '',
    body: '',
    sms: false,
    sendNow: true,
    sendAt: '',
    controlPercent: '10',
    weekCap: '2',
    windowDays: '14',
  }
}

function whole(text: string): number | null {
  return /^\s*\d{1,4}\s*$/.test(text) ? Number(text) : null
}

/** The instant a wall-clock time at the store happens; null when the text is not one. The store's offset is
 * taken at the day's start, which is exact wherever the clocks do not change during that day (all of China). */
export function storeInstant(local: string, timeZone: string): string | null {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})$/.exec(local)
  if (!match?.[1]) return null
  const start = dayStart(match[1], timeZone)
  if (start === null) return null
  const minutes = Number(match[2]) * 60 + Number(match[3])
  return new Date(Date.parse(start) + minutes * 60_000).toISOString()
}

export function toInput(
  form: CampaignForm,
  timeZone: string,
): { input: CampaignInput } | { problems: Problems } {
  const problems: Problems = {}
  if (!form.name.trim()) problems.name = 'required'
  if (!form.segmentId) problems.segmentId = 'required'
  if (form.withCoupon && !form.templateId) problems.couponTemplateId = 'required'
  if (form.withMessage && !form.title.trim()) problems['message.title'] = 'required'
  if (form.withMessage && !form.body.trim()) problems['message.body'] = 'required'
  const shares = { controlPercent: whole(form.controlPercent), weekCap: whole(form.weekCap), windowDays: whole(form.windowDays) }
  for (const [field, value] of Object.entries(shares)) {
    if (value === null) problems[field as keyof typeof shares] = 'whole'
  }
  const sendAt = form.sendNow ? null : storeInstant(form.sendAt, timeZone)
  if (!form.sendNow && sendAt === null) problems.sendAt = 'time'
  if (Object.keys(problems).length) return { problems }
  return {
    input: {
      name: form.name.trim(),
      segmentId: form.segmentId,
      couponTemplateId: form.withCoupon ? form.templateId : null,
      message: form.withMessage ? { title: form.title.trim(), body: form.body.trim() } : null,
      sms: form.withMessage && form.sms,
      sendAt,
      controlPercent: shares.controlPercent ?? 0,
      weekCap: shares.weekCap ?? 0,
      windowDays: shares.windowDays ?? 0,
    },
  }
}
