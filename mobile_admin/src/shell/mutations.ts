// How every screen talks back to the API: userErrors shown by the field they name, and one idempotency key per
// intent, kept until the API has answered, so a tap retried after a network error is the same request.
import { ref } from 'vue'

export interface UserError {
  field?: string | null
  code: string
  message: string
}

/** userErrors by the input field they name; errors naming no field are under ''. */
export function byField(errors: readonly UserError[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const e of errors) {
    const key = e.field ?? ''
    out[key] = out[key] ? `${out[key]}；${e.message}` : e.message
  }
  return out
}

export function newKey(): string {
  // getRandomValues works over plain http on a store's LAN, where crypto.randomUUID does not.
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

export function useIdempotencyKey() {
  const key = ref(newKey())
  return {
    key,
    /** The API answered (done or refused): the next tap is a new intent. */
    settle(): void {
      key.value = newKey()
    },
  }
}
