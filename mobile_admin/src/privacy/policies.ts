// 隐私政策: which published version members are asked to agree to now, and what the publish form sends.
import { minutesOn } from '../bookings/board'
import type { PublishPrivacyPolicyInput } from '../gql/graphql'

export type PolicyState = 'current' | 'scheduled' | 'superseded'

export interface PolicyLike {
  version: string
  effectiveAt: string
}

/** Each version's state at `now`. The API lists the latest effective first, so the first already in effect is the
 * one members agree to; those before it wait for their time, those after it were replaced. */
export function statesOf(policies: readonly PolicyLike[], now: Date): Map<string, PolicyState> {
  const out = new Map<string, PolicyState>()
  let current = false
  for (const p of policies) {
    if (new Date(p.effectiveAt) > now) {
      out.set(p.version, 'scheduled')
    } else {
      out.set(p.version, current ? 'superseded' : 'current')
      current = true
    }
  }
  return out
}

/** The instant `day` ("2026-12-07") starts in the store's time zone, 00:00 there. */
export function startOf(day: string, timeZone: string): string {
  const guess = new Date(`${day}T00:00:00Z`)
  return new Date(guess.getTime() - minutesOn(guess.toISOString(), timeZone, day) * 60_000).toISOString()
}

export interface Draft {
  version: string
  title: string
  kind: 'text' | 'url'
  text: string
  url: string
  starts: 'now' | 'day'
  day: string
}

export function emptyDraft(): Draft {
  return { version: '', title: '', kind: 'text', text: '', url: '', starts: 'now', day: '' }
}

/** The mutation's input, or the field to ask for first: the API checks everything else and says why in its
 * userErrors, by the same field names. */
export function inputOf(draft: Draft, timeZone: string): PublishPrivacyPolicyInput | { missing: 'day' } {
  if (draft.starts === 'day' && !draft.day) return { missing: 'day' }
  return {
    version: draft.version.trim(),
    title: draft.title.trim(),
    text: draft.kind === 'text' ? draft.text : null,
    url: draft.kind === 'url' ? draft.url.trim() : null,
    effectiveAt: draft.starts === 'day' ? startOf(draft.day, timeZone) : null,
  }
}
