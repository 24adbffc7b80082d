// The signed-in staff member's tokens, kept across reloads; the refresh token is single-use and rotated by the
// API, so the one we hold is always the newest. A refused refresh signs the phone out and says why.
import { ref } from 'vue'

export interface Tokens {
  accessToken: string
  accessTokenExpiresAt: string
  refreshToken: string
  refreshTokenExpiresAt: string
}

export type SignOutReason = 'refused' | 'chose'

const KEY = 'jike.admin.session'

function load(): Tokens | null {
  try {
    const raw = localStorage.getItem(KEY)
    return raw ? (JSON.parse(raw) as Tokens) : null
  } catch {
    return null
  }
}

export const tokens = ref<Tokens | null>(load())
export const signedOutBecause = ref<SignOutReason | null>(null)

export function keep(next: Tokens): void {
  tokens.value = next
  signedOutBecause.value = null
  localStorage.setItem(KEY, JSON.stringify(next))
}

export function forget(reason: SignOutReason): void {
  tokens.value = null
  signedOutBecause.value = reason
  localStorage.removeItem(KEY)
}

/** True when the access token is gone or ends within the margin, so it is refreshed before the request. */
export function accessExpiring(now: Date = new Date(), marginMs = 30_000): boolean {
  const current = tokens.value
  return !current || new Date(current.accessTokenExpiresAt).getTime() - now.getTime() < marginMs
}
